"""The live feed (the demo's CPEs): the hub's links reported with the load the branches put on
them, and outages injected and repaired while it runs, seen in what it reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from policies.policy import Policy
from simulator.feed import LiveFeed, Outage
from sites.generator import generate_reference_network
from sites.inventory import Inventory
from telemetry.batch import LINK_LEVEL, SampleBatch

OPENING = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Beijing: trading hours


def rows(batch: SampleBatch, site: str) -> dict[str, tuple[bool, float]]:
    """{link: (up, utilization)} of a site's link-level samples."""
    return {k: (bool(u), float(x))
            for s, k, a, u, x in zip(batch.site, batch.link, batch.app, batch.up,
                                     batch.utilization, strict=True)
            if s == site and a == LINK_LEVEL}  # fmt: skip


def run(feed: LiveFeed, seconds: int, start: datetime) -> SampleBatch:
    batch = None
    for second in range(seconds):
        batch = feed.step(start + timedelta(seconds=second)) or batch
    assert batch is not None
    return batch


@pytest.fixture(scope="module")
def network() -> Inventory:
    return generate_reference_network(20, seed=7)


def test_the_hub_s_links_carry_what_the_branches_send(network: Inventory) -> None:
    feed = LiveFeed(network, Policy(), seed=7, started=OPENING)
    batch = run(feed, 3, OPENING)
    hub = network.hubs[0]
    links = rows(batch, hub.id)
    assert set(links) == {k.id for k in hub.links}
    assert all(up for up, _ in links.values())
    assert any(u > 0 for _, u in links.values())  # trading hours: branches load the hub
    assert max(u for _, u in links.values()) <= 1.0


def test_a_link_down_is_reported_down_after_detection_and_up_after_repair(
    network: Inventory,
) -> None:
    feed = LiveFeed(network, Policy(), seed=7, started=OPENING)
    site = next(s for s in network.sites if s.hubs)
    link = site.links[0].id
    start = OPENING
    assert rows(run(feed, 3, start), site.id)[link][0]
    outage = Outage(site=site.id, link=link)
    feed.fail(outage)
    assert feed.active() == [outage]
    down = run(feed, 10, start + timedelta(seconds=3))  # cisco-bfd: declared within 7 s
    assert not rows(down, site.id)[link][0]
    others = [k.id for k in site.links[1:]]
    assert all(rows(down, site.id)[k][0] for k in others)
    assert feed.restore(outage) and not feed.restore(outage)
    assert feed.active() == []
    assert rows(run(feed, 5, start + timedelta(seconds=13)), site.id)[link][0]


def test_a_carrier_outage_takes_every_link_of_that_carrier(network: Inventory) -> None:
    feed = LiveFeed(network, Policy(), seed=7, started=OPENING)
    carrier = network.sites[1].links[0].carrier
    feed.fail(Outage(carrier=carrier))
    batch = run(feed, 10, OPENING)
    by_link = {(s.id, k.id): k.carrier for s in network.sites if s.hubs for k in s.links}
    for (site, link), owner in by_link.items():
        assert rows(batch, site)[link][0] is (owner != carrier), (site, link)


def test_a_hub_cpe_failure_downs_its_hub_links(network: Inventory) -> None:
    feed = LiveFeed(network, Policy(), seed=7, started=OPENING)
    hub = network.hubs[0]
    feed.fail(Outage(hub_cpe=0))
    links = rows(run(feed, 2, OPENING), hub.id)
    on_cpe0 = {k.id for k in hub.links if k.cpe == hub.cpes[0].serial}
    assert on_cpe0 and all(not links[k][0] for k in on_cpe0)
    assert all(links[k][0] for k in links if k not in on_cpe0)


@pytest.mark.parametrize(
    ("outage", "says"),
    [
        (Outage(site="br-nowhere-001", link="mpls-1"), "no branch 'br-nowhere-001'"),
        (Outage(carrier="acme"), "no branch link of acme"),
        (Outage(hub_cpe=5), "the hub has 2 CPEs"),
    ],
)
def test_an_outage_naming_nothing_is_refused_with_why(
    network: Inventory, outage: Outage, says: str
) -> None:
    feed = LiveFeed(network, Policy(), seed=7, started=OPENING)
    with pytest.raises(ValueError, match=says):
        feed.fail(outage)
    assert feed.active() == []


def test_speed_runs_the_day_faster(network: Inventory) -> None:
    fast = LiveFeed(network, Policy(), seed=7, started=OPENING, speed=60)
    fast.step(OPENING)
    assert fast._i == 60 and np.isclose(fast._now() - OPENING.timestamp(), 60.0)
