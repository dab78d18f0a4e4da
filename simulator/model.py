"""The simpy model: one tick process drives the arrays, one process per fault changes them.

simpy schedules only what is discrete (the tick, fault onsets and repairs). One process per
link would put (sites x links) events on the heap every tick: DESIGN §5 measured 220x real
time that way at 340 sites against ~4,300x for a single tick process over numpy arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from simulator.capacity import capacity_results
from simulator.faults import fault_process
from simulator.results import build_results
from simulator.scenario.load import Setup
from simulator.world import World

Progress = Callable[[float], None]
"""Called with the simulated seconds done so far."""


@dataclass(frozen=True)
class Run:
    """A finished run: the results document and the world (for the report's plots)."""

    results: dict[str, Any]
    world: World


def simulate(setup: Setup, progress: Progress | None = None) -> Run:
    """Run a scenario to its end. The same setup always gives the same results."""
    scenario = setup.scenario
    rng = np.random.default_rng(scenario.seed)
    world = World(scenario, setup.net, setup.policy, rng)
    env = simpy.Environment()
    end = len(world.times) * scenario.tick
    for i, fault in enumerate(scenario.faults):
        env.process(
            fault_process(
                env,
                index=i,
                fault=fault,
                state=world.faults,
                net=setup.net,
                end=end,
                hooks=world,
            )
        )
    env.process(_ticker(env, world, progress))
    env.run(until=end + scenario.tick / 2)  # repairs scheduled at `end` run too
    world.finish()
    timers = scenario.probe.timers()
    results = build_results(world, scenario.name, scenario.seed, timers, scenario.faults)
    results["capacity"] = capacity_results(world, scenario.planning)
    results["scenario"]["policy"] = setup.policy_label
    return Run(results, world)


def _ticker(
    env: simpy.Environment, world: World, progress: Progress | None
) -> Generator[simpy.Event, Any, None]:
    n = len(world.times)
    report_every = max(1, n // 200)
    for i in range(n):
        world.tick(i, float(world.times[i]))
        if progress is not None and (i % report_every == 0 or i == n - 1):
            progress(float(world.times[i]) + world.dt)
        if i + 1 < n:
            # Aim at the exact grid time, so float steps never drift past a fault's moment.
            yield env.timeout(float(world.times[i + 1]) - env.now)
