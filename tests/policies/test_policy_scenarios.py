"""Scenario tests: behaviour asserted directly, and the whole decision log diffed against a
reviewed golden file (tests/policies/golden/)."""

from __future__ import annotations

from typing import Any

import numpy as np

from policies.engine import PolicyEngine
from policies.network import Network
from policies.observations import BatchObservations
from policies.policy import Policy
from policies.reasons import Metric, Rule
from sites.enums import Priority
from tests.policies.scenario import (
    CAPACITY,
    Cond,
    Run,
    branch,
    check_golden,
    demand_of,
    reference_apps,
    run,
    small_apps,
)

APPS = reference_apps()
DEMAND = demand_of(APPS)
ON_PRIMARY = sum(DEMAND.values()) / CAPACITY["mpls-1"]  # the apps' own share of it
HOLD = Policy().sla_dampening.hold_down_s
K = Policy().sla_dampening.bad_samples
M = Policy().sla_dampening.good_samples


def ramp_total(t: float) -> float:
    """Primary utilization if nothing moved: 40 % for 10 s, +1 %/s to 80 %, hold 20 s, back."""
    if t < 10:
        return 0.40
    if t < 50:
        return 0.40 + (t - 10) * 0.01
    if t < 70:
        return 0.80
    if t < 110:
        return 0.80 - (t - 70) * 0.01
    return 0.40


def test_ramp_40_80_40_offloads_low_priority_and_brings_it_back() -> None:
    result = run(
        Policy.reference(),
        lambda t: {"mpls-1": Cond(background=ramp_total(t) - ON_PRIMARY)},
        140,
    )
    moves = result.moves(after=0)
    assert moves, "an 80 % primary must offload something"
    assert all(d.reason.rule in (Rule.OFFLOAD, Rule.RETURN) for _, d in moves)
    offloaded = {d.app for _, d in moves if d.reason.rule is Rule.OFFLOAD}
    priorities = {a.name: a.priority.value for a in APPS}
    assert {priorities[a] for a in offloaded} == {"low"}
    for _, d in moves:
        if d.reason.rule is Rule.OFFLOAD:
            assert d.reason.value is not None and d.reason.value > 0.70
        else:
            assert d.reason.value is not None and d.reason.value < 0.50
            assert d.reason.predicted is not None and d.reason.predicted <= 0.70
    final = {d.app: d.link for d in result.decisions[-1][1]}
    assert set(final.values()) == {"mpls-1"}, "at 40 % again, everything is home"
    check_golden("ramp-40-80-40", "primary 40 % -> 80 % -> 40 %, reference policy", result.log())


def test_oscillation_between_55_and_68_percent_moves_nothing() -> None:
    result = run(
        Policy(),
        lambda t: {"mpls-1": Cond(background=(0.55 if int(t) // 5 % 2 else 0.68) - ON_PRIMARY)},
        600,
    )
    assert result.moves(after=0) == []
    check_golden("oscillation-55-68", "primary oscillates 55 % <-> 68 % for 10 min", result.log())


def test_primary_failure_moves_at_once_and_returns_after_hold_down() -> None:
    down_from, down_until = 10.0, 40.0

    def timeline(t: float) -> dict[str, Cond]:
        return {"mpls-1": Cond(up=not down_from <= t < down_until, background=0.2)}

    result = run(Policy.reference(), timeline, 160)
    away = [(t, d) for t, d in result.moves(after=0) if d.previous == "mpls-1"]
    back = [(t, d) for t, d in result.moves(after=0) if d.link == "mpls-1"]
    assert {t for t, _ in away} == {down_from}, "a down link moves its traffic at once"
    assert {d.app for _, d in away} == {a.name for a in APPS}
    assert all(d.reason.rule is Rule.LINK_DOWN and d.link == "inet-1" for _, d in away)
    last_down = down_until - 1
    assert {t for t, _ in back} == {last_down + max(HOLD, M)}
    assert all(d.reason.rule is Rule.RECOVERED for _, d in back)
    assert {d.app for _, d in back} == {a.name for a in APPS}
    check_golden("primary-failure", "primary down from t=10 s to t=40 s", result.log())


def test_sla_brown_out_moves_trading_after_k_samples_and_returns_after_m_and_hold_down() -> None:
    onset, end = 10.0, 30.0

    def timeline(t: float) -> dict[str, Cond]:
        loss = 2.0 if onset <= t < end else 0.0
        return {"mpls-1": Cond(loss_pct=loss, background=0.2)}

    result = run(Policy.reference(), timeline, 120)
    trading = result.moves("o32-trading", after=0)
    assert [(t, d.link) for t, d in trading] == [
        (onset + K - 1, "inet-1"),
        (end - 1 + HOLD, "mpls-1"),
    ]
    leave, back = trading[0][1], trading[1][1]
    assert leave.reason.rule is Rule.SLA_VIOLATION
    assert (leave.reason.value, leave.reason.threshold) == (2.0, 0.5)
    assert back.reason.rule is Rule.RECOVERED and back.reason.value == HOLD
    # Apps whose SLA tolerates 2 % loss (business 3 %, bulk 5 %) never move.
    movers = {d.app for _, d in result.moves(after=0)}
    assert "office-web" not in movers and "direct-sales" not in movers
    check_golden("sla-brown-out", "primary loss 2 % from t=10 s to t=30 s", result.log())


def _flapping(policy: Policy) -> Run:
    # 10 Mbit/s primary; background 20 %; trading 0.256, video 4.096, web 1.024 Mbit/s:
    # 73.8 % with everything home, 32.8 % with video offloaded: below 50 %.
    result = run(
        policy,
        lambda t: {"mpls-1": Cond(background=0.20)},
        30,
        apps=small_apps(),
        capacity={"mpls-1": 10.0, "inet-1": 100.0, "lte-1": 20.0},
    )
    return result


def test_literal_rule_flaps_where_predictive_return_does_not() -> None:
    literal = _flapping(Policy(predictive_return=False))
    predictive = _flapping(Policy())
    # Placed at t=0 (offloaded in the same step: the primary starts at 73.8 %), then:
    assert len(literal.moves("hd-video", after=0)) == 30, "the literal rule moves it every second"
    assert predictive.moves(after=0) == [], "predicted 73.8 % > 70 %: it stays offloaded"
    check_golden("literal-flaps", "literal 70/50 rule (predictive_return=false)", literal.log())
    check_golden("predictive-steady", "same load, predictive return", predictive.log())


def test_a_site_reporting_no_application_demand_offloads_one_priority_tier_per_step() -> None:
    """The CPEs send link samples only: a hot primary must still shed load. The lowest tier
    goes first; the next only if the primary is still over 70 % on the next sample; once it
    cools below 50 %, the highest tier comes home first."""
    policy = Policy.reference().model_copy(
        update={"offload_priorities": (Priority.LOW, Priority.MEDIUM)}
    )
    priorities = {a.name: a.priority for a in APPS}
    silent = {a.name: 0.0 for a in APPS}

    def moved(hot: float) -> list[tuple[float, set[tuple[Rule, Priority]]]]:
        def timeline(t: float) -> dict[str, Cond]:
            return {"mpls-1": Cond(background=(hot if t < 20 else 0.40) - ON_PRIMARY)}

        result = run(policy, timeline, 40, reported=silent)
        final = {d.app: d.link for d in result.decisions[-1][1]}
        assert set(final.values()) == {"mpls-1"}, "at 40 % again, everything is home"
        utilization: tuple[Rule, ...] = (Rule.OFFLOAD, Rule.RETURN)
        steps: list[tuple[float, set[tuple[Rule, Priority]]]] = [
            (t, {(d.reason.rule, priorities[d.app]) for d in ds
                 if d.changed and d.reason.rule in utilization})
            for t, ds in result.decisions
        ]  # fmt: skip
        return [(t, kinds) for t, kinds in steps if kinds]

    low_off, medium_off = {(Rule.OFFLOAD, Priority.LOW)}, {(Rule.OFFLOAD, Priority.MEDIUM)}
    low_back, medium_back = {(Rule.RETURN, Priority.LOW)}, {(Rule.RETURN, Priority.MEDIUM)}
    # 90 %: the low tier's 16 points leave 74 %, still hot, so the medium tier follows.
    assert moved(0.90) == [(0.0, low_off), (1.0, medium_off), (20.0, medium_back),
                           (21.0, low_back)]  # fmt: skip
    # 85 %: the low tier's going leaves 69 %: the medium tier stays.
    assert moved(0.85) == [(0.0, low_off), (20.0, low_back)]


def test_branches_on_a_busy_hub_link_shed_its_excess_in_turn() -> None:
    """40 class-B branches whose MPLS links (each near 30 %) ride one 1,000 Mbit/s hub link
    that also carries other traffic: 50 Mbit/s, then 270 from t=10 to 40. The hub goes from
    65 % to 87 %: low-priority apps leave MPLS, each reason naming the hub's utilization, but
    only as many branches move as clear the excess (their turn, policies.compiled.hub_turns):
    the hub settles between the thresholds, not under the lower one (from which everything
    would come straight back), and nothing moves back and forth. Once the hub is under 50 %,
    the apps come home. Without the hub in the policy, nothing moves."""
    n, hub_mbps, cap = 40, 1000.0, CAPACITY
    apps = APPS
    network = Network(tuple(branch(f"br-test-{i:03d}") for i in range(n)), apps)
    demand = np.array([DEMAND[a.name] for a in apps])
    background = 0.30 * cap["mpls-1"] - demand.sum()  # Mbit/s of unsteered traffic on MPLS

    def simulate(policy: Policy) -> tuple[list[float], list[list[Any]]]:
        engine = PolicyEngine(policy, network)
        state = engine.initial_state()
        on = np.zeros((n, len(apps)), dtype=np.int64)  # slot of each app: all on mpls-1
        hubs, log = [], []
        for t in range(60):
            mpls = background + (demand[None, :] * (on == 0)).sum(axis=1)
            inet = (demand[None, :] * (on == 1)).sum(axis=1)
            other = 270.0 if 10 <= t < 40 else 50.0
            hub = (other + mpls.sum()) / hub_mbps
            hubs.append(hub)
            shape = (n, 3)
            obs = BatchObservations(
                up=np.ones(shape, dtype=np.bool_),
                latency_ms=np.full(shape, 20.0),
                jitter_ms=np.full(shape, 2.0),
                loss_pct=np.zeros(shape),
                utilization=np.stack([mpls / cap["mpls-1"], inet / cap["inet-1"],
                                      np.zeros(n)], axis=1),
                capacity_mbps=np.tile([cap["mpls-1"], cap["inet-1"], cap["lte-1"]], (n, 1)),
                demand_mbps=np.tile(demand, (n, 1)),
                hub_utilization=np.stack([np.full(n, hub), np.zeros(n), np.zeros(n)], axis=1),
            )  # fmt: skip
            state, decisions = engine.step(state, obs, float(t))
            on = state.link.copy()
            log.append([d for d in decisions.changed() if t > 0])
        return hubs, log

    hubs, log = simulate(Policy.reference())
    moves = [(t, d) for t, ds in enumerate(log) for d in ds]
    offloads = [(t, d) for t, d in moves if d.reason.rule is Rule.OFFLOAD]
    priorities = {a.name: a.priority for a in APPS}
    assert offloads and {priorities[d.app] for _, d in offloads} == {Priority.LOW}
    for t, d in moves:
        assert d.reason.metric is Metric.HUB_UTILIZATION, d.explain()
        assert d.reason.link == "mpls-1" and d.reason.value is not None
        if d.reason.rule is Rule.OFFLOAD:
            assert 10 <= t < 40 and d.reason.value > 0.70
        else:
            assert d.reason.rule is Rule.RETURN and t >= 40 and d.reason.value < 0.50
    assert max(hubs[10:12]) > 0.85
    # Settled between the thresholds while the extra traffic lasts: not every branch sent its
    # biggest low-priority app away (40 x 4 Mbit/s would have been 16 % of the hub alone).
    assert all(0.50 <= h <= 0.70 for h in hubs[20:40]), hubs[20:40]
    assert 0 < len([d for _, d in offloads if d.app == "hd-video"]) < n
    assert not [d for t, d in moves if 20 <= t < 40], "settled: nothing moves back and forth"
    assert hubs[-1] == hubs[0], "with the hub at 65 % again, everything is home"

    blind = Policy.reference().model_copy(update={"hub_utilization": False})
    assert not any(simulate(blind)[1])
