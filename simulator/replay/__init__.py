"""Replay recorded telemetry through the policy engine, offline (`branchline sim replay`).

The controller's reconcile step, rebuilt from what it recorded: at every tick t, the newest
sample of each series within (t - lookback, t] (the semantics of `TelemetryStore.latest`)
becomes the sites' observations (`telemetry.observations.ObservationPacker`), and the
controller's own engine shell (`policies.shell.EngineShell`) steps every observed site on the
batch path, under the policy that governed it at t (a `PolicyHistory`: overrides by class and
site, versions as they were made; or one policy for every site), with `now = t`. As in the
controller, a site whose governing policy version changes starts again from the engine's
initial state. A decision is recorded, as the controller's journal does, when it puts an
application somewhere other than where its previous decision had put it (the first decision
for an application is always recorded: its placement).

Pure apart from reading the `TelemetryStore` it may be handed; it never imports `controller`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from policies.governance import PolicyHistory
from policies.moves import Move, PolicyRef, moves
from policies.network import Network
from policies.policy import Policy
from policies.shell import EngineShell
from simulator.replay.series import SeriesIndex
from sites.inventory import Inventory
from telemetry.batch import SampleBatch
from telemetry.observations import ObservationPacker
from telemetry.samples import to_ms
from telemetry.store.base import ALL, TelemetryStore


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """The ticks replayed and the decisions recorded, in tick order (sites and apps in the
    order the engine answers within a tick)."""

    ticks: tuple[datetime, ...]
    decisions: tuple[Move, ...]
    evaluated: int
    """Site steps taken (a site is stepped at a tick only if all its links had a sample)."""
    unobserved: int
    """Site-ticks skipped for want of a fresh sample of every link."""
    baseline: Mapping[tuple[str, str], str | None] = field(default_factory=dict)
    """{(site, app): link} where the window found the applications (the controller's paths
    at its start); a decision is reported when it differs from these."""


def tick_instants(start: datetime, end: datetime, every: timedelta) -> tuple[datetime, ...]:
    """The loop's ticks in [start, end): whole multiples of `every` since the epoch."""
    step = round(every.total_seconds() * 1000)
    if step <= 0:
        raise ValueError("the tick interval must be positive")
    lo, hi = to_ms(start), to_ms(end)
    first = math.ceil(lo / step) * step
    return tuple(datetime.fromtimestamp(ms / 1000, UTC) for ms in range(first, hi, step) if ms < hi)


def recorded(store: TelemetryStore, ticks: Sequence[datetime], lookback: timedelta) -> SampleBatch:
    """Every raw sample a replay of `ticks` can see, read from `store` in one query."""
    if not ticks:
        return SampleBatch.empty()
    return store.query(ALL, ticks[0] - lookback, ticks[-1] + timedelta(milliseconds=1))


def replay(
    inventory: Inventory,
    samples_or_store: SampleBatch | TelemetryStore,
    policies: PolicyHistory | Policy,
    ticks: Sequence[datetime],
    lookback: timedelta,
    *,
    baseline: Mapping[tuple[str, str], str | None] | None = None,
) -> ReplayResult:
    """Step each observed site under the policy that governed it, tick by tick (see module);
    a plain `Policy` governs every site. With a `baseline` (where the applications were at the
    window's start), a decision that leaves an application there is not reported: a window
    that starts while the controller was running reports moves, not the placements again."""
    if isinstance(policies, Policy):
        policies = PolicyHistory.fixed(policies, "policy")
    ordered = sorted(ticks)
    samples = (
        samples_or_store
        if isinstance(samples_or_store, SampleBatch)
        else recorded(samples_or_store, ordered, lookback)
    )
    index = SeriesIndex(samples)
    ticks_ms = np.array([to_ms(t) for t in ordered], dtype=np.int64)
    per_tick = index.latest_rows(ticks_ms, int(lookback.total_seconds() * 1000))
    network = Network.from_inventory(inventory)
    packer = ObservationPacker(inventory, network)
    shell = EngineShell()  # the controller's own shell: the same states, resets and decisions
    links: dict[tuple[str, str], str | None] = dict(baseline or {})
    decisions: list[Move] = []
    evaluated = unobserved = 0
    epoch = -1
    for at, rows in zip(ordered, per_tick, strict=True):
        if policies.epoch(at) != epoch:
            epoch = policies.epoch(at)
            shell.govern(network, policies.governing(inventory, at))
        observations, observed, _ = packer.pack(index.take(rows))
        seen = int(observed.sum())
        evaluated += seen
        unobserved += len(inventory.sites) - seen
        for policy, made in shell.step(observations, observed, at.timestamp()):
            ref = PolicyRef(policy.scope, policy.version, policy.label)
            found = moves(((d, ref) for d in made), links, at)
            decisions += found
            links.update(((m.site, m.app), m.to_link) for m in found)
    return ReplayResult(
        tuple(ordered), tuple(decisions), evaluated, unobserved, dict(baseline or {})
    )
