"""The console at 10,000 sites in a real browser (headless Chromium on the app over the
10,000-branch reference network, one sample per link): what the tests at 340 sites check, at
the size users grow to. One server for the module: each test leaves the others' sites alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from controller.auth.principal import Role
from sites.generator import generate_reference_network
from sites.reference_data import cities
from telemetry.alarms import AlarmKind
from tests.cdp import browser_page
from tests.chromium import chromium, console_errors, leaks, need_chromium
from tests.console_checks import agrees, api, status_counts
from tests.map_app import Served, serve_map

pytestmark = pytest.mark.slow  # a browser and a server at 10,000 sites

SITES = 10_000


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    need_chromium()
    inventory = generate_reference_network(SITES, seed=7)
    with serve_map(tmp_path_factory.mktemp("console-10k"), inventory) as served:
        yield served


def test_a_status_filter_shows_exactly_the_api_s_sites_with_nothing_asked_outside(
    big: Served, tmp_path: Path
) -> None:
    """`?status=red` in Chinese: the summary's counts are the status route's, the map keeps
    exactly its red sites, and nothing the page does reaches past loopback."""
    counts = status_counts(big)
    assert sum(counts) == SITES + 1 and counts[3] > 0
    net_log = tmp_path / "net-log.json"
    dom = chromium(tmp_path / "profile", f"--log-net-log={net_log}", "--dump-dom",
                   f"{big.url}&status=red&lang=zh")  # fmt: skip
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert f'data-counts="{",".join(map(str, counts))}"' in dom.stdout
    assert f'data-shown="{counts[3]}"' in dom.stdout and "故障" in dom.stdout
    assert console_errors(dom.stderr) == []
    assert leaks(net_log) == []


def test_search_finds_sites_by_their_city_s_chinese_name(big: Served, tmp_path: Path) -> None:
    inventory = big.store.current.inventory()
    chinese = {c.name_en: c.name_zh for c in cities()}
    by_city: dict[str, list[str]] = {}
    for s in inventory.sites:
        by_city.setdefault(s.city, []).append(s.id)
    city = next(c for c, ids in by_city.items() if c in chinese and len(ids) > 10)
    with browser_page(tmp_path / "profile", big.url + "&lang=zh") as page:
        page.wait_for("document.querySelector('input.bl-search-input') && BL.rows.length")
        page.evaluate(
            "(() => { const i = document.querySelector('input.bl-search-input');"
            f" i.value = {json.dumps(chinese[city])};"
            " i.dispatchEvent(new Event('input')); return true; })()"
        )
        hits = page.wait_for("document.body.dataset.searchHits").split(",")
        assert len(hits) == 10 and set(hits) <= set(by_city[city])  # the first ten shown
        page.evaluate(f"document.querySelector('button.bl-search-hit[data-site=\"{hits[0]}\"]')"
                      ".click()")  # fmt: skip
        assert page.wait_for("document.body.dataset.siteLoads && document.body.dataset.sitePanel"
                             ) == hits[0]  # fmt: skip


def test_an_alarm_acknowledged_in_the_panel_is_acknowledged_in_the_api(
    big: Served, tmp_path: Path
) -> None:
    store, monitor = big.store, big.app.state.monitor
    site = next(s.id for s in store.current.inventory().sites[100:] if s.hubs)
    monitor.report(AlarmKind.PUSH_FAILURE, site, "the push was refused", datetime.now(UTC))
    store.users.add("duty", Role.OPERATOR, None, actor="test-setup")
    token = store.users.create_token("duty", "map", actor="test-setup").text
    with browser_page(tmp_path / "profile", big.url.split("?")[0] + f"?token={token}") as page:
        page.wait_for("!!document.querySelector('li.bl-alarm button.bl-ack')")
        alarm = page.evaluate(
            "document.querySelector('li.bl-alarm[data-alarm] button.bl-ack')"
            ".closest('li').dataset.alarm"
        )
        page.evaluate(f"document.querySelector('li[data-alarm=\"{alarm}\"] button.bl-ack')"
                      ".click()")  # fmt: skip
        assert page.wait_for("document.body.dataset.acknowledged") == alarm
    assert monitor.alarms.get(int(alarm)).acknowledged_by == "duty"


def test_a_site_panel_shows_the_api_s_figures_before_and_after_a_refresh(
    big: Served, tmp_path: Path
) -> None:
    store, app = big.store, big.app
    site = next(s for s in store.current.inventory().sites[5000:] if s.hubs and len(s.links) > 1)
    with browser_page(tmp_path / "profile", f"{big.url}&site={site.id}") as page:
        page.wait_for("document.body.dataset.siteLoads")
        agrees(page, big, site.id)
        store.users.add("feeder", Role.ADMIN, None, actor="test-setup")
        feeder = store.users.create_token("feeder", "samples", actor="test-setup").text
        later = datetime.now(UTC)
        down = {"site": site.id, "link": site.links[0].id, "timestamp": later.isoformat(),
                "up": False, "latency_ms": 0.0, "jitter_ms": 0.0, "loss_pct": 100.0,
                "utilization": 0.0, "throughput_bps": 0.0}  # fmt: skip
        api(big, "/api/v1/telemetry", {"samples": [down]}, token=feeder)
        app.state.telemetry.flush()
        app.state.monitor.tick(later)
        loads = page.evaluate("document.body.dataset.siteLoads")
        refreshes = page.evaluate("document.body.dataset.refreshes")
        page.evaluate("BL.refreshNow() && true")  # what the page does every 30 s
        page.wait_for(f"document.body.dataset.siteLoads !== '{loads}' &&"
                      f" document.body.dataset.refreshes !== '{refreshes}'")  # fmt: skip
        assert agrees(page, big, site.id)["links"][0]["state"] == "down"
        # Nothing else on the page contradicts the API either: the summary's counts.
        counts = status_counts(big)
        assert page.evaluate("document.body.dataset.counts") == ",".join(map(str, counts))
