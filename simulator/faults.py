"""Faults at run time: simpy processes that change the link arrays at discrete moments.

Only the onset and the repair of a fault are events; the tick process reads the arrays. Counts
(not flags) let faults overlap: a link two faults took down comes back when both are over.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from policies.compiled import BoolArray, FloatArray, IntArray
from simulator.faults_spec import BrownOut, CarrierOutage, Flapping, HubCpeFailure, LinkDown
from simulator.network import SimNetwork
from simulator.targets import hub_link_targets, link_targets

FaultSpec = LinkDown | BrownOut | CarrierOutage | HubCpeFailure | Flapping
OnsetHook = Callable[[int, float, BoolArray], None]


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

    def change_down(self, rows: IntArray, slots: IntArray, by: int) -> None:
        np.add.at(self._down, (rows, slots), by)
        self._refresh()

    def change_hub(self, hub_links: list[int], by: int) -> None:
        self._hub_down[hub_links] += by
        self._refresh()

    def change_brown(self, rows: IntArray, slots: IntArray, f: BrownOut, sign: float) -> None:
        self.add_latency[rows, slots] += sign * f.latency_ms
        self.add_jitter[rows, slots] += sign * f.jitter_ms
        self.add_loss[rows, slots] += sign * f.loss_pct
        self.version += 1
        if sign < 0:  # undo float residue: a repaired link has exactly nothing added
            for a in (self.add_latency, self.add_jitter, self.add_loss):
                a[np.abs(a) < 1e-9] = 0.0

    def _refresh(self) -> None:
        rides = self._net.rides_on
        alive = self._hub_down == 0
        # A branch link is cut off when every hub link it can ride on is down.
        cut = rides.any(axis=2) & ~(rides & alive[None, None, :]).any(axis=2)
        self.phys_up = self._present & (self._down == 0) & ~cut
        self.version += 1


def fault_process(
    env: simpy.Environment,
    *,
    index: int,
    fault: FaultSpec,
    state: FaultState,
    net: SimNetwork,
    end: float,
    on_onset: OnsetHook,
    on_repair: Callable[[int], None],
) -> Generator[simpy.Event, Any, None]:
    """The life of one fault: onset at `at`, repair after `duration` (or never)."""
    yield env.timeout(fault.at)
    stop = end if fault.duration is None else min(end, fault.at + fault.duration)
    before = state.phys_up.copy()
    if isinstance(fault, HubCpeFailure):
        hub_links = hub_link_targets(fault, net)
        state.change_hub(hub_links, +1)
        on_onset(index, env.now, before & ~state.phys_up)
        yield env.timeout(stop - env.now)
        state.change_hub(hub_links, -1)
        on_repair(index)
        return
    pairs = link_targets(fault, net)
    rows = np.array([p[0] for p in pairs], dtype=np.int64)
    slots = np.array([p[1] for p in pairs], dtype=np.int64)
    hit = np.zeros(net.shape, dtype=np.bool_)
    hit[rows, slots] = True
    if isinstance(fault, BrownOut):
        state.change_brown(rows, slots, fault, +1.0)
        on_onset(index, env.now, hit)
        yield env.timeout(stop - env.now)
        state.change_brown(rows, slots, fault, -1.0)
    elif isinstance(fault, Flapping):
        first = True
        while env.now < stop:
            state.change_down(rows, slots, +1)
            if first:
                on_onset(index, env.now, hit)
                first = False
            yield env.timeout(min(fault.down_s, stop - env.now))
            state.change_down(rows, slots, -1)
            rest = min(fault.period_s - fault.down_s, stop - env.now)
            if rest <= 0:
                break
            yield env.timeout(rest)
    else:
        state.change_down(rows, slots, +1)
        on_onset(index, env.now, hit)
        yield env.timeout(stop - env.now)
        state.change_down(rows, slots, -1)
    on_repair(index)
