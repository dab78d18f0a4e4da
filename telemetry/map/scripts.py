"""The JavaScript of the map page, kept as `.js` files beside this module (package data) and
read once when the page is first built.

No jQuery, no icon fonts: markers are `L.circleMarker`s, a click opens the site's panel
(`panel.js`), and text is escaped before it goes into HTML.

- `callback.js`: FastMarkerCluster's callback (folium writes `var callback = <this>;`). It keeps
  every row in `window.BL.rows` for the hub lines and the marker counter (a row: `rows.MapData`).
- `cluster_icon.js`: a cluster's icon.
- `after.js`: run once the map exists: the land layer, the hub-spoke lines, the counters.
- `live.js`: keeps the page current without reloading it (so zoom and position stay): periodic
  refresh of the statuses (and of the open site panel), the 24 h replay slider. Markers are
  recoloured in place (`setStyle`) and clusters redrawn with `refreshClusters()`; the spoke-hub
  lines are regrouped by their new colours (`BL.drawLines`, from the live state only: the
  replay has no line colours); no folium HTML is built again. The page sets `data-refreshes`
  (fetches done), `data-slider` ("ready" once the control is on the map), `data-replay` ("live"
  or the bucket start in ms) and `data-hub-line-colours` (lines per colour) on `<body>` for
  tests and monitoring. A viewer token in the page's URL (`?token=`) is sent as
  `Authorization: Bearer` on every fetch; `?replay=<0..23>` opens the page at a replay hour.

`after.js` and `live.js` take their arguments by `%` formatting (`%(map)s`, ...).
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

COLOURS = ("#2e7d32", "#9e9e9e", "#f9a825", "#c62828")
"""Marker colours, indexed by the status code (`telemetry.health.model.STATUS_BY_CODE`)."""
OPENING_COLOURS = {"planned": "#1565c0", "provisioning": "#6a1b9a", "failed": "#c62828"}
"""Marker colours of sites being opened (`rows.OPENING`), drawn with a dashed outline."""


@cache
def script(name: str) -> str:
    """The text of `js/<name>.js`."""
    return files("telemetry.map").joinpath("js", f"{name}.js").read_text("utf-8").rstrip("\n")


def callback() -> str:
    return (script("callback").replace("__COLOURS__", json.dumps(COLOURS))
            .replace("__OPENING_COLOURS__", json.dumps(OPENING_COLOURS)))  # fmt: skip
