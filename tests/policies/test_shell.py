"""The engine shell (`policies.shell.EngineShell`) against the plainest shell there is: one
`SiteState` per site, stepped on the per-site path, reset when the site's governing version
changes, and every decision compared with the last one recorded. Random networks, policies and
traces; sites go unobserved at random; half-way through, some sites change policy."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from policies.engine import PolicyEngine
from policies.governance import InForce
from policies.observations import BatchObservations
from policies.policy import Policy, SlaDampening
from policies.reasons import Decision
from policies.shell import EngineShell
from policies.state import SiteState
from tests.policies.test_policy_properties import SETTINGS, Case, cases, trace

OTHER = Policy(sla_dampening=SlaDampening(bad_samples=1, good_samples=1, hold_down_s=0.0))


def _governing(case: Case, moved: frozenset[str]) -> dict[str, InForce]:
    first = InForce("default", 1, case.policy, "default v1")
    second = InForce("class:B", 1, OTHER, "class:B v1")
    return {s.id: second if s.id in moved else first for s in case.network.sites}


def _reference(
    case: Case, steps: list[tuple[dict[str, InForce], BatchObservations, np.ndarray]]
) -> list[list[tuple[Decision, str]]]:
    """Per step, what a caller records: decisions that differ from the last one recorded."""
    engines: dict[tuple[str, int], PolicyEngine] = {}
    states: dict[str, tuple[tuple[str, int], SiteState]] = {}
    recorded: dict[tuple[str, str], str | None] = {}
    out = []
    for t, (governing, obs, observed) in enumerate(steps):
        found = []
        for i, site in enumerate(case.network.sites):
            if not observed[i]:
                continue
            gov = governing[site.id]
            engine = engines.setdefault(gov.key, PolicyEngine(gov.policy, case.network))
            previous = states.get(site.id)
            state = previous[1] if previous and previous[0] == gov.key else None
            if state is None:
                state = engine.initial_site_state(site.id)
            state, decisions = engine.step(state, obs.site(case.network, i), float(t))
            states[site.id] = (gov.key, state)
            for d in decisions:
                key = (d.site, d.app)
                if key not in recorded or recorded[key] != d.link:
                    found.append((d, gov.label))
                    recorded[key] = d.link
        out.append(found)
    return out


@SETTINGS
@given(cases(max_sites=6), st.integers(0, 2**32 - 1))
def test_shell_records_what_the_per_site_shell_records(case: Case, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = len(case.network.sites)
    moved = frozenset(s.id for s in case.network.sites if rng.random() < 0.5)
    steps = []
    for t, obs in enumerate(trace(case)):
        governing = _governing(case, moved if t >= case.steps // 2 else frozenset())
        steps.append((governing, obs, rng.random(n) < 0.8))
    expected = _reference(case, steps)

    shell = EngineShell()
    order = {s.id: i for i, s in enumerate(case.network.sites)}
    recorded: dict[tuple[str, str], str | None] = {}
    for t, (governing, obs, observed) in enumerate(steps):
        shell.govern(case.network, governing)
        found = []
        reported = [(d, p) for p, made in shell.step(obs, observed, float(t)) for d in made]
        reported.sort(key=lambda r: order[r[0].site])  # by site; apps stay in catalogue order
        for d, policy in reported:
            # The shell reports moves and the first decisions of a site that (re)starts; the
            # caller's record filters what it already has, as the path store does.
            if (d.site, d.app) not in recorded or recorded[(d.site, d.app)] != d.link:
                found.append((d, policy.label))
                recorded[(d.site, d.app)] = d.link
        assert found == expected[t], f"step {t}"


@SETTINGS
@given(cases(max_sites=4))
def test_resync_reports_every_application_of_each_observed_site(case: Case) -> None:
    shell = EngineShell()
    governing = _governing(case, frozenset())
    shell.govern(case.network, governing)
    observations = trace(case)
    everyone = np.ones(len(case.network.sites), dtype=np.bool_)
    first = shell.step(observations[0], everyone, 0.0)
    apps = len(case.network.apps)
    # A new site is reported in full.
    assert sum(len(made) for _, made in first) == len(case.network.sites) * apps
    shell.resync()
    again = shell.step(observations[0], everyone, 1.0)
    assert [(d.site, d.app) for _, made in again for d in made] == [
        (s.id, a.name) for s in case.network.sites for a in case.network.apps
    ]
