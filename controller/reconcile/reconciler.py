"""One reconcile step: observations -> engine -> current paths and journal.

The engine is pure; this shell owns its state between steps: one engine per policy version in
force and one `SiteState` per site. Any write to the inventory or the policies (each is audited,
so the audit log's newest id is a generation number) rebuilds the engines; a site whose own
definition or governing policy changed starts again from the engine's initial state (its
dampening counters restart; its stored path stays the baseline the journal compares with).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from controller.reconcile.effective import Governing, governing_policies
from controller.store.inventory_store import Store
from controller.store.path_store import PathChange, PolicyRef
from policies.engine import PolicyEngine
from policies.network import Network
from policies.observations import SiteObservation
from policies.reasons import Decision
from policies.state import SiteState
from sites.inventory import Inventory
from telemetry.observations import site_observations
from telemetry.store.base import DEFAULT_LOOKBACK, TelemetryStore


@dataclass(frozen=True, slots=True)
class StepReport:
    at: datetime
    evaluated: int
    unobserved: int
    changes: tuple[PathChange, ...]


@dataclass(frozen=True, slots=True)
class View:
    inventory: Inventory
    governing: dict[str, Governing]
    observed: dict[str, SiteObservation]
    states: dict[str, SiteState]


@dataclass
class _World:
    """What the engines were built from, and the engines."""

    generation: int = -1
    inventory: Inventory | None = None
    governing: dict[str, Governing] = field(default_factory=dict)
    engines: dict[PolicyRef, PolicyEngine] = field(default_factory=dict)


class Reconciler:
    def __init__(
        self, store: Store, telemetry: TelemetryStore, lookback: timedelta = DEFAULT_LOOKBACK
    ) -> None:
        self._store = store
        self._telemetry = telemetry
        self._lookback = lookback
        self._world = _World()
        self._states: dict[str, tuple[PolicyRef, SiteState]] = {}

    def look(self, now: datetime) -> View:
        """What the next step would start from, without taking it (for previews)."""
        world = self._refresh()
        assert world.inventory is not None
        latest = self._telemetry.latest(now=now, lookback=self._lookback)
        observed = site_observations(latest, world.inventory)
        states = {site: state for site, (_, state) in self._states.items()}
        return View(world.inventory, world.governing, observed, states)

    def step(self, now: datetime) -> StepReport:
        """Evaluate every site that has fresh observations; record what moved."""
        world = self._refresh()
        assert world.inventory is not None
        latest = self._telemetry.latest(now=now, lookback=self._lookback)
        observed = site_observations(latest, world.inventory)
        decisions: list[tuple[Decision, PolicyRef]] = []
        for site_id, observation in observed.items():
            ref = world.governing[site_id].ref
            engine = world.engines[ref]
            previous = self._states.get(site_id)
            state = previous[1] if previous and previous[0] == ref else None
            if state is None:
                state = engine.initial_site_state(site_id)
            state, site_decisions = engine.step(state, observation, now.timestamp())
            self._states[site_id] = (ref, state)
            decisions += [(d, ref) for d in site_decisions]
        changes = self._store.paths.record(decisions, now)
        unobserved = len(world.inventory.sites) - len(observed)
        return StepReport(now, len(observed), unobserved, tuple(changes))

    def _refresh(self) -> _World:
        generation = self._store.audit.newest_id()
        if generation == self._world.generation and self._world.inventory is not None:
            return self._world
        inventory = self._store.export_inventory()
        self._store.paths.forget()  # an edit may have removed sites, and their paths with them
        governing = governing_policies(self._store.policies, inventory)
        old = self._world.inventory.site_by_id if self._world.inventory else {}
        for site in inventory.sites:  # a redefined site's old state no longer fits its links
            if old.get(site.id) != site:
                self._states.pop(site.id, None)
        members: dict[PolicyRef, list[str]] = {}
        for site in inventory.sites:
            members.setdefault(governing[site.id].ref, []).append(site.id)
        policies = {gov.ref: gov.policy for gov in governing.values()}
        engines = {
            ref: PolicyEngine(policies[ref], Network.from_inventory(inventory, site_ids=ids))
            for ref, ids in members.items()
        }
        self._world = _World(generation, inventory, governing, engines)
        return self._world
