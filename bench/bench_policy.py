"""Policy-engine benchmark: one vectorised step for 10,000 sites x 4 links x 16 apps.

    .venv/bin/python -m bench.bench_policy [--sites 10000] [--steps 50] [--seed 7]

Observations are drawn up front from a seeded numpy Generator (so only `step` is timed):
utilization wandering 30-85 %, latency, jitter and loss around typical values with some
links browning out, 0.1 % of links down per sample. The state carries over between steps,
as in the controller's loop. Prints p50/p95 per step and the command that reproduced it.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from policies.engine import PolicyEngine
from policies.network import AppSpec, LinkSpec, Network, SiteSpec
from policies.observations import BatchObservations
from policies.policy import Policy
from sites.enums import LinkRole
from sites.reference_data import catalogue

LINKS = (
    LinkSpec("mpls-1", LinkRole.PRIMARY),
    LinkSpec("inet-1", LinkRole.BACKUP),
    LinkSpec("inet-2", LinkRole.BACKUP),
    LinkSpec("lte-1", LinkRole.LAST_RESORT, metered=True),
)
CAPACITY_MBPS = np.array([50.0, 200.0, 100.0, 20.0])


def network(sites: int) -> Network:
    """`sites` branches with four links each and the 16 catalogue applications."""
    classes, apps = catalogue()
    by_name = {c.name: c for c in classes}
    specs = tuple(AppSpec(a.name, a.priority, by_name[a.sla_class]) for a in apps)
    return Network(tuple(SiteSpec(f"br-{i:05d}", LINKS) for i in range(sites)), specs)


def observations(net: Network, steps: int, rng: np.random.Generator) -> list[BatchObservations]:
    """A random walk of link conditions; a few links brown out or go down each step."""
    n_sites, n_links, n_apps = len(net.sites), len(LINKS), len(net.apps)
    shape = (n_sites, n_links)
    util = rng.uniform(0.3, 0.8, shape)
    base_latency = np.array([15.0, 35.0, 40.0, 60.0]) * rng.uniform(0.5, 2.0, shape)
    demand = np.array([a.expected_kbps / 1000 for a in catalogue()[1]])
    out = []
    for _ in range(steps):
        util = np.clip(util + rng.normal(0, 0.03, shape), 0.05, 0.98)
        brown = rng.random(shape) < 0.02
        out.append(
            BatchObservations(
                up=rng.random(shape) > 0.001,
                latency_ms=base_latency * rng.uniform(0.9, 1.3, shape) + brown * 100,
                jitter_ms=rng.gamma(2.0, 2.0, shape) + brown * 20,
                loss_pct=rng.exponential(0.05, shape) + brown * rng.uniform(0, 5, shape),
                utilization=util,
                capacity_mbps=np.broadcast_to(CAPACITY_MBPS, shape).copy(),
                demand_mbps=demand * rng.uniform(0.5, 1.5, (n_sites, n_apps)),
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    net = network(args.sites)
    engine = PolicyEngine(Policy.reference(), net)
    samples = observations(net, args.steps + 5, np.random.default_rng(args.seed))
    state = engine.initial_state()
    for obs in samples[:5]:  # warm-up: first placement, caches, allocator
        state, _ = engine.step(state, obs, 0.0)
    times, moved = [], []
    for i, obs in enumerate(samples[5:], start=1):
        start = time.perf_counter()
        state, decisions = engine.step(state, obs, float(i))
        times.append((time.perf_counter() - start) * 1000)
        moved.append(int(decisions.changed_mask.sum()))
    p50, p95 = np.percentile(times, [50, 95])
    shape = f"{args.sites} sites x {len(LINKS)} links x {len(net.apps)} apps"
    print(f"policy engine, one step, {shape}, {args.steps} steps")
    print(f"p50 {p50:.1f} ms   p95 {p95:.1f} ms   max {max(times):.1f} ms")
    print(f"apps moved per step: median {int(np.median(moved))}, max {max(moved)}")
    print(
        "reproduce: .venv/bin/python -m bench.bench_policy "
        f"--sites {args.sites} --steps {args.steps} --seed {args.seed}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
