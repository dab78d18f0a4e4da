"""Simulator benchmark: the tick model against a naive one-simpy-process-per-link model.

    .venv/bin/python -m bench.bench_simulator [--naive-minutes 10] [--cases small,big,same,naive]

Cases (each in its own process, pinned to one core, so peak memory is its own):
  small: 340 branches x 24 simulated hours at 1 s ticks (cisco-bfd probes: an engine step a
  second); big: 10,000 branches x 1 simulated hour; same and naive: the tick model and a naive
  one-simpy-process-per-link model of the same 340-branch scenario over the same
  `--naive-minutes` (the same faults in the same window), run back to back. The speed-up is
  naive's wall time over same's: the same work over the same window. Prints wall time,
  simulated seconds per wall second, peak RSS, and the command that reproduces them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import deque
from collections.abc import Generator
from functools import partial
from typing import Any

import numpy as np
import simpy

from policies.batch.step import step_batch
from policies.observations import BatchObservations
from simulator.model import simulate
from simulator.scenario.load import Setup, load_scenario_text
from simulator.world import World

SCENARIO = """
name: bench-{branches}
network: {{reference: {{branches: {branches}, seed: 7}}}}
duration: {seconds}
tick: 1
seed: 1
start: "00:00"
probe: {{preset: cisco-bfd}}
faults:
  - {{kind: carrier-outage, carrier: China Unicom, transport: Internet, at: {third}, duration: 10m}}
  - {{kind: hub-cpe-failure, cpe: 0, at: {half}, duration: 5m}}
"""


def setup(branches: int, seconds: int) -> Setup:
    """The benchmark scenario: a day from midnight, one carrier outage and one hub failure."""
    text = SCENARIO.format(
        branches=branches, seconds=seconds, third=seconds // 3, half=seconds // 2
    )
    return load_scenario_text(text)


class _LinkWindow:
    """One link's measurement window in plain Python: `buckets` polls of `per_poll` probes."""

    def __init__(
        self,
        per_poll: int,
        buckets: int,
        start: tuple[float, float],
        out: tuple[Any, Any, Any, int, int],
    ) -> None:
        """`start`: (latency, jitter) before t = 0; `out`: the loss, latency and jitter arrays
        the estimates go to and the link's (site, slot)."""
        n, (latency, jitter) = float(per_poll), start
        self.out = out
        first = [n, 0.0, n * latency, n * jitter]  # sent, lost, latency sum, jitter sum
        self.ring = deque([first] * buckets)
        self.win = [x * buckets for x in first]
        self.cur = [0.0, 0.0, 0.0, 0.0]
        self.per_poll, self.count = per_poll, 0

    def add(self, lost: bool, latency: float, jitter: float) -> None:
        """One probe; at the end of a poll, the window's averages into the arrays."""
        cur = self.cur
        cur[0] += 1.0
        if lost:
            cur[1] += 1.0
        else:
            cur[2] += latency
            cur[3] += jitter
        self.count += 1
        if self.count < self.per_poll:
            return
        old = self.ring.popleft()
        self.ring.append(cur)
        win = self.win = [w + c - o for w, c, o in zip(self.win, cur, old, strict=True)]
        self.cur, self.count = [0.0, 0.0, 0.0, 0.0], 0
        loss, lat, jit, site, slot = self.out
        loss[site, slot] = 100.0 * win[1] / win[0]
        kept = win[0] - win[1]
        if kept > 0:  # a window with nothing back keeps its last latency and jitter
            lat[site, slot], jit[site, slot] = win[2] / kept, win[3] / kept


def _hub_path(s: Setup, util: Any, hub_up: Any) -> Any:
    """The hub links' utilization on each branch path, as the controller has it from the hub
    CPEs' samples (the tick model's hub queueing is not modelled here)."""
    hub_mbps = (util * s.net.capacity_mbps).reshape(-1) @ s.net.hubs.shares(hub_up)
    hub_util = np.where(hub_up, np.minimum(hub_mbps / s.net.hub_capacity_mbps, 1.0), 0.0)
    return s.net.hubs.path_utilization(hub_util, hub_up)


def naive(s: Setup) -> float:
    """The same scenario with one simpy process per link, doing per link in Python what the
    tick model does with arrays: demand of the apps on it, quality, the probe (at the link's
    own phase) and its down/up counting, the window of polls its loss, latency and jitter are
    averaged over, each app's SLA verdict; a controller process runs the same engine on every
    probe round. Returns the simulated seconds run."""
    world = World(s.scenario, s.net, s.policy, np.random.default_rng(s.scenario.seed))
    env = simpy.Environment()
    util, lat, jit, loss = (np.zeros(s.net.shape) for _ in range(4))
    up = s.net.present.copy()
    out_ticks = np.zeros(world.demand_model.base.shape, dtype=np.int64)
    rng, physics, faults = world.rng, world.physics, world.faults
    every = world.demand_model.every
    demand = [world.demand_model.window(0)]
    classes = list(zip(world.max_lat, world.max_jit, world.max_loss, strict=True))
    app_class = [int(c) for c in world.app_class]
    timers = s.scenario.probe.timers()

    def link(site: int, slot: int) -> Generator[simpy.Event, Any, None]:
        capacity = float(s.net.capacity_mbps[site, slot])
        base_lat = float(physics.base_latency[site, slot])
        jit2, loss2 = float(physics.jitter2[site, slot]), float(physics.loss2[site, slot])
        miss = 0
        window = _LinkWindow(
            timers.poll, timers.buckets, (base_lat, jit2 / 2), (loss, lat, jit, site, slot)
        )
        yield env.timeout(1.0 - float(world.probes.phase[site, slot]))  # its own phase
        while True:
            mine = [a for a in range(demand[0].shape[1]) if world.link[site, a] == slot]
            rho = sum(float(demand[0][site, a]) for a in mine) / capacity
            queue = min(2.0 * min(rho, 0.999) / (1 - min(rho, 0.999)), 300.0)
            alive = bool(faults.phys_up[site, slot])
            q_lat, q_jit = base_lat + queue, jit2 * rng.random() + 0.3 * queue
            q_loss = min(loss2 * rng.random(), 100.0) if alive else 100.0
            lost = not alive or rng.random() * 100 < q_loss
            miss = miss + 1 if lost else 0
            window.add(lost, q_lat, q_jit)
            util[site, slot] = min(rho, 1.0) if alive else 0.0
            up[site, slot] = miss < timers.multiplier
            for a in mine:
                max_lat, max_jit, max_loss = classes[app_class[a]]
                if not alive or q_lat > max_lat or q_jit > max_jit or q_loss > max_loss:
                    out_ticks[site, a] += 1
            yield env.timeout(1.0)

    def controller() -> Generator[simpy.Event, Any, None]:
        tick = 0
        while True:
            yield env.timeout(1.0)  # after the probes of the last second
            obs = BatchObservations(up.copy(), lat.copy(), jit.copy(), loss.copy(), util.copy(),
                                    s.net.capacity_mbps, demand[0],
                                    _hub_path(s, util, faults.hub_up))  # fmt: skip
            # The same input checks as the tick model: the engine's checked step the first
            # time, its batch path after (World._step).
            step = world.engine.step if tick == 0 else partial(step_batch, world.engine.compiled)
            world.state, _ = step(world.state, obs, env.now)
            world.link = world.state.link
            tick += 1
            if tick % every == 0 and tick < len(world.times):
                demand[0] = world.demand_model.window(tick)

    for site, spoke in enumerate(s.net.spokes):
        for slot in range(len(spoke.links)):
            env.process(link(site, slot))
    env.process(controller())
    env.run(until=s.scenario.duration)
    return s.scenario.duration


def case(name: str, naive_minutes: int) -> dict[str, Any]:
    """Run one case in this process and measure it."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # one core, as the targets say
    window = naive_minutes * 60
    branches, seconds = {"big": (10_000, 3600), "small": (340, 86_400), "same": (340, window),
                         "naive": (340, window)}[name]  # fmt: skip
    s = setup(branches, seconds)
    start = time.perf_counter()
    if name == "naive":
        simulated = naive(s)
        steps = None
    else:
        run = simulate(s)
        simulated = float(seconds)
        steps = run.results["scenario"]["engine_steps"]
    wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"case": name, "branches": branches, "simulated_s": simulated, "wall_s": wall,
            "rate": simulated / wall, "peak_rss_mb": peak_mb, "engine_steps": steps}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive-minutes", type=int, default=10)
    parser.add_argument("--cases", default="small,big,same,naive")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one case, print JSON
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(case(args.one, args.naive_minutes)))
        return 0
    found: dict[str, dict[str, Any]] = {}
    for name in args.cases.split(","):
        cmd = [sys.executable, "-m", "bench.bench_simulator", "--one", name,
               "--naive-minutes", str(args.naive_minutes)]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        found[name] = r
        print(f"{name:5}  {r['branches']:>6} branches  {r['simulated_s']:>7.0f} s simulated  "
              f"wall {r['wall_s']:7.1f} s  {r['rate']:8.0f}x real time  "
              f"peak RSS {r['peak_rss_mb']:6.0f} MB", flush=True)  # fmt: skip
    if "same" in found and "naive" in found:
        speedup = found["naive"]["wall_s"] / found["same"]["wall_s"]
        print(f"speed-up of the tick model over one process per link, the same 340 branches over "
              f"the same {args.naive_minutes} min: {speedup:.1f}x")  # fmt: skip
    print(f"reproduce: .venv/bin/python -m bench.bench_simulator --cases {args.cases} "
          f"--naive-minutes {args.naive_minutes}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
