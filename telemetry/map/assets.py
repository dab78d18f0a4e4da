"""Where the page loads Leaflet, its cluster plugin and the land outline from: always URLs of
the controller itself, so the map works with no Internet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LAND_FILE = Path(__file__).parent / "data" / "land-50m.json"
"""Natural Earth 1:50m land, no borders (see data/PROVENANCE.md)."""


ICON = (
    "data:image/svg+xml,%3Csvg xmlns='http%3A//www.w3.org/2000/svg' viewBox='0 0 16 16'%3E"
    "%3Ccircle cx='8' cy='8' r='7' fill='%230b5cad'/%3E%3Cpath d='M4 11 8 5l4 6' stroke='%23fff'"
    " stroke-width='2' fill='none'/%3E%3C/svg%3E"
)
"""The pages' icon, inline: a page asks nothing of any other server, or of a missing file."""


@dataclass(frozen=True, slots=True)
class MapAssets:
    """URL prefixes under which the server serves each set of files.

    `leaflet`: the files of `xstatic.pkg.leaflet` (leaflet.js, leaflet.css); `markercluster`:
    those of `xstatic.pkg.leaflet_markercluster`; `land`: `LAND_FILE`, or None for no outline.
    """

    leaflet: str = "/map/static/leaflet"
    markercluster: str = "/map/static/markercluster"
    land: str | None = "/map/static/land/land-50m.json"

    def map_js(self) -> list[tuple[str, str]]:
        return [("leaflet", f"{self.leaflet}/leaflet.js")]

    def map_css(self) -> list[tuple[str, str]]:
        return [("leaflet_css", f"{self.leaflet}/leaflet.css")]

    def cluster_js(self) -> list[tuple[str, str]]:
        return [("markerclusterjs", f"{self.markercluster}/leaflet.markercluster.js")]

    def cluster_css(self) -> list[tuple[str, str]]:
        return [
            ("markerclustercss", f"{self.markercluster}/MarkerCluster.css"),
            ("markerclusterdefaultcss", f"{self.markercluster}/MarkerCluster.Default.css"),
        ]


@dataclass(frozen=True, slots=True)
class MapOptions:
    """What the operator may configure. `tile_url`: an (intranet) XYZ tile server such as
    `https://tiles.example.cn/{z}/{x}/{y}.png`; None (the default) draws the offline land
    outline and graticule instead. `lines_from_zoom`: hub-spoke lines show from this zoom when
    the network has more than `lines_always_up_to` sites (thousands of lines at country zoom are
    noise and cost drawing time)."""

    tile_url: str | None = None
    tile_attribution: str = "tiles: operator's server"
    lines_always_up_to: int = 1000
    lines_from_zoom: int = 7
    refresh_s: float = 30.0
    """Seconds between two fetches of the live statuses (the first comes 1 s after load)."""
    time_zone: str = "Asia/Shanghai"
    """The network's time zone (IANA): the page shows its times in it, and names it."""
    boundary_url: str | None = None
    """Where the page fetches the operator's boundary file (GeoJSON lines or polygons, drawn
    over the base layer), None for none."""


@dataclass(frozen=True, slots=True)
class MapRoutes:
    """The JSON routes the page reads after it loads: live statuses (`status`, every
    `MapOptions.refresh_s`), the 24 h replay (`history`, when the slider first leaves "live"),
    and one site's panel: its details (`site` + id + ".json", when the panel opens and on each
    refresh while it is open) and its links' history (`site` + id + "/history.json?period=")."""

    status: str = "/map/status.json"
    history: str = "/map/history.json"
    site: str = "/map/sites/"
    alarms: str = "/map/alarms.json"
