"""Site colours and link states from the newest samples, by the rules of docs/telemetry.md."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sites.inventory import Inventory
from telemetry.batch import SampleBatch
from telemetry.health import (
    HealthLayout,
    HealthLayoutError,
    HealthRules,
    LinkState,
    Status,
    hub_quality,
    score,
)
from tests.telemetry.health.builders import T0, Row, at, batch, change, concat, rows_for

SPOKE = "br-xiaogan-001"  # links mpls-1 (primary) and inet-1 (backup)


@pytest.fixture(scope="module")
def layout(network_12: Inventory) -> HealthLayout:
    return HealthLayout.from_inventory(network_12)


def test_every_link_good_is_green(layout: HealthLayout, network_12: Inventory) -> None:
    snap = score(layout, batch(rows_for(network_12), T0), at(1))
    assert set(snap.statuses().values()) == {Status.GREEN}
    site = snap.site(SPOKE)
    assert site.reasons == ()
    assert [link.state for link in site.links] == [LinkState.UP, LinkState.UP]
    assert all(site.links[0].sla.values())
    assert site.last_sample == T0


def test_no_samples_is_grey(layout: HealthLayout) -> None:
    snap = score(layout, SampleBatch.empty(), T0)
    assert snap.counts()[Status.GREY] == len(layout.site_ids)
    assert snap.site(SPOKE).reasons == ("no link has reported within the staleness window",)


def test_one_link_down_is_amber(layout: HealthLayout, network_12: Inventory) -> None:
    rows = change(rows_for(network_12), SPOKE, "inet-1", up=False)
    snap = score(layout, batch(rows, T0), at(1))
    assert snap.status_of(SPOKE) is Status.AMBER
    assert snap.link_state(SPOKE, "inet-1") is LinkState.DOWN
    assert snap.site(SPOKE).reasons == ("inet-1 down",)
    assert snap.counts()[Status.GREEN] == len(layout.site_ids) - 1


def test_every_link_down_is_red(layout: HealthLayout, network_12: Inventory) -> None:
    rows = change(rows_for(network_12), SPOKE, "inet-1", up=False)
    rows = change(rows, SPOKE, "mpls-1", up=False)
    site = score(layout, batch(rows, T0), at(1)).site(SPOKE)
    assert site.status is Status.RED
    assert "no link is up" in site.reasons


def test_critical_sla_met_by_no_link_is_red(layout: HealthLayout, network_12: Inventory) -> None:
    # 90 ms round trip: fails trading (80) on both links, while market-data (100) still holds.
    rows = change(rows_for(network_12), SPOKE, "inet-1", latency_ms=90.0)
    rows = change(rows, SPOKE, "mpls-1", latency_ms=90.0)
    site = score(layout, batch(rows, T0), at(1)).site(SPOKE)
    assert site.status is Status.RED
    assert site.reasons[0] == "no link meets SLA trading"
    assert site.links[0].in_violation


def test_one_link_in_violation_is_amber(layout: HealthLayout, network_12: Inventory) -> None:
    rows = change(rows_for(network_12), SPOKE, "inet-1", loss_pct=3.0)
    site = score(layout, batch(rows, T0), at(1)).site(SPOKE)
    assert site.status is Status.AMBER
    assert site.reasons == ("inet-1 fails SLA trading, market-data, voice, transactional",)


def test_a_silent_link_is_amber_and_stale_samples_are_ignored(
    layout: HealthLayout, network_12: Inventory
) -> None:
    rows = rows_for(network_12)
    fresh = [r for r in rows if (r.site, r.link) != (SPOKE, "inet-1")]
    old = [r for r in rows if (r.site, r.link) == (SPOKE, "inet-1")]
    # The silent link's last sample is 400 s old: beyond the 5-minute staleness.
    merged = concat(batch(fresh, at(400)), batch(old, at(0)))
    snap = score(layout, merged, at(401))
    assert snap.link_state(SPOKE, "inet-1") is LinkState.NO_DATA
    assert snap.site(SPOKE).reasons == ("inet-1 has no data",)
    assert snap.status_of(SPOKE) is Status.AMBER
    longer = score(layout, merged, at(401), HealthRules(stale_after=timedelta(minutes=10)))
    assert longer.status_of(SPOKE) is Status.GREEN


def test_newest_sample_of_a_link_wins(layout: HealthLayout, network_12: Inventory) -> None:
    rows = rows_for(network_12, [SPOKE])
    down = change(rows, SPOKE, "inet-1", up=False)
    merged = concat(batch(rows, at(5)), batch(down, at(0)))  # newest first: order is no matter
    assert score(layout, merged, at(6)).status_of(SPOKE) is Status.GREEN


def test_unknown_sites_links_and_app_rows_are_ignored(
    layout: HealthLayout, network_12: Inventory
) -> None:
    rows = [Row("br-nowhere-001", "inet-1", up=False), Row(SPOKE, "wifi-9", up=False)]
    rows += [Row(SPOKE, "inet-1", up=False, app="o32-trading")]
    rows += rows_for(network_12, [SPOKE])
    assert score(layout, batch(rows, T0), at(1)).status_of(SPOKE) is Status.GREEN


def test_critical_classes_can_be_chosen(network_12: Inventory) -> None:
    only_bulk = HealthLayout.from_inventory(network_12, frozenset({"bulk"}))
    rows = change(rows_for(network_12), SPOKE, "inet-1", latency_ms=90.0)
    rows = change(rows, SPOKE, "mpls-1", latency_ms=90.0)
    assert score(only_bulk, batch(rows, T0), at(1)).status_of(SPOKE) is Status.GREEN
    with pytest.raises(HealthLayoutError, match="gold"):
        HealthLayout.from_inventory(network_12, frozenset({"gold"}))


def test_hub_quality_picks_the_best_up_link(layout: HealthLayout, network_12: Inventory) -> None:
    rows = change(rows_for(network_12), SPOKE, "mpls-1", latency_ms=40.0)
    rows = change(rows, SPOKE, "inet-1", latency_ms=30.0, loss_pct=0.4)
    paths = {p.site: p for p in hub_quality(score(layout, batch(rows, T0), at(1)))}
    assert "dc-shanghai" not in paths  # the hub itself has no hub
    path = paths[SPOKE]
    assert (path.link, path.hubs) == ("mpls-1", ("dc-shanghai",))  # loss 0.4 of 0.2 scores 2.0
    assert path.score == pytest.approx(40.0 / 80.0)
    down = change(rows, SPOKE, "mpls-1", up=False)
    down = change(down, SPOKE, "inet-1", up=False)
    lost = {p.site: p for p in hub_quality(score(layout, batch(down, T0), at(1)))}[SPOKE]
    assert (lost.link, lost.score, lost.status) == (None, None, Status.RED)
