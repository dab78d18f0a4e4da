"""One reconcile step: observations -> engine -> current paths and journal.

The engine is pure and its state lives in the shell every caller shares
(`policies.shell.EngineShell`): one engine per policy version in force, stepped on the batch
path over the whole network. Any write to the inventory or the policies (each is audited, so the
audit log's newest id is a generation number) hands the shell the new network and who governs
each site; a site whose own definition or governing policy changed starts again from the
engine's initial state (its dampening counters restart; its stored path stays the baseline the
journal compares with).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from controller.errors import NoInventoryError
from controller.longlived import collector_paused, settle
from controller.reconcile.effective import Governing, governing_policies
from controller.store.facade import Store
from policies.compiled import BoolArray
from policies.governance import InForce, version_label
from policies.moves import Move, PolicyRef
from policies.network import Network
from policies.observations import BatchObservations
from policies.shell import EngineShell
from sites.inventory import Inventory
from telemetry.observations import ObservationPacker
from telemetry.store.base import DEFAULT_LOOKBACK, TelemetryStore

log = logging.getLogger("branchline.reconcile")


@dataclass(frozen=True, slots=True)
class StepReport:
    at: datetime
    evaluated: int
    unobserved: int
    changes: tuple[Move, ...]
    demand_derived: int = 0
    """Evaluated sites whose demand was derived from link load (no application samples)."""


@dataclass(frozen=True, slots=True)
class View:
    """What the next step would start from: the network, who governs each site, the newest
    observations, and the shell holding every site's state (for previews)."""

    inventory: Inventory
    governing: dict[str, Governing]
    shell: EngineShell
    observations: BatchObservations
    observed: BoolArray


@dataclass(frozen=True, slots=True)
class _World:
    """What the shell was last given."""

    generation: int
    inventory: Inventory
    governing: dict[str, Governing]
    packer: ObservationPacker


class Reconciler:
    def __init__(
        self, store: Store, telemetry: TelemetryStore, lookback: timedelta = DEFAULT_LOOKBACK
    ) -> None:
        self._store = store
        self._telemetry = telemetry
        self._lookback = lookback
        self._world: _World | None = None
        self._shell = EngineShell()
        self.demand_derived = 0  # sites whose demand the last step derived from link load
        # The loop steps in its worker thread while a preview looks from the API's: one at a
        # time may refresh or step the shell (a preview reads states the step replaces whole).
        self._lock = threading.Lock()

    def look(self, now: datetime) -> View:
        """What the next step would start from, without taking it (for previews)."""
        with self._lock:
            world = self._refresh()
        observations, observed, _ = world.packer.pack(
            self._telemetry.latest(now=now, lookback=self._lookback)
        )
        return View(world.inventory, world.governing, self._shell, observations, observed)

    def step(self, now: datetime) -> StepReport:
        """Evaluate every site that has fresh observations; record what moved. Before the
        first import there is nothing to evaluate, and nothing to complain about."""
        with collector_paused():
            return self._step(now)

    def _step(self, now: datetime) -> StepReport:
        with self._lock:
            try:
                world = self._refresh()
            except NoInventoryError:
                return StepReport(now, 0, 0, ())
            observations, observed, derived = world.packer.pack(
                self._telemetry.latest(now=now, lookback=self._lookback)
            )
            found = self._shell.step(observations, observed, now.timestamp())
            self._say_derived(int(derived.sum()))
        decisions = (
            (decision, ref)
            for policy, made in found
            for ref in (PolicyRef(policy.scope, policy.version, policy.label),)
            for decision in made
        )
        try:
            changes = self._store.paths.record(decisions, now)
        except Exception:
            # The engine moved on and the database did not: compare everything next time.
            self._shell.resync()
            raise
        evaluated = int(observed.sum())
        unobserved = len(world.inventory.sites) - evaluated
        return StepReport(now, evaluated, unobserved, tuple(changes), self.demand_derived)

    def _say_derived(self, count: int) -> None:
        """Log when the number of sites whose demand is derived changes."""
        if count != self.demand_derived:
            if count:
                log.info(
                    "%d sites report link figures but no application samples: their demand "
                    "is derived from their link load by the catalogue's expected bandwidth",
                    count,
                )
            else:
                log.info("every site reporting link figures reports its applications too")
        self.demand_derived = count

    def _refresh(self) -> _World:
        generation, inventory = self._store.current.get()
        if self._world is not None and self._world.generation == generation:
            return self._world
        self._store.paths.forget()  # an edit may have removed sites, and their paths with them
        governing = governing_policies(self._store.policies, inventory)
        network = Network.from_inventory(inventory)
        self._shell.govern(network, {site: _in_force(g) for site, g in governing.items()})
        self._shell.resync()  # the stored paths may have lost sites: compare every app again
        self._world = _World(
            generation, inventory, governing, ObservationPacker(inventory, network)
        )
        settle()  # the network and its engines live until the next write
        return self._world


def _in_force(governing: Governing) -> InForce:
    ref = governing.ref
    return InForce(ref.scope, ref.version, governing.policy, version_label(ref.scope, ref.version))
