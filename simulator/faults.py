"""Faults at run time: simpy processes that change the link arrays at any instant.

Only the onset and the repair of a fault (and each edge of a flap) are events; the tick process
reads the arrays at its ticks. Counts (not flags) let faults overlap: a link two faults took
down comes back when both are over. Each link's last two changes are kept with their instants,
so a probe sent between two ticks finds the link as it was at its own instant (`up_at`).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Protocol

import numpy as np
import simpy

from policies.compiled import BoolArray, FloatArray, IntArray
from simulator.faults_spec import BrownOut, CarrierOutage, Flapping, HubCpeFailure, LinkDown
from simulator.network import SimNetwork
from simulator.targets import hub_link_targets, link_targets

FaultSpec = LinkDown | BrownOut | CarrierOutage | HubCpeFailure | Flapping


class FaultHooks(Protocol):
    """What the world is told of a fault's life (index = the fault's place in the scenario)."""

    def on_onset(self, index: int, now: float, hit: BoolArray) -> None:
        """The fault began; `hit` are the links it affects."""

    def on_cut(self, index: int, now: float, cut: BoolArray) -> None:
        """Links went down because of the fault (its onset, or each flap)."""

    def on_mend(self, index: int, now: float, mended: BoolArray) -> None:
        """Links the fault had taken down came back up."""

    def on_repair(self, index: int) -> None:
        """The fault is over."""


class FaultState:
    """What the faults do to the links right now, as (site, slot) arrays."""

    def __init__(self, net: SimNetwork) -> None:
        shape = net.shape
        self._net = net
        self._present = net.present
        self._down: IntArray = np.zeros(shape, dtype=np.int32)
        self._hub_down: IntArray = np.zeros(len(net.hub_links), dtype=np.int32)
        self.add_latency: FloatArray = np.zeros(shape)
        self.add_jitter: FloatArray = np.zeros(shape)
        self.add_loss: FloatArray = np.zeros(shape)
        self.phys_up: BoolArray = net.present.copy()
        self.version = 0  # bumped on every change: the tick process recomputes on a new one
        # The last change of each link and the one before: when, and the state before it.
        self._at: FloatArray = np.full(shape, -np.inf)
        self._before: BoolArray = self.phys_up.copy()
        self._at2: FloatArray = np.full(shape, -np.inf)
        self._before2: BoolArray = self.phys_up.copy()
        self.last_change = -np.inf

    def change_down(self, rows: IntArray, slots: IntArray, by: int, now: float) -> None:
        np.add.at(self._down, (rows, slots), by)
        self._refresh(now)

    @property
    def hub_up(self) -> BoolArray:
        """Which hub links are up, by index into `SimNetwork.hub_links`."""
        up: BoolArray = self._hub_down == 0
        return up

    def change_hub(self, hub_links: list[int], by: int, now: float) -> None:
        self._hub_down[hub_links] += by
        self._refresh(now)

    def up_at(self, instants: FloatArray) -> BoolArray:
        """Whether each link was physically up at its instant (no later than now). A link that
        changed more than twice since an instant is told by its last two changes."""
        if float(instants.min()) >= self.last_change:
            return self.phys_up
        before = np.where(instants >= self._at2, self._before, self._before2)
        out: BoolArray = np.where(instants >= self._at, self.phys_up, before)
        return out

    def change_brown(self, rows: IntArray, slots: IntArray, f: BrownOut, sign: float) -> None:
        self.add_latency[rows, slots] += sign * f.latency_ms
        self.add_jitter[rows, slots] += sign * f.jitter_ms
        self.add_loss[rows, slots] += sign * f.loss_pct
        self.version += 1
        if sign < 0:  # undo float residue: a repaired link has exactly nothing added
            for a in (self.add_latency, self.add_jitter, self.add_loss):
                a[np.abs(a) < 1e-9] = 0.0

    def _refresh(self, now: float) -> None:
        rides = self._net.hubs.rides
        alive = self._hub_down == 0
        # A branch link is cut off when every hub link it can ride on is down.
        cut = rides.any(axis=2) & ~(rides & alive[None, None, :]).any(axis=2)
        old = self.phys_up
        self.phys_up = self._present & (self._down == 0) & ~cut
        flipped = old != self.phys_up
        if flipped.any():
            self._at2 = np.where(flipped, self._at, self._at2)
            self._before2 = np.where(flipped, self._before, self._before2)
            self._at = np.where(flipped, now, self._at)
            self._before = np.where(flipped, old, self._before)
            self.last_change = now
        self.version += 1


def fault_process(
    env: simpy.Environment,
    *,
    index: int,
    fault: FaultSpec,
    state: FaultState,
    net: SimNetwork,
    end: float,
    hooks: FaultHooks,
) -> Generator[simpy.Event, Any, None]:
    """The life of one fault: onset at `at`, repair after `duration` (or never)."""
    yield env.timeout(fault.at)
    stop = end if fault.duration is None else min(end, fault.at + fault.duration)
    if isinstance(fault, HubCpeFailure):
        hub_links = hub_link_targets(fault, net)
        before = state.phys_up.copy()
        state.change_hub(hub_links, +1, env.now)
        hooks.on_onset(index, env.now, before & ~state.phys_up)
        hooks.on_cut(index, env.now, before & ~state.phys_up)
        yield env.timeout(stop - env.now)
        before = state.phys_up.copy()
        state.change_hub(hub_links, -1, env.now)
        hooks.on_mend(index, env.now, ~before & state.phys_up)
        hooks.on_repair(index)
        return
    pairs = link_targets(fault, net)
    rows = np.array([p[0] for p in pairs], dtype=np.int64)
    slots = np.array([p[1] for p in pairs], dtype=np.int64)
    hit = np.zeros(net.shape, dtype=np.bool_)
    hit[rows, slots] = True

    def down(by: int) -> None:
        before = state.phys_up.copy()
        state.change_down(rows, slots, by, env.now)
        if by > 0:
            hooks.on_cut(index, env.now, before & ~state.phys_up)
        else:
            hooks.on_mend(index, env.now, ~before & state.phys_up)

    if isinstance(fault, BrownOut):
        state.change_brown(rows, slots, fault, +1.0)
        hooks.on_onset(index, env.now, hit)
        yield env.timeout(stop - env.now)
        state.change_brown(rows, slots, fault, -1.0)
    elif isinstance(fault, Flapping):
        hooks.on_onset(index, env.now, hit)
        while env.now < stop:
            down(+1)
            yield env.timeout(min(fault.down_s, stop - env.now))
            down(-1)
            rest = min(fault.period_s - fault.down_s, stop - env.now)
            if rest <= 0:
                break
            yield env.timeout(rest)
    else:
        hooks.on_onset(index, env.now, hit)
        down(+1)
        yield env.timeout(stop - env.now)
        down(-1)
    hooks.on_repair(index)
