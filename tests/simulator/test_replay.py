"""`simulator.replay`: recorded telemetry through the engine, tick by tick, and A/B."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from policies.policy import Policy, UtilizationThresholds
from simulator.replay import ReplayResult, recorded, replay, tick_instants
from simulator.replay.compare import compare
from sites.enums import LinkRole
from sites.inventory import Inventory
from telemetry.batch import SampleBatch
from telemetry.samples import Sample
from telemetry.store.base import TelemetryStore
from telemetry.store.registry import open_store

SAMPLE_EVERY_S = 5
DURATION_S = 120
RAMP_AT_S = 30  # br-hangzhou-001's primary (mpls-1) runs at 0.8 of capacity from here
DOWN_AT_S = 60  # br-lhasa-001's primary (inet-1) goes down from here
LOOKBACK = timedelta(seconds=15)
DEMAND_BPS = {"o32-trading": 256e3, "office-web": 4e6}


def window_start() -> datetime:
    """A whole minute ten minutes ago: inside the embedded store's raw retention."""
    return datetime.fromtimestamp(math.floor(time.time() / 60) * 60 - 600, UTC)


def link_sample(
    site: str, link: str, at: datetime, *, up: bool = True, util: float = 0.2
) -> Sample:
    """A healthy link-level sample (or a down one)."""
    return Sample(
        site=site, link=link, timestamp=at, latency_ms=20.0, jitter_ms=2.0,
        loss_pct=0.0 if up else 100.0, utilization=util, throughput_bps=0.0, up=up,
    )  # fmt: skip


def recording(inventory: Inventory, start: datetime) -> list[SampleBatch]:
    """One batch per sampling instant: every link of every site, with a utilization ramp on
    br-hangzhou-001's primary and br-lhasa-001's primary down from DOWN_AT_S."""
    batches = []
    for offset in range(1, DURATION_S + 1, SAMPLE_EVERY_S):  # 1 s after ticks: no ties
        at = start + timedelta(seconds=offset)
        rows = []
        for site in inventory.sites:
            for link in site.links:
                util = (
                    0.8
                    if (site.id, link.id) == ("br-hangzhou-001", "mpls-1") and offset >= RAMP_AT_S
                    else 0.2
                )
                up = not ((site.id, link.id) == ("br-lhasa-001", "inet-1") and offset >= DOWN_AT_S)
                rows.append(link_sample(site.id, link.id, at, up=up, util=util))
            for app, bps in DEMAND_BPS.items():  # demand, reported on the first link
                rows.append(link_sample(site.id, site.links[0].id, at).model_copy(
                    update={"app": app, "throughput_bps": bps}))  # fmt: skip
        batches.append(SampleBatch.from_samples(rows))
    return batches


def write_recording(store: TelemetryStore, inventory: Inventory, start: datetime) -> None:
    for batch in recording(inventory, start):
        store.write(batch)
    store.flush()


@pytest.fixture
def telemetry(tmp_path: Path, small_inventory: Inventory) -> tuple[TelemetryStore, datetime]:
    store = open_store("embedded", path=tmp_path / "telemetry.db")
    start = window_start()
    write_recording(store, small_inventory, start)
    return store, start


def ticks_of(start: datetime) -> tuple[datetime, ...]:
    return tick_instants(start, start + timedelta(seconds=DURATION_S + 10), timedelta(seconds=10))


def moves(result: ReplayResult, site: str) -> list[tuple[float, str, str | None, str | None]]:
    return [
        (d.at.timestamp(), d.app, d.from_link, d.to_link)
        for d in result.decisions
        if d.site == site
    ]


def test_ticks_are_whole_multiples_of_the_interval_in_a_half_open_window() -> None:
    start = datetime(2026, 1, 1, 0, 0, 3, tzinfo=UTC)
    ticks = tick_instants(start, start + timedelta(seconds=27), timedelta(seconds=10))
    assert [t.second for t in ticks] == [10, 20]
    assert (
        tick_instants(start, start + timedelta(seconds=7), timedelta(seconds=10))
        == (datetime(2026, 1, 1, 0, 0, 10, tzinfo=UTC),)[:0]
    )
    with pytest.raises(ValueError):
        tick_instants(start, start, timedelta(0))


def test_a_link_going_down_moves_its_apps_at_the_first_tick_that_sees_it(
    telemetry: tuple[TelemetryStore, datetime], small_inventory: Inventory
) -> None:
    store, start = telemetry
    result = replay(small_inventory, store, Policy(), ticks_of(start), LOOKBACK)
    t0 = start.timestamp()
    assert moves(result, "br-lhasa-001") == [
        (t0 + 10, "o32-trading", None, "inet-1"),  # the first tick with a sample of every link
        (t0 + 10, "office-web", None, "inet-1"),
        (t0 + 70, "o32-trading", "inet-1", "lte-1"),  # the down sample at +61 is seen at +70
        (t0 + 70, "office-web", "inet-1", "lte-1"),
    ]
    assert {d.rule for d in result.decisions if d.at.timestamp() == t0 + 70} == {"link-down"}
    assert result.ticks == ticks_of(start)
    assert result.unobserved == len(small_inventory.sites)  # the first tick saw no sample


def relaxed_primary() -> Policy:
    """Policy B: offload from a primary link only above 0.9 of its capacity."""
    return Policy(
        utilization={**Policy().utilization, LinkRole.PRIMARY: UtilizationThresholds(upper=0.9)}
    )


def test_a_b_differ_where_the_thresholds_do(
    telemetry: tuple[TelemetryStore, datetime], small_inventory: Inventory
) -> None:
    store, start = telemetry
    a = replay(small_inventory, store, Policy(), ticks_of(start), LOOKBACK)
    b = replay(small_inventory, store, relaxed_primary(), ticks_of(start), LOOKBACK)
    t0 = start.timestamp()
    assert (t0 + 40, "office-web", "mpls-1", "inet-1") in moves(a, "br-hangzhou-001")
    assert all(d.from_link is None for d in b.decisions if d.site == "br-hangzhou-001")
    differences = compare(a, b)
    assert [(d.at.timestamp() - t0, d.site, d.app, d.link_a, d.link_b) for d in differences] == [
        (40, "br-hangzhou-001", "office-web", "inet-1", "mpls-1")
    ]
    assert "utilization 0.80 > 0.70" in differences[0].reason_a
    assert "placed on mpls-1" in differences[0].reason_b
    assert compare(a, a) == []


def test_samples_in_hand_replay_like_the_store_they_came_from(
    telemetry: tuple[TelemetryStore, datetime], small_inventory: Inventory
) -> None:
    store, start = telemetry
    ticks = ticks_of(start)
    samples = recorded(store, ticks, LOOKBACK)
    from_store = replay(small_inventory, store, Policy(), ticks, LOOKBACK)
    from_batch = replay(small_inventory, samples, Policy(), list(reversed(ticks)), LOOKBACK)
    assert from_batch == from_store
    assert from_store.evaluated == 3 * (len(ticks) - 1)


def test_a_series_silent_for_longer_than_the_lookback_leaves_its_site_unobserved(
    small_inventory: Inventory,
) -> None:
    start = window_start()
    batches = recording(small_inventory, start)
    first = batches[0]  # samples at +1 s only
    result = replay(small_inventory, first, Policy(), ticks_of(start), LOOKBACK)
    seen = sorted({d.at.timestamp() - start.timestamp() for d in result.decisions})
    assert seen == [10]  # (t - 15 s, t] holds +1 s at ticks +10 only
    assert result.evaluated == 3
