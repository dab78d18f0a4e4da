"""The engine: one object per (policy version, network), pure `step` calls.

    engine = PolicyEngine(Policy(), Network.from_inventory(inventory))
    state = engine.initial_state()                       # every site, as arrays
    state, decisions = engine.step(state, observations, now)
    for d in decisions.changed():
        log.info(d.explain())

The controller calls `step` with its loop time, the simulator with simpy's `env.now`; the
engine never reads a clock, does I/O or draws random numbers. `step` takes either a
`SiteState` + `SiteObservation` (the per-site path, readable, for one site) or a
`BatchState` + `BatchObservations` (the vectorised path, for every site of the network); both
give exactly the same decisions.
"""

from __future__ import annotations

from typing import overload

from policies.batch.step import step_batch
from policies.compiled import Compiled, compile_policy
from policies.decisions import BatchDecisions
from policies.errors import StateError
from policies.network import Network
from policies.observations import BatchObservations, SiteObservation
from policies.policy import Policy
from policies.reasons import Decision
from policies.reference import step_site
from policies.state import BatchState, SiteState, initial_batch_state, initial_site_state


class PolicyEngine:
    """Path selection for one network under one policy. Immutable once built."""

    def __init__(self, policy: Policy, network: Network) -> None:
        self._cx: Compiled = compile_policy(policy, network)

    @property
    def policy(self) -> Policy:
        return self._cx.policy

    @property
    def network(self) -> Network:
        return self._cx.network

    @property
    def compiled(self) -> Compiled:
        """The precomputed arrays (for tools that decode batch states)."""
        return self._cx

    def initial_state(self) -> BatchState:
        """The state of every site before the first step: nothing violated, nothing placed."""
        return initial_batch_state(self._cx)

    def initial_site_state(self, site_id: str) -> SiteState:
        """The state of one site before its first step."""
        return initial_site_state(self._cx, site_id)

    @overload
    def step(
        self, state: SiteState, observations: SiteObservation, now: float
    ) -> tuple[SiteState, tuple[Decision, ...]]: ...

    @overload
    def step(
        self, state: BatchState, observations: BatchObservations, now: float
    ) -> tuple[BatchState, BatchDecisions]: ...

    def step(
        self,
        state: SiteState | BatchState,
        observations: SiteObservation | BatchObservations,
        now: float,
    ) -> tuple[SiteState, tuple[Decision, ...]] | tuple[BatchState, BatchDecisions]:
        """Evaluate one sample at time `now` (seconds, any epoch, non-decreasing per state).

        Returns the new state and the decisions: for one site, a Decision per application;
        for a batch, a BatchDecisions that materialises Decision objects on demand.
        """
        if isinstance(state, SiteState) and isinstance(observations, SiteObservation):
            return step_site(self._cx, state, observations, now)
        if isinstance(state, BatchState) and isinstance(observations, BatchObservations):
            observations.check(self.network)
            return step_batch(self._cx, state, observations, now)
        raise StateError(
            f"step takes SiteState with SiteObservation, or BatchState with BatchObservations; "
            f"got {type(state).__name__} with {type(observations).__name__}"
        )
