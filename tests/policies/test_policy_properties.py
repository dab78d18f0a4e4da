"""Property tests: invariants of the engine on random networks, policies and traces.

Structure (network, policy, trace length) comes from hypothesis; the trace values come from
a numpy Generator seeded by hypothesis, drawn from values on and around the thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.engine import PolicyEngine
from policies.network import LinkSpec, Network, SiteSpec
from policies.observations import BatchObservations, LinkObservation, SiteObservation
from policies.policy import AppPolicy, Mode, Policy, SlaDampening, UtilizationThresholds
from policies.reasons import Decision, Rule
from policies.state import site_state
from sites.enums import LinkRole, Priority
from tests.policies.scenario import reference_apps

SETTINGS = settings(max_examples=40, deadline=None)
UTILIZATION_RULES = {Rule.OFFLOAD, Rule.RETURN, Rule.RETURN_LITERAL}
GOOD_LATENCY, BAD_LATENCY = np.array([5.0, 20.0, 60.0, 79.9, 80.0]), np.array([80.1, 150.0, 700.0])
GOOD_LOSS, BAD_LOSS = np.array([0.0, 0.0, 0.1, 0.2]), np.array([0.5, 0.9, 2.0, 10.0])
UTIL = np.array([0.0, 0.3, 0.49, 0.5, 0.55, 0.69, 0.7, 0.71, 0.9, 1.0])
CAPACITY = np.array([2.0, 10.0, 50.0, 200.0])
DEMAND = np.array([0.0, 0.1, 0.5, 1.0, 4.0])


@dataclass(frozen=True)
class Case:
    network: Network
    policy: Policy
    steps: int
    seed: int
    p_down: float
    p_bad: float  # chance that a sample's latency (and, apart, loss) is drawn from bad values


roles = st.sampled_from(list(LinkRole))


@st.composite
def sites(draw: st.DrawFn, index: int) -> SiteSpec:
    n = draw(st.integers(1, 4))
    links = [
        LinkSpec(f"l{i}", LinkRole.PRIMARY if i == 0 else draw(roles), draw(st.booleans()))
        for i in range(n)
    ]
    return SiteSpec(f"s{index}", tuple(links))


@st.composite
def cases(draw: st.DrawFn, max_sites: int = 4) -> Case:
    n_sites = draw(st.integers(1, max_sites))
    apps = draw(st.lists(st.sampled_from(reference_apps()), min_size=1, max_size=8, unique=True))
    network = Network(tuple(draw(sites(i)) for i in range(n_sites)), tuple(apps))
    mode_sets = st.lists(st.sampled_from(list(Mode)), min_size=1, max_size=3, unique=True)
    overrides = {a.name: AppPolicy(modes=tuple(draw(mode_sets))) for a in apps}
    lower = draw(st.sampled_from([0.3, 0.5, 0.6]))
    policy = Policy(
        applications=overrides,
        utilization={LinkRole.PRIMARY: UtilizationThresholds(upper=lower + 0.2, lower=lower)},
        predictive_return=draw(st.booleans()),
        metered_last_resort_only=draw(st.booleans()),
        sla_dampening=SlaDampening(
            bad_samples=draw(st.sampled_from([1, 2, 5])),
            good_samples=draw(st.sampled_from([1, 3, 10])),
            hold_down_s=draw(st.sampled_from([0.0, 2.0, 60.0])),
        ),
        offload_priorities=draw(
            st.sampled_from([(Priority.LOW,), (Priority.MEDIUM, Priority.LOW)])
        ),
        hub_utilization=draw(st.booleans()),
    )
    return Case(
        network,
        policy,
        draw(st.integers(1, 40)),
        draw(st.integers(0, 2**32 - 1)),
        draw(st.sampled_from([0.0, 0.02, 0.2])),
        draw(st.sampled_from([0.0, 0.05, 0.3])),
    )


def _pick(
    rng: np.random.Generator,
    good: np.ndarray,
    bad: np.ndarray,
    p_bad: float,
    shape: tuple[int, int],
) -> np.ndarray:
    return np.where(rng.random(shape) < p_bad, rng.choice(bad, shape), rng.choice(good, shape))


def trace(case: Case) -> list[BatchObservations]:
    """Random observations for every step, from a seeded Generator (never global state)."""
    rng = np.random.default_rng(case.seed)
    net = case.network
    shape = (len(net.sites), net.max_links)
    present = np.zeros(shape, dtype=np.bool_)
    for s, site in enumerate(net.sites):
        present[s, : len(site.links)] = True
    out = []
    for _ in range(case.steps):
        demand = rng.choice(DEMAND, (len(net.sites), len(net.apps)))
        # Some sites report no application's demand at all (link samples only).
        demand[rng.random(len(net.sites)) < 0.3] = 0.0
        # Some sites' links ride a busy hub link.
        busy_hub = (rng.random(len(net.sites)) < 0.5)[:, None]
        hub = np.where(busy_hub, rng.choice(UTIL, shape), 0.0)
        out.append(
            BatchObservations(
                up=present & (rng.random(shape) >= case.p_down),
                latency_ms=_pick(rng, GOOD_LATENCY, BAD_LATENCY, case.p_bad, shape),
                jitter_ms=rng.choice(np.array([1.0, 10.0, 40.0]), shape),
                loss_pct=_pick(rng, GOOD_LOSS, BAD_LOSS, case.p_bad, shape),
                utilization=rng.choice(UTIL, shape),
                capacity_mbps=rng.choice(CAPACITY, shape),
                demand_mbps=demand,
                hub_utilization=hub,
            )
        )
    return out


def run_sites(case: Case, observations: list[BatchObservations]) -> list[list[Decision]]:
    """Per step, every decision of every site, through the per-site path."""
    engine = PolicyEngine(case.policy, case.network)
    states = [engine.initial_site_state(s.id) for s in case.network.sites]
    out = []
    for t, obs in enumerate(observations):
        step: list[Decision] = []
        for i in range(len(states)):
            states[i], decisions = engine.step(states[i], obs.site(case.network, i), float(t))
            step.extend(decisions)
        out.append(step)
    return out


@SETTINGS
@given(cases(max_sites=6))
def test_batch_path_equals_per_site_path(case: Case) -> None:
    observations = trace(case)
    engine = PolicyEngine(case.policy, case.network)
    batch = engine.initial_state()
    states = [engine.initial_site_state(s.id) for s in case.network.sites]
    for t, obs in enumerate(observations):
        batch, decisions = engine.step(batch, obs, float(t))
        for i, site in enumerate(case.network.sites):
            states[i], expected = engine.step(states[i], obs.site(case.network, i), float(t))
            assert decisions.for_site(site.id) == expected
            assert site_state(engine.compiled, batch, i) == states[i]


@SETTINGS
@given(cases())
def test_no_traffic_on_a_down_link_while_an_up_link_exists(case: Case) -> None:
    observations = trace(case)
    for obs, decisions in zip(observations, run_sites(case, observations), strict=True):
        for d in decisions:
            s = case.network.site_index[d.site]
            site = case.network.sites[s]
            up = {link.id: bool(obs.up[s, i]) for i, link in enumerate(site.links)}
            if any(up.values()):
                assert d.link is not None and up[d.link], d.explain()


@SETTINGS
@given(cases())
def test_high_priority_apps_are_never_moved_by_the_utilization_rule(case: Case) -> None:
    priority = {a.name: a.priority for a in case.network.apps}
    for decisions in run_sites(case, trace(case)):
        for d in decisions:
            if priority[d.app] is Priority.HIGH:
                assert d.reason.rule not in UTILIZATION_RULES, d.explain()


@SETTINGS
@given(cases(), st.integers(0, 2**32 - 1))
def test_utilization_strictly_between_lower_and_upper_moves_nothing(case: Case, seed: int) -> None:
    rng = np.random.default_rng(seed)
    engine = PolicyEngine(case.policy, case.network)
    band = case.policy.utilization
    states = [engine.initial_site_state(s.id) for s in case.network.sites]
    for t in range(case.steps + 1):
        for i, site in enumerate(case.network.sites):
            links = {}
            for link in site.links:
                lower, upper = band[link.role].lower, band[link.role].upper
                util = float(rng.uniform(lower, upper))
                if not lower < util < upper:
                    util = (lower + upper) / 2
                links[link.id] = LinkObservation(True, 10.0, 1.0, 0.0, util, 100.0)
            demand = {a.name: float(rng.choice(DEMAND)) for a in case.network.apps}
            states[i], decisions = engine.step(states[i], SiteObservation(links, demand), float(t))
            if t > 0:  # t=0 is the first placement
                assert not any(d.changed for d in decisions), [d.explain() for d in decisions]


@SETTINGS
@given(cases())
def test_engine_is_deterministic_and_does_not_mutate_its_inputs(case: Case) -> None:
    observations = trace(case)
    assert run_sites(case, observations) == run_sites(case, observations)
    engine = PolicyEngine(case.policy, case.network)
    state = engine.initial_state()
    for t, obs in enumerate(observations):
        before = {k: v.copy() for k, v in vars(state).items()}
        first_state, first = engine.step(state, obs, float(t))
        _, again = engine.step(state, obs, float(t))
        assert all(np.array_equal(v, getattr(state, k), equal_nan=True) for k, v in before.items())
        assert first.changed() == again.changed()
        state = first_state
