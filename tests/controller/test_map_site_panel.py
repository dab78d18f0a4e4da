"""The site panel in a real browser (headless Chromium, the 340-branch reference network on a
loopback port): what it shows equals what the API says, and still does after a refresh; its
charts draw the history route's windows; it says when the map replays an hour."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from controller.auth.principal import Role
from policies.moves import PolicyRef
from policies.reasons import Decision, Reason, Rule
from tests.cdp import browser_page
from tests.conftest import bearer
from tests.console_checks import agrees, api, status_counts
from tests.map_app import Served

pytestmark = pytest.mark.slow  # a browser and a server: in `make test`


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_site_panel_shows_the_api_s_figures_and_keeps_them_current(
    served: Served, tmp_path: Path, lang: str
) -> None:
    store, app = served.store, served.app
    inventory = store.current.inventory()
    site = next(s for s in inventory.sites[10:] if s.hubs and len(s.links) >= 2)
    first, second = site.links[0].id, site.links[1].id
    now = datetime.now(UTC)
    placed = [
        Decision(site.id, app, link, None, Reason(Rule.PLACED, link))
        for app, link in (("o32-trading", first), ("office-web", second))
    ]
    store.paths.record([(d, PolicyRef.stored("default", 0)) for d in placed], now)
    app.state.monitor.tick(now)
    url = f"{served.url}&site={site.id}&lang={lang}"
    with browser_page(tmp_path / f"profile-panel-{lang}", url) as page:
        page.wait_for("document.body.dataset.siteLoads")
        assert page.evaluate("document.body.dataset.sitePanel") == site.id
        agrees(page, served, site.id)
        changes = page.evaluate("document.querySelectorAll('.bl-site-changes li').length")
        assert changes == len(placed)
        # Its first link goes down; the page refreshes as live.js does after each status
        # refresh, and the panel still says what the API says (in place: the same element).
        root = bearer(store, "feeder", Role.ADMIN)["Authorization"].removeprefix("Bearer ")
        later = datetime.now(UTC)
        down = {"site": site.id, "link": first, "timestamp": later.isoformat(), "up": False,
                "latency_ms": 0.0, "jitter_ms": 0.0, "loss_pct": 100.0, "utilization": 0.0,
                "throughput_bps": 0.0}  # fmt: skip
        api(served, "/api/v1/telemetry", {"samples": [down]}, token=root)
        app.state.telemetry.flush()
        app.state.monitor.tick(later)
        loads = page.evaluate("document.body.dataset.siteLoads")
        page.evaluate("document.querySelector('aside.bl-site').dataset.mark = 'kept'")
        refreshes = page.evaluate("document.body.dataset.refreshes")
        page.evaluate("BL.refreshNow() && true")  # what the page does every 30 s
        page.wait_for(f"document.body.dataset.siteLoads !== '{loads}' &&"
                      f" document.body.dataset.refreshes !== '{refreshes}'")  # fmt: skip
        health = agrees(page, served, site.id)
        assert health["links"][0]["state"] == "down"
        counts = status_counts(served)  # and the summary's counts are the route's
        assert page.evaluate("document.body.dataset.counts") == ",".join(map(str, counts))
        assert page.evaluate("document.querySelector('aside.bl-site').dataset.mark") == "kept"
        # The last hour's charts: one point per window of the history route, per metric.
        page.evaluate("document.querySelector('button.bl-period[data-period=\"hour\"]').click()")
        page.wait_for("document.body.dataset.sitePeriod === 'hour' &&"
                      " document.querySelectorAll('svg.bl-chart').length === 4")  # fmt: skip
        series = api(served, f"/map/sites/{site.id}/history.json?period=hour")
        windows = sum(len(s["t"]) for s in series["links"].values())
        assert windows >= len(site.links)
        points = page.evaluate("Array.from(document.querySelectorAll('svg.bl-chart'))"
                               ".map(s => Number(s.dataset.points))")  # fmt: skip
        assert points == [windows] * 4
        # The map replays an hour: the panel says its figures are live.
        assert page.evaluate("document.querySelector('.bl-site-replay') === null")
        page.evaluate("(() => { const s = document.querySelector('input.bl-slider');"
                      " s.value = '20'; s.dispatchEvent(new Event('input')); })()")  # fmt: skip
        note = page.wait_for("document.querySelector('.bl-site-replay') &&"
                             " document.querySelector('.bl-site-replay').textContent")  # fmt: skip
        assert ("实时数据" if lang == "zh" else "are live") in note
        page.evaluate("document.querySelector('button.bl-site-close').click()")
        assert page.wait_for("document.querySelector('aside.bl-site').hidden")
        assert "site=" not in page.evaluate("location.search")


CLUSTERED = """JSON.stringify((() => {
    const counts = [0, 0, 0, 0];
    for (const layer of BL.cluster._featureGroup.getLayers()) {
        if (layer.getChildCount) {
            const icon = layer._icon.querySelector('[data-counts]');
            icon.dataset.counts.split(',').forEach((n, i) => { counts[i] += Number(n); });
        } else { counts[layer.options.status] += 1; }
    }
    return counts;
})())"""


def test_clusters_show_their_states_and_hub_lines_follow_the_selection(
    served: Served, tmp_path: Path
) -> None:
    """Each cluster's donut counts its sites by state: over the clusters and lone markers on
    the map, the counts are the status route's. No hub line is drawn until something is
    selected: a site's panel draws its lines to its hubs, in the colour the status route
    gives it; the pointer on a cluster draws its sites' lines; closing the panel clears."""
    inventory = served.store.current.inventory()
    status = api(served, "/map/status.json")
    expected = [0, 0, 0, 0]
    for code in status["status"].values():
        expected[code] += 1
    site = next(s for s in inventory.sites[10:] if s.hubs)
    with browser_page(tmp_path / "profile-clusters", served.url) as page:
        page.wait_for("document.body.dataset.refreshes")
        assert json.loads(page.evaluate(CLUSTERED)) == expected
        assert page.evaluate("document.body.dataset.hubLines") == "0"
        page.evaluate(f"BL.reveal({json.dumps(site.id)})")
        page.wait_for("document.body.dataset.siteLoads")
        colours = [0, 0, 0, 0]
        colours[status["lines"][site.id]] = len(site.hubs)
        assert page.evaluate("document.body.dataset.hubLineColours") == ",".join(map(str, colours))
        page.evaluate("document.querySelector('button.bl-site-close').click()")
        assert page.wait_for("document.body.dataset.hubLines === '0'")
        page.evaluate("BL.map.setZoom(4) && true")
        page.wait_for("BL.cluster._featureGroup.getLayers().some(l => l.getChildCount)")
        page.evaluate("new Promise(done => setTimeout(done, 800))")  # the zoom's animation
        hovered = page.evaluate(
            "(() => { const c = BL.cluster._featureGroup.getLayers().find(l => l.getChildCount);"
            " BL.cluster.fire('mouseover', {layer: c});"  # a cluster's: clustermouseover
            " return c.getAllChildMarkers().map(m => m.options.site); })()"
        )
        by_id = {s.id: s for s in inventory.sites}
        lines = sum(len(by_id[i].hubs) for i in hovered)
        assert lines > 0
        assert page.evaluate("document.body.dataset.hubLines") == str(lines)
        page.evaluate("(() => { const c = BL.cluster._featureGroup.getLayers()"
                      ".find(l => l.getChildCount); BL.cluster.fire('mouseout', {layer: c});"
                      " return true; })()")  # fmt: skip
        assert page.evaluate("document.body.dataset.hubLines") == "0"
