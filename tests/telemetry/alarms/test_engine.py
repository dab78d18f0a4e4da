"""The alarm engine on scored snapshots: what raises, what clears, and what silence does."""

from __future__ import annotations

from datetime import timedelta

from sites.inventory import Inventory
from telemetry.alarms import AlarmEngine, AlarmKey, AlarmKind, AlarmRules, Severity
from telemetry.batch import SampleBatch
from telemetry.health import HealthLayout, score
from tests.telemetry.health.builders import Row, at, batch, change, rows_for

SPOKE = "br-xiaogan-001"
DOWN = AlarmKey(AlarmKind.LINK_DOWN, SPOKE, "inet-1")


def step(engine: AlarmEngine, rows: list[Row], t: float) -> tuple[set[AlarmKey], set[AlarmKey]]:
    """Score `rows` sampled at `t` and evaluate at `t`: (raised keys, cleared keys)."""
    snap = score(engine.layout, batch(rows, at(t)) if rows else SampleBatch.empty(), at(t))
    result = engine.evaluate(snap, at(t))
    return {s.key for s in result.raised}, {k for k, _ in result.cleared}


def test_link_down_raises_once_and_clears_when_up(
    layout_12: HealthLayout, network_12: Inventory
) -> None:
    engine = AlarmEngine(layout_12)
    good = rows_for(network_12)
    assert step(engine, good, 0) == (set(), set())
    down = change(good, SPOKE, "inet-1", up=False)
    snap = score(layout_12, batch(down, at(1)), at(1))
    result = engine.evaluate(snap, at(1))
    assert [s.key for s in result.raised] == [DOWN]
    assert result.raised[0].severity is Severity.MAJOR
    assert result.raised[0].message == "br-xiaogan-001 inet-1: down (loss 100 %)"
    assert step(engine, down, 2) == (set(), set())  # still down: nothing new
    assert step(engine, good, 3) == (set(), {DOWN})


def test_silence_neither_raises_nor_clears_link_alarms(
    layout_12: HealthLayout, network_12: Inventory
) -> None:
    engine = AlarmEngine(layout_12)
    down = change(rows_for(network_12), SPOKE, "inet-1", up=False)
    assert step(engine, down, 0)[0] == {DOWN}
    others = [r for r in rows_for(network_12) if r.site != SPOKE]
    assert step(engine, others, 30) == (set(), set())  # the spoke is silent: DOWN stays


def test_sla_violation_must_last_sla_sustain(
    layout_12: HealthLayout, network_12: Inventory
) -> None:
    engine = AlarmEngine(layout_12, AlarmRules(sla_sustain=timedelta(seconds=60)))
    slow = change(rows_for(network_12), SPOKE, "mpls-1", latency_ms=90.0)
    key = AlarmKey(AlarmKind.SLA_VIOLATION, SPOKE, "mpls-1")
    assert step(engine, slow, 0) == (set(), set())
    assert step(engine, slow, 59) == (set(), set())
    snap = score(layout_12, batch(slow, at(60)), at(60))
    raised = engine.evaluate(snap, at(60)).raised
    assert [s.key for s in raised] == [key]
    assert "fails SLA trading for 60 s (latency 90 ms" in raised[0].message
    assert step(engine, rows_for(network_12), 61) == (set(), {key})
    # A short dip restarts the count: 30 s bad, one good sample, 30 s bad is not sustained.
    assert step(engine, slow, 100) == (set(), set())
    assert step(engine, rows_for(network_12), 130) == (set(), set())
    assert step(engine, slow, 131) == (set(), set())
    assert step(engine, slow, 161) == (set(), set())


def test_flapping_raises_after_flap_count_changes_and_clears_after_a_quiet_window(
    layout_12: HealthLayout, network_12: Inventory
) -> None:
    rules = AlarmRules(flap_count=4, flap_window=timedelta(minutes=10))
    engine = AlarmEngine(layout_12, rules)
    good = rows_for(network_12)
    down = change(good, SPOKE, "inet-1", up=False)
    flap = AlarmKey(AlarmKind.LINK_FLAPPING, SPOKE, "inet-1")
    seen: list[tuple[set[AlarmKey], set[AlarmKey]]] = []
    for t, rows in enumerate([good, down, good, down, good]):  # four changes
        seen.append(step(engine, rows, t * 10))
    assert flap not in set().union(*(r for r, _ in seen[:4]))
    assert seen[4] == ({flap}, {DOWN})
    assert step(engine, good, 40 + 599) == (set(), set())  # the first change is still recent
    assert step(engine, good, 40 + 600) == (set(), {flap})


def test_site_offline_after_offline_after_without_telemetry(
    layout_12: HealthLayout, network_12: Inventory
) -> None:
    engine = AlarmEngine(layout_12, AlarmRules(offline_after=timedelta(minutes=5)))
    everyone = rows_for(network_12)
    others = [r for r in everyone if r.site != SPOKE]
    offline = AlarmKey(AlarmKind.SITE_OFFLINE, SPOKE)
    assert step(engine, everyone, 0) == (set(), set())
    assert step(engine, others, 299) == (set(), set())
    snap = score(layout_12, batch(others, at(300)), at(300))
    raised = engine.evaluate(snap, at(300)).raised
    assert [s.key for s in raised] == [offline]
    assert raised[0].severity is Severity.CRITICAL
    assert "last sample 2026-03-02T09:30:00+00:00" in raised[0].message
    assert step(engine, everyone, 400) == (set(), {offline})


def test_a_site_never_seen_is_offline_offline_after_from_the_first_evaluation(
    layout_12: HealthLayout, network_12: Inventory
) -> None:
    engine = AlarmEngine(layout_12)
    others = [r for r in rows_for(network_12) if r.site != SPOKE]
    assert step(engine, others, 1000) == (set(), set())
    raised, _ = step(engine, others, 1300)
    assert raised == {AlarmKey(AlarmKind.SITE_OFFLINE, SPOKE)}


def test_adopted_active_keys_clear_instead_of_raising_again(
    layout_12: HealthLayout, network_12: Inventory
) -> None:
    engine = AlarmEngine(layout_12, active=[DOWN])
    down = change(rows_for(network_12), SPOKE, "inet-1", up=False)
    assert step(engine, down, 0) == (set(), set())
    assert step(engine, rows_for(network_12), 1) == (set(), {DOWN})
