"""A tiny closed-loop driver for scenario tests: link conditions in, decision log out.

Measured utilization is computed the way a network would show it: unmanaged background load
plus the demand of the apps the engine last put on the link. So a move changes the next
sample, which is what makes the literal 70/50 rule flap and the predictive one not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from policies.engine import PolicyEngine
from policies.network import AppSpec, LinkSpec, Network, SiteSpec
from policies.observations import BatchObservations, LinkObservation, SiteObservation
from policies.policy import Policy
from policies.reasons import Decision
from sites.enums import LinkRole, Priority
from sites.reference_data import catalogue
from tests import golden

GOLDEN = Path(__file__).parent / "golden"


@dataclass(frozen=True)
class Cond:
    """What a link is like at one instant, apart from the engine's own traffic."""

    up: bool = True
    latency_ms: float = 20.0
    jitter_ms: float = 2.0
    loss_pct: float = 0.0
    background: float = 0.0  # utilization from traffic the engine does not steer
    hub: float = 0.0  # utilization of the hub links the link's traffic rides


def reference_apps() -> tuple[AppSpec, ...]:
    classes, apps = catalogue()
    by_name = {c.name: c for c in classes}
    return tuple(AppSpec(a.name, a.priority, by_name[a.sla_class]) for a in apps)


def branch(site_id: str = "br-test-001") -> SiteSpec:
    """A class-B-like branch: MPLS primary, Internet backup, metered LTE last resort."""
    return SiteSpec(
        site_id,
        (
            LinkSpec("mpls-1", LinkRole.PRIMARY),
            LinkSpec("inet-1", LinkRole.BACKUP),
            LinkSpec("lte-1", LinkRole.LAST_RESORT, metered=True),
        ),
    )


CAPACITY = {"mpls-1": 50.0, "inet-1": 100.0, "lte-1": 20.0}


def demand_of(apps: Sequence[AppSpec]) -> dict[str, float]:
    """Each app's catalogue demand, Mbit/s."""
    _, catalogue_apps = catalogue()
    kbps = {a.name: a.expected_kbps for a in catalogue_apps}
    return {a.name: kbps.get(a.name, 1000.0) / 1000 for a in apps}


def small_apps() -> tuple[AppSpec, ...]:
    """Three apps: enough to show one rule at a time."""
    classes = {c.name: c for c in catalogue()[0]}
    return (
        AppSpec("o32-trading", Priority.HIGH, classes["trading"]),
        AppSpec("hd-video", Priority.LOW, classes["video"]),
        AppSpec("office-web", Priority.LOW, classes["bulk"]),
    )


@dataclass
class Run:
    """The outcome of a scenario: every decision per step, and the log of the changes."""

    decisions: list[tuple[float, tuple[Decision, ...]]]

    def log(self) -> list[str]:
        return [
            f"t={t:5.0f}s {d.site} {d.explain()}"
            for t, ds in self.decisions
            for d in ds
            if d.changed
        ]

    def moves(self, app: str | None = None, after: float = 0.0) -> list[tuple[float, Decision]]:
        """Changes after the first placement (t > after), optionally of one app."""
        return [
            (t, d)
            for t, ds in self.decisions
            for d in ds
            if d.changed and t > after and (app is None or d.app == app)
        ]


def run(
    policy: Policy,
    timeline: Callable[[float], dict[str, Cond]],
    seconds: int,
    *,
    apps: Sequence[AppSpec] | None = None,
    capacity: dict[str, float] | None = None,
    demand: dict[str, float] | None = None,
    dt: float = 1.0,
    start_on: str | None = "mpls-1",
    reported: dict[str, float] | None = None,
    hub: Callable[[float, dict[str, float]], dict[str, float]] | None = None,
) -> Run:
    """Drive one branch for `seconds` through both engine paths; they must agree. The links
    carry `demand`; the engine is told `reported` instead when given (e.g. nothing per app).
    `hub(t, mbps)` gives the utilization of the hub links each branch link rides, from the
    Mbit/s each branch link carries (else each Cond's `hub`)."""
    apps = tuple(apps or reference_apps())
    capacity = capacity or CAPACITY
    demand = demand if demand is not None else demand_of(apps)
    site = branch()
    network = Network((site,), apps)
    engine = PolicyEngine(policy, network)
    state = engine.initial_site_state(site.id)
    batch = engine.initial_state()
    # Before the first step the traffic is on `start_on` (None: not flowing yet).
    where: dict[str, str | None] = {a.name: start_on for a in apps}
    out: list[tuple[float, tuple[Decision, ...]]] = []
    steps = int(seconds / dt)
    for i in range(steps + 1):
        now = i * dt
        conds = timeline(now)
        util: dict[str, float] = {}
        for link in site.links:
            c = conds.get(link.id, Cond())
            carried = sum(demand[a] for a, on in where.items() if on == link.id)
            util[link.id] = c.background + carried / capacity[link.id] if c.up else 0.0
        mbps = {k: u * capacity[k] for k, u in util.items()}
        hubs = hub(now, mbps) if hub else {k: conds.get(k, Cond()).hub for k in util}
        links = {}
        for link in site.links:
            c = conds.get(link.id, Cond())
            links[link.id] = LinkObservation(
                c.up,
                c.latency_ms,
                c.jitter_ms,
                c.loss_pct,
                util[link.id],
                capacity[link.id],
                hubs.get(link.id, 0.0),
            )
        obs = SiteObservation(links, demand if reported is None else reported)
        state, decisions = engine.step(state, obs, now)
        batch, batch_decisions = engine.step(
            batch, BatchObservations.from_sites(network, [obs]), now
        )
        assert batch_decisions.for_site(site.id) == decisions, f"paths disagree at t={now}"
        where = {d.app: d.link for d in decisions if d.link is not None}
        out.append((now, decisions))
    return Run(out)


def check_golden(name: str, header: str, lines: list[str]) -> None:
    """Compare a decision log with tests/policies/golden/<name>.log (regenerate with
    BRANCHLINE_UPDATE_GOLDEN=1, then review the diff before committing)."""
    text = "\n".join([f"# {header}", *lines]) + "\n"
    golden.check_golden(GOLDEN / f"{name}.log", text)
