"""The GIS map page: sites coloured by health on an offline base layer. See docs/telemetry.md,
"The map"."""

from telemetry.map.assets import LAND_FILE, MapAssets, MapOptions
from telemetry.map.page import build_map_page
from telemetry.map.rows import STATUS_CODE, MapData, map_data

__all__ = [
    "LAND_FILE",
    "STATUS_CODE",
    "MapAssets",
    "MapData",
    "MapOptions",
    "build_map_page",
    "map_data",
]
