"""The map in a real browser: headless Debian Chromium opens `/map` on the running app with the
340-branch reference network, with no Internet (DESIGN.md §3, "Browser").

Markers are counted from the cluster layer (`data-site-markers`, set by the page from
`cluster.getLayers()`): clusters hide individual markers from the DOM, and circle markers are
drawn on a canvas, so the DOM has no element per site to count.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.request import urlopen
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from controller.api.map import STATIC_DIRS
from controller.app import create_app
from controller.auth.principal import Role
from controller.settings import Settings
from controller.store.facade import Store
from controller.stores import open_store, open_telemetry_store
from sites.inventory import Inventory
from sites.reference_data import cities
from telemetry.alarms import AlarmKind
from tests.cdp import browser_page
from tests.chromium import CHROMIUM, console_errors, leaks, need_chromium, page_requests
from tests.chromium import chromium as run_chromium
from tests.components import missing
from tests.map_app import Served

# A browser, a server process, a real cluster or a soak: in `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def chromium(tmp_path: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_chromium(tmp_path / f"profile-{name}", *args)


def test_map_shows_every_site_with_local_requests_only(
    served: Served, tmp_path: Path, reference_340: Inventory
) -> None:
    if shutil.which(CHROMIUM) is None:
        missing("Chromium", "apt-get install -y chromium")
    net_log = tmp_path / "net-log.json"
    every_line = f"{served.url}&lines=all"  # "all hub lines": else only the selected site's
    dom = chromium(tmp_path, "dom", f"--log-net-log={net_log}", "--dump-dom", every_line)
    assert dom.returncode == 0, dom.stderr[-2000:]
    markers = re.search(r'data-site-markers="(\d+)"', dom.stdout)
    assert markers is not None, dom.stdout[-2000:]
    assert int(markers.group(1)) == len(reference_340.sites)
    assert 'data-land="drawn"' in dom.stdout, "the offline land outline was not drawn"
    refreshes = re.search(r'data-refreshes="(\d+)"', dom.stdout)
    assert refreshes is not None and int(refreshes.group(1)) >= 1, "no status refresh ran"
    # Hub lines, regrouped by colour after the refresh: one per (spoke, hub), coloured as the
    # status route says (green, grey, amber, red).
    colours = re.search(r'data-hub-line-colours="(\d+),(\d+),(\d+),(\d+)"', dom.stdout)
    assert colours is not None, "the hub lines were not drawn"
    spokes = [s for s in reference_340.sites if s.hubs]
    status = json.loads(urlopen(served.url.replace("/map?", "/map/status.json?")).read())
    expected = [0, 0, 0, 0]
    for site in spokes:
        expected[status["lines"][site.id]] += len(site.hubs)
    assert [int(n) for n in colours.groups()] == expected
    assert expected[0] > 0 and sum(expected[1:]) > 0  # mixed_batch: some lines not green
    assert 'data-slider="ready"' in dom.stdout and 'class="bl-slider"' in dom.stdout
    # Sites being opened have their own colours, whatever their health says.
    assert 'data-opening="planned:2,provisioning:1,failed:0"' in dom.stdout
    assert console_errors(dom.stderr) == []
    assert leaks(net_log) == []
    requested = page_requests(net_log, served.url.split("/map")[0])
    assert len(requested) >= 5  # page, js, css, land
    assert any("/map/status.json" in url for url in requested)
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "map-340.png"
    png.unlink(missing_ok=True)
    shot = chromium(tmp_path, "shot", f"--screenshot={png}", served.url)
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert console_errors(shot.stderr) == []
    assert png.stat().st_size > 10_000
    assert json.dumps(str(png))  # kept as the test artifact


@pytest.mark.parametrize(
    ("path", "asks_for"),
    [("/", "/login"), ("/login?lang=zh", "/login"), ("/docs", "/openapi.json"),
     ("/redoc", "/openapi.json")],
)  # fmt: skip
def test_every_page_asks_only_the_controller_from_the_browser_s_network_log(
    served: Served, tmp_path: Path, path: str, asks_for: str
) -> None:
    """Not the pages' attributes: what the browser asked for while it ran them (scripts that
    fetch a logo or a font at run time included)."""
    if shutil.which(CHROMIUM) is None:
        missing("Chromium", "apt-get install -y chromium")
    origin = served.url.split("/map")[0]
    net_log = tmp_path / "net-log.json"
    dom = chromium(tmp_path, "page", f"--log-net-log={net_log}", "--dump-dom", origin + path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert leaks(net_log) == []
    requested = page_requests(net_log, origin)
    assert any(asks_for in url for url in requested), requested
    assert console_errors(dom.stderr) == []


@pytest.fixture
def served_client(
    tmp_path: Path, small_inventory: Inventory, request: pytest.FixtureRequest
) -> Iterator[TestClient]:
    """The app in-process over the small inventory; `token_text` is a viewer's token."""
    settings = Settings(data_dir=tmp_path / "data", reconcile_interval_s=0)
    store = open_store(settings)
    store.replace_inventory(small_inventory, actor="test-setup")
    store.users.add("watcher", Role.VIEWER, None, actor="test-setup")
    request.node.token = store.users.create_token("watcher", "map", actor="test-setup").text
    telemetry = open_telemetry_store(settings)
    with TestClient(create_app(settings, store=store, telemetry_store=telemetry)) as client:
        yield client
    telemetry.close()
    store.engine.dispose()


def test_map_needs_a_viewer_token(
    served_client: TestClient, request: pytest.FixtureRequest
) -> None:
    token_text = request.node.token
    assert served_client.get("/map").status_code == 401
    assert served_client.get("/map?token=wrong").status_code == 401
    page = served_client.get(f"/map?token={token_text}")
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    auth = served_client.get("/map", headers={"Authorization": f"Bearer {token_text}"})
    assert auth.status_code == 200


def test_static_assets_are_served_and_confined(served_client: TestClient) -> None:
    for url in ("/map/static/leaflet/leaflet.js", "/map/static/land/land-50m.json",
                "/map/static/markercluster/MarkerCluster.css"):  # fmt: skip
        assert served_client.get(url).status_code == 200, url
    leaflet = STATIC_DIRS["leaflet"] / "leaflet.js"
    packed = served_client.get("/map/static/leaflet/leaflet.js",
                               headers={"Accept-Encoding": "gzip"})  # fmt: skip
    plain = served_client.get("/map/static/leaflet/leaflet.js",
                              headers={"Accept-Encoding": "identity"})  # fmt: skip
    assert packed.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert packed.content == plain.content == leaflet.read_bytes()  # httpx undoes the gzip
    assert packed.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert packed.headers["cache-control"] == "public, max-age=86400"
    again = served_client.get("/map/static/leaflet/leaflet.js",
                              headers={"If-None-Match": packed.headers["etag"]})  # fmt: skip
    assert again.status_code == 304 and not again.content
    for url in ("/map/static/other/x.js", "/map/static/leaflet/../../__init__.py",
                "/map/static/land/%2e%2e/page.py"):  # fmt: skip
        assert served_client.get(url).status_code == 404, url


def test_scoped_token_sees_only_its_sites_and_changes_show(
    served_client: TestClient, small_inventory: Inventory
) -> None:
    store: Store = served_client.app.state.store  # type: ignore[attr-defined]  # Starlette app
    first = small_inventory.sites[-1]
    store.users.add("branch", Role.VIEWER, [first.id], actor="test-setup")
    token = store.users.create_token("branch", "map", actor="test-setup").text
    page = served_client.get(f"/map?token={token}").text
    others = [s.id for s in small_inventory.sites if s.id != first.id]
    assert f'"{first.id}"' in page
    assert not any(f'"{other}"' in page for other in others)
    renamed = small_inventory.model_copy(
        update={
            "sites": (*small_inventory.sites[:-1], first.model_copy(update={"name": "Renamed"}))
        }
    )
    store.replace_inventory(renamed, actor="test-setup")  # a write: the cached copy is stale
    assert '"Renamed"' in served_client.get(f"/map?token={token}").text


def test_replay_link_opens_the_page_at_an_hour(served: Served, tmp_path: Path) -> None:
    """`?replay=<hour>` fetches the 24 h replay and recolours the markers for that hour."""
    if shutil.which(CHROMIUM) is None:
        missing("Chromium", "apt-get install -y chromium")
    dom = chromium(tmp_path, "replay", "--dump-dom", f"{served.url}&replay=20")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-replay-buckets="24"' in dom.stdout, dom.stdout[-2000:]
    start = re.search(r'data-replay="(\d+)"', dom.stdout)
    assert start is not None, "the page did not switch to the replay hour"
    hour_ms = 3_600_000
    assert int(start.group(1)) % hour_ms == 0
    now_ms = time.time() * 1000
    assert now_ms - 5 * hour_ms < int(start.group(1)) <= now_ms - 3 * hour_ms  # 4 h before live
    # Labelled with its date and hours in the network's zone; samples exist only now: so the
    # hour has no data, and the box says so.
    shown = datetime.fromtimestamp(int(start.group(1)) / 1000, ZoneInfo("Asia/Shanghai"))
    label = re.search(r'<div class="bl-when"[^>]*>([^<]*)</div>', dom.stdout)
    assert label is not None
    assert label.group(1).startswith(shown.strftime("%m/%d/%Y, %H:%M"))
    assert label.group(1).endswith(" (Asia/Shanghai, hourly means)")
    assert 'data-replay-empty="yes"' in dom.stdout
    assert console_errors(dom.stderr) == []
    png = ARTIFACTS / "map-340-replay.png"
    ARTIFACTS.mkdir(exist_ok=True)
    png.unlink(missing_ok=True)
    shot = chromium(tmp_path, "replay-shot", f"--screenshot={png}", f"{served.url}&replay=20")
    assert shot.returncode == 0 and png.stat().st_size > 10_000


def test_a_day_s_replay_is_labelled_in_chinese_with_its_date_and_zone(
    served: Served, tmp_path: Path
) -> None:
    """`?day=` (the date box) replays a day's hours from midnight; the Chinese page names the
    day, the hours and the zone, and says the hour has no data when no site reported."""
    need_chromium()
    zone = ZoneInfo("Asia/Shanghai")
    day = (datetime.now(zone) - timedelta(days=2)).date()
    dom = chromium(tmp_path, "day", "--dump-dom", f"{served.url}&lang=zh&day={day}&replay=9")
    assert dom.returncode == 0, dom.stderr[-2000:]
    nine = datetime.combine(day, datetime.min.time(), zone) + timedelta(hours=9)
    assert f'data-replay="{int(nine.timestamp() * 1000)}"' in dom.stdout
    assert f'data-replay-day="{day.isoformat()}"' in dom.stdout
    label = re.search(r'<div class="bl-when"[^>]*>([^<]*)</div>', dom.stdout)
    assert label is not None
    assert label.group(1) == (f"{day.year}/{day.month:02d}/{day.day:02d} 09:00–10:00"
                              "（Asia/Shanghai，每小时平均值）")  # fmt: skip
    assert "这一小时没有任何网点上报数据" in dom.stdout and 'data-replay-empty="yes"' in dom.stdout
    assert console_errors(dom.stderr) == []


@pytest.mark.parametrize(("lang", "down"), [("zh", "故障"), ("en", "Down")])
def test_the_summary_counts_each_state_and_its_filter_shows_exactly_those_sites(
    served: Served, tmp_path: Path, reference_340: Inventory, lang: str, down: str
) -> None:
    """The bar's counts are the status route's; `?status=red` (what clicking "down" sets)
    leaves on the map exactly the sites the API calls red."""
    need_chromium()
    status = json.loads(urlopen(served.url.replace("/map?", "/map/status.json?")).read())
    codes = list(status["status"].values())
    counts = [codes.count(code) for code in range(4)]  # green, grey, amber, red
    assert counts[3] > 0 and counts[0] > 0  # mixed_batch: some of each
    dom = chromium(tmp_path, f"summary-{lang}", "--dump-dom",
                   f"{served.url}&status=red&lang={lang}")  # fmt: skip
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}"' in dom.stdout
    assert f'data-counts="{",".join(map(str, counts))}"' in dom.stdout
    assert 'data-filter="red"' in dom.stdout
    assert f'data-shown="{counts[3]}"' in dom.stdout
    assert down in dom.stdout and 'aria-pressed="true"' in dom.stdout
    assert console_errors(dom.stderr) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_filters_by_class_transport_and_problems_show_exactly_those_sites(
    served: Served, tmp_path: Path, reference_340: Inventory, lang: str
) -> None:
    """`?class=B` leaves the class-B branches; `?transport=LTE&problems=1` the sites with an
    LTE link that the status route calls degraded or down; both with the state filter too."""
    need_chromium()
    status = json.loads(urlopen(served.url.replace("/map?", "/map/status.json?")).read())
    codes = status["status"]
    b_class = {s.id for s in reference_340.sites if s.branch_class and s.branch_class.value == "B"}
    lte = {s.id for s in reference_340.sites if any(k.transport == "LTE" for k in s.links)}
    lte_problems = {s for s in lte if codes[s] in (2, 3)}
    assert b_class and lte_problems and lte_problems != lte
    cases = [("&class=B", len(b_class)), ("&transport=LTE&problems=1", len(lte_problems)),
             ("&class=B&status=red", sum(codes[s] == 3 for s in b_class))]  # fmt: skip
    for k, (query, expected) in enumerate(cases):
        dom = chromium(tmp_path, f"filters-{lang}-{k}", "--dump-dom",
                       f"{served.url}&lang={lang}{query}")  # fmt: skip
        assert dom.returncode == 0, dom.stderr[-2000:]
        assert f'data-shown="{expected}"' in dom.stdout, (query, expected)
        assert console_errors(dom.stderr) == []
    assert ("只看有问题的" if lang == "zh" else "Problems only") in dom.stdout
    assert ("中国电信" if lang == "zh" else "China Telecom") in dom.stdout


def test_the_table_view_lists_the_filtered_sites_worst_first(
    served: Served, tmp_path: Path, reference_340: Inventory
) -> None:
    """`?view=table` lists what the filters leave: every class-B branch, a down one first; the
    whole network is cut at 200 rows with how many more there are."""
    need_chromium()
    status = json.loads(urlopen(served.url.replace("/map?", "/map/status.json?")).read())
    codes = status["status"]
    b_class = sorted(s.id for s in reference_340.sites
                     if s.branch_class and s.branch_class.value == "B")  # fmt: skip
    worst = max(codes[s] for s in b_class)  # 3: down
    first = next(s for s in b_class if codes[s] == worst)  # by id among the worst
    dom = chromium(tmp_path, "table-b", "--dump-dom", f"{served.url}&class=B&view=table")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert f'data-table-rows="{len(b_class)}"' in dom.stdout
    assert f'data-table-first="{first}"' in dom.stdout
    assert f'data-site="{first}"' in dom.stdout
    assert "not listed (narrow the filters)</p>" not in dom.stdout  # all of them listed
    assert console_errors(dom.stderr) == []
    every = chromium(tmp_path, "table-all", "--dump-dom", f"{served.url}&view=table&lang=zh")
    assert 'data-table-rows="200"' in every.stdout
    more = len(reference_340.sites) - 200
    assert f"另有 {more} 个网点未列出（请缩小筛选范围）</p>" in every.stdout


def test_an_alarm_acknowledged_in_the_panel_is_acknowledged_in_the_api(
    served: Served, tmp_path: Path
) -> None:
    """In the real browser: the panel lists the open alarms the API lists, and its button
    acknowledges one (the page's own POST, with its session cookie and header)."""
    store, monitor = served.store, served.app.state.monitor
    site = next(s.id for s in store.current.inventory().sites if s.hubs)
    monitor.report(AlarmKind.PUSH_FAILURE, site, "the push was refused", datetime.now(UTC))
    store.users.add("duty", Role.OPERATOR, None, actor="test-setup")
    token = store.users.create_token("duty", "map", actor="test-setup").text
    url = served.url.split("?")[0] + f"?token={token}&lang=zh"
    listed = monitor.alarms.search(active=True, limit=1000)
    with browser_page(tmp_path / "profile-ack", url) as page:
        assert page.wait_for("document.body.dataset.alarms") == str(len(listed))
        alarm = page.evaluate(
            "document.querySelector('li.bl-alarm button.bl-ack').closest('li').dataset.alarm"
        )
        row = f"document.querySelector('li[data-alarm=\"{alarm}\"]')"
        page.evaluate(f"{row}.querySelector('button.bl-ack').click()")
        assert page.wait_for("document.body.dataset.acknowledged") == alarm
        # The panel refreshed: the alarm says who acknowledged it, and has no button left.
        text = page.wait_for(f"{row}.textContent.includes('已确认') && {row}.textContent")
        assert "duty" in text
        assert page.evaluate(f"{row}.querySelector('button.bl-ack') === null")
    assert monitor.alarms.get(int(alarm)).acknowledged_by == "duty"


def test_search_finds_a_site_by_its_chinese_city_name(
    served: Served, tmp_path: Path, reference_340: Inventory
) -> None:
    """Typed as a NOC operator would, in the real browser: a city's Chinese name lists that
    city's sites, and choosing one zooms to it and opens its panel."""
    chinese = {c.name_en: c.name_zh for c in cities()}
    by_city: dict[str, list[str]] = {}
    for s in reference_340.sites:
        by_city.setdefault(s.city, []).append(s.id)
    city = next(c for c, ids in by_city.items() if c in chinese and 1 < len(ids) <= 10)
    with browser_page(tmp_path / "profile-search", served.url + "&lang=zh") as page:
        page.wait_for("document.querySelector('input.bl-search-input') && BL.rows.length")
        page.evaluate(
            "(() => { const i = document.querySelector('input.bl-search-input');"
            f" i.value = {json.dumps(chinese[city])};"
            " i.dispatchEvent(new Event('input')); })()"
        )
        hits = page.wait_for("document.body.dataset.searchHits").split(",")
        assert sorted(hits) == sorted(by_city[city])
        page.evaluate(f"document.querySelector('button.bl-search-hit[data-site=\"{hits[0]}\"]')"
                      ".click()")  # fmt: skip
        assert page.wait_for("document.body.dataset.selected") == hits[0]
        assert page.wait_for("document.body.dataset.siteLoads && document.body.dataset.sitePanel"
                             ) == hits[0]  # fmt: skip
        title = page.evaluate("document.querySelector('.bl-site-title').textContent")
        assert hits[0] in title


def test_the_operator_s_boundary_file_is_drawn_from_the_controller(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A boundary file set by the operator is fetched from the controller (nothing else is
    asked for) and drawn: one layer per feature."""
    need_chromium()
    lines = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "LineString", "coordinates": [[110.0, 30.0], [115.0, 32.0]]}},
        {"type": "Feature", "properties": {},
         "geometry": {"type": "LineString", "coordinates": [[115.0, 32.0], [120.0, 35.0]]}},
    ]}  # fmt: skip
    path = tmp_path / "boundaries.geojson"
    path.write_text(json.dumps(lines), encoding="utf-8")
    monkeypatch.setenv("BRANCHLINE_MAP_BOUNDARY_FILE", str(path))
    net_log = tmp_path / "net-log.json"
    dom = chromium(tmp_path, "boundary", f"--log-net-log={net_log}", "--dump-dom", served.url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-boundary="2"' in dom.stdout
    assert "boundaries: operator's file" in dom.stdout
    assert console_errors(dom.stderr) == []
    assert leaks(net_log) == []
