"""The map page as HTML: local assets only, one row per site, colours from health."""

from __future__ import annotations

import re

from bench.bench_map import mixed_snapshot
from sites.inventory import Inventory
from telemetry.health import Status, hub_quality
from telemetry.map import (
    LAND_FILE,
    STATUS_CODE,
    MapAssets,
    MapOptions,
    build_map_page,
    line_codes,
    map_data,
)
from telemetry.map.assets import ICON


def test_page_loads_only_local_assets(reference_340: Inventory) -> None:
    page = build_map_page(reference_340, mixed_snapshot(reference_340))
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sorted(assets) == sorted(
        [
            "/map/static/leaflet/leaflet.js",
            "/map/static/leaflet/leaflet.css",
            "/map/static/markercluster/leaflet.markercluster.js",
            "/map/static/markercluster/MarkerCluster.css",
            "/map/static/markercluster/MarkerCluster.Default.css",
            ICON,  # inline: no request
        ]
    )
    assert ICON.startswith("data:")
    assert "https://" not in page and "http://" not in page
    assert "jquery" not in page.lower() and "AwesomeMarkers" not in page
    assert '"/map/static/land/land-50m.json"' in page


def test_one_row_per_site_coloured_by_health(reference_340: Inventory) -> None:
    snapshot = mixed_snapshot(reference_340)
    data = map_data(reference_340, snapshot)
    assert len(data.rows) == len(reference_340.sites)
    for row in data.rows:
        assert row[2] == STATUS_CODE[snapshot.status_of(row[3])]
    assert {row[2] for row in data.rows} == set(STATUS_CODE.values())  # all four colours
    assert len(data.hubs) == len(reference_340.hubs)
    spokes = [row for row in data.rows if row[5]]
    assert len(spokes) == len(reference_340.sites) - len(reference_340.hubs)


def test_tile_server_replaces_the_offline_outline(small_inventory: Inventory) -> None:
    options = MapOptions(tile_url="https://tiles.intranet.example/{z}/{x}/{y}.png")
    page = build_map_page(small_inventory, mixed_snapshot(small_inventory), options=options)
    assert "tiles.intranet.example" in page
    assert "land-50m.json" not in page
    assets = MapAssets(leaflet="/x/l", markercluster="/x/m", land=None)
    page = build_map_page(small_inventory, mixed_snapshot(small_inventory), assets=assets)
    assert '"/x/l/leaflet.js"' in page and "land-50m" not in page


def test_land_outline_is_packaged_without_borders() -> None:
    text = LAND_FILE.read_text(encoding="utf-8")
    assert '"land"' in text and '"countries"' not in text
    assert (LAND_FILE.parent / "PROVENANCE.md").is_file()


def test_line_colours_follow_each_spokes_best_path_to_its_hubs(reference_340: Inventory) -> None:
    snapshot = mixed_snapshot(reference_340)
    codes = line_codes(snapshot)
    paths = hub_quality(snapshot)
    assert set(codes) == {p.site for p in paths}  # spokes only
    for p in paths:
        if p.status is Status.GREY:
            expected = Status.GREY
        elif p.score is None:
            expected = Status.RED  # no link up
        else:
            expected = Status.GREEN if p.score <= 1 else Status.AMBER
        assert codes[p.site] == STATUS_CODE[expected], p
    assert set(codes.values()) == set(STATUS_CODE.values())  # the mix has all four
    rows = map_data(reference_340, snapshot).rows
    assert {r[3]: r[6] for r in rows if r[5]} == codes  # the page embeds the same colours
