"""The GIS map page: sites coloured by health on an offline base layer. See docs/telemetry.md,
"The map"."""

from telemetry.map.assets import LAND_FILE, MapAssets, MapOptions, MapRoutes
from telemetry.map.details import CHART_METRICS, CurrentPath, PathChange, link_series, site_details
from telemetry.map.page import build_map_page
from telemetry.map.replay import Replay, replay, replay_windows
from telemetry.map.rows import (
    STATUS_CODE,
    MapData,
    line_codes,
    map_data,
    opening_states,
    status_codes,
)

__all__ = [
    "CHART_METRICS",
    "LAND_FILE",
    "STATUS_CODE",
    "CurrentPath",
    "MapAssets",
    "MapData",
    "MapOptions",
    "MapRoutes",
    "PathChange",
    "Replay",
    "build_map_page",
    "line_codes",
    "link_series",
    "map_data",
    "opening_states",
    "replay",
    "replay_windows",
    "site_details",
    "status_codes",
]
