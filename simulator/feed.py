"""A simulated network as a live telemetry source: the demo's CPEs.

`LiveFeed` advances the simulator's world one tick per call, in wall-clock time, and turns what
its probes measured into samples — link-level ones for every branch link, and one per
application on the link that carries it — as a CPE would report them to `POST /telemetry`. The
controller writes them into its telemetry store through the same `SampleBatch` path as the API,
and its own engine decides from them. The simulated traffic follows the simulator's own engine
run with the same policy, so the two agree as long as the policy is the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from policies.policy import Policy
from simulator.network import build
from simulator.scenario.load import parse_scenario
from simulator.world import World
from sites.inventory import Inventory
from telemetry.batch import LINK_LEVEL, SampleBatch

BEIJING = timedelta(hours=8)
_SCENARIO = """\
name: live feed
network: {{reference: {{branches: 1}}}}
duration: 24h
tick: 1s
seed: {seed}
start: "{start}"
probe: {{preset: cisco-bfd}}
"""


class LiveFeed:
    def __init__(self, inventory: Inventory, policy: Policy, seed: int, started: datetime) -> None:
        beijing = started.astimezone(UTC) + BEIJING
        text = _SCENARIO.format(seed=seed, start=f"{beijing.hour:02d}:{beijing.minute:02d}")
        scenario = parse_scenario(text, source="live feed")
        self.net = build(inventory)
        self.world = World(scenario, self.net, policy, np.random.default_rng(seed))
        self._i = 0
        self._site = [spoke.id for spoke in self.net.spokes]
        self._link = [[link.id for link in spoke.links] for spoke in self.net.spokes]
        self._apps = [a.name for a in self.net.network.apps]

    def step(self, at: datetime) -> SampleBatch | None:
        """Advance one tick to `at`; the samples of the probes taken, if any were."""
        world = self.world
        world.tick(self._i % len(world.times), at.timestamp())
        self._i += 1
        obs, world.observed = world.observed, None
        if obs is None:
            return None
        ts = int(at.timestamp() * 1000)
        s_idx, l_idx = np.nonzero(self.net.present)
        # Application samples: each app's demand, on the link that carries it now.
        a_site, a_app = np.nonzero((obs.demand_mbps > 0) & (world.link >= 0))
        a_slot = world.link[a_site, a_app]
        sites = np.concatenate([s_idx, a_site])
        slots = np.concatenate([l_idx, a_slot])
        util = np.clip(obs.utilization[sites, slots], 0.0, 1.0)
        link_level = len(s_idx)
        throughput = util * self.net.capacity_mbps[sites, slots] * 1e6
        throughput[link_level:] = obs.demand_mbps[a_site, a_app] * 1e6
        return SampleBatch(
            site=tuple(self._site[s] for s in sites),
            link=tuple(self._link[s][k] for s, k in zip(sites, slots, strict=True)),
            app=(LINK_LEVEL,) * link_level + tuple(self._apps[a] for a in a_app),
            ts_ms=np.full(len(sites), ts, dtype=np.int64),
            latency_ms=obs.latency_ms[sites, slots],
            jitter_ms=obs.jitter_ms[sites, slots],
            loss_pct=np.clip(obs.loss_pct[sites, slots], 0.0, 100.0),
            utilization=util,
            throughput_bps=throughput,
            up=obs.up[sites, slots].astype(np.bool_),
        )
