"""A simulated network as a live telemetry source: the demo's CPEs.

`LiveFeed` advances the simulator's world in wall-clock time (or `speed` times faster) and
turns what its probes measured into samples, as CPEs would report them to `POST /telemetry`:
link-level ones for every branch link, one per application on the link that carries it, and
the hub's links (their utilization is what the branches' traffic puts on them). The simulated
traffic follows the simulator's own engine run with the same policy, so the simulation and the
controller agree as long as the policy is the same.

Outages (`Outage`) are injected while it runs and repaired on demand, through the same fault
state a scenario's faults use: a branch link, every link of a carrier, or one of the hub's
CPEs. The feed is thread-safe: one thread steps it, others inject and repair.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from policies.observations import BatchObservations
from policies.policy import Policy
from simulator.faults_spec import CarrierOutage, HubCpeFailure, LinkDown
from simulator.network import SimNetwork, build
from simulator.scenario.load import parse_scenario
from simulator.targets import hub_link_targets, link_problems, link_targets
from simulator.world import World
from sites.enums import Transport
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
probe: {{preset: {preset}}}
"""
HUB_LATENCY_MS = 1.0
"""A hub link's own latency and jitter as its CPE measures them (the branches' paths carry the
WAN's); its loss is what its offered load above capacity drops."""
HUB_JITTER_MS = 0.2


@dataclass(frozen=True, slots=True)
class Outage:
    """A failure injected into a running feed: one branch link (`site` and `link`), every link
    of a carrier (`carrier`, optionally of one `transport`), or one of the hub's CPEs
    (`hub_cpe`: 0 or 1, its hub links and the branch paths riding them)."""

    site: str | None = None
    link: str | None = None
    carrier: str | None = None
    transport: Transport | None = None
    hub_cpe: int | None = None

    @property
    def name(self) -> str:
        if self.hub_cpe is not None:
            return f"hub CPE {self.hub_cpe}"
        if self.carrier is not None:
            return f"carrier {self.carrier}" + (f" ({self.transport})" if self.transport else "")
        return f"{self.site}/{self.link}"

    def spec(self) -> LinkDown | CarrierOutage | HubCpeFailure:
        """The scenario fault that does the same (from the feed's start, until repaired)."""
        if self.hub_cpe is not None:
            return HubCpeFailure(kind="hub-cpe-failure", cpe=self.hub_cpe, at=0)
        if self.carrier is not None:
            return CarrierOutage(kind="carrier-outage", carrier=self.carrier,
                                 transport=self.transport, at=0)  # fmt: skip
        return LinkDown(kind="link-down", site=self.site, link=self.link, at=0)


def outage_problem(outage: Outage, net: SimNetwork) -> str | None:
    """Why `outage` names nothing of `net`, or None."""
    if outage.hub_cpe is not None:
        hubs = net.inventory.hubs
        if len(hubs) != 1:
            return f"hub_cpe: the network has {len(hubs)} hubs, not one"
        if outage.hub_cpe >= len(hubs[0].cpes):
            return f"hub_cpe: the hub has {len(hubs[0].cpes)} CPEs (0-{len(hubs[0].cpes) - 1})"
        return None
    if outage.carrier is not None:
        carriers = sorted({link.carrier for _, _, link in net.links()})
        if not link_targets(outage.spec(), net):  # type: ignore[arg-type]  # not a hub CPE
            what = outage.carrier + (f" on {outage.transport}" if outage.transport else "")
            return f"carrier: no branch link of {what} (carriers: {', '.join(carriers)})"
        return None
    problems = link_problems(("link",), outage.site or "", outage.link or "", net)
    return problems[0].message if problems else None


class LiveFeed:
    def __init__(
        self, inventory: Inventory, policy: Policy, seed: int, started: datetime, *,
        speed: int = 1, preset: str = "cisco-bfd",
    ) -> None:  # fmt: skip
        beijing = started.astimezone(UTC) + BEIJING
        text = _SCENARIO.format(seed=seed, start=f"{beijing.hour:02d}:{beijing.minute:02d}",
                                preset=preset)  # fmt: skip
        scenario = parse_scenario(text, source="live feed")
        self.net = build(inventory)
        self.world = World(scenario, self.net, policy, np.random.default_rng(seed))
        self.speed = speed
        """Simulated seconds per call of `step` (the traffic's day runs this much faster)."""
        self._started = started.timestamp()
        self._i = 0
        self._site = [spoke.id for spoke in self.net.spokes]
        self._link = [[link.id for link in spoke.links] for spoke in self.net.spokes]
        self._apps = [a.name for a in self.net.network.apps]
        self._lock = threading.Lock()
        self._active: dict[Outage, int] = {}

    def step(self, at: datetime) -> SampleBatch | None:
        """Advance `speed` ticks; the samples of the last probes taken, stamped `at`, if any
        were taken."""
        with self._lock:
            world, obs = self.world, None
            for _ in range(self.speed):
                world.tick(self._i % len(world.times), self._now())
                self._i += 1
                obs, world.observed = world.observed or obs, None
            if obs is None:
                return None
            return self._samples(obs, int(at.timestamp() * 1000))

    def _now(self) -> float:
        """The world's clock: simulated seconds since the feed started (as epoch seconds)."""
        return self._started + self._i * self.world.dt

    def fail(self, outage: Outage) -> None:
        """Start `outage` now (a second identical one stacks: it takes two repairs)."""
        problem = outage_problem(outage, self.net)
        if problem is not None:
            raise ValueError(problem)
        with self._lock:
            self._change(outage, +1)
            self._active[outage] = self._active.get(outage, 0) + 1

    def restore(self, outage: Outage) -> bool:
        """Repair `outage`; False if it is not in force."""
        with self._lock:
            if not self._active.get(outage):
                return False
            self._change(outage, -1)
            self._active[outage] -= 1
            if not self._active[outage]:
                del self._active[outage]
            return True

    def active(self) -> list[Outage]:
        with self._lock:
            return list(self._active)

    def _change(self, outage: Outage, by: int) -> None:
        faults, spec = self.world.faults, outage.spec()
        if isinstance(spec, HubCpeFailure):
            faults.change_hub(hub_link_targets(spec, self.net), by, self._now())
            return
        pairs = link_targets(spec, self.net)
        rows = np.array([p[0] for p in pairs], dtype=np.int64)
        slots = np.array([p[1] for p in pairs], dtype=np.int64)
        faults.change_down(rows, slots, by, self._now())

    def _samples(self, obs: BatchObservations, ts: int) -> SampleBatch:
        """Every branch link, each application on the link that carries it (its demand), and
        the hub's links as its CPEs measure them (the load the branches put on each)."""
        world, net = self.world, self.net
        s_idx, l_idx = np.nonzero(net.present)
        a_site, a_app = np.nonzero((obs.demand_mbps > 0) & (world.link >= 0))
        a_slot = world.link[a_site, a_app]
        sites = np.concatenate([s_idx, a_site])
        slots = np.concatenate([l_idx, a_slot])
        util = np.clip(obs.utilization[sites, slots], 0.0, 1.0)
        link_level = len(s_idx)
        throughput = util * net.capacity_mbps[sites, slots] * 1e6
        throughput[link_level:] = obs.demand_mbps[a_site, a_app] * 1e6
        hub_links, rho, hub_up = net.hub_links, world.steady.hub_utilization, world.faults.hub_up
        dropped = np.where(rho > 1.0, 100.0 * (1.0 - 1.0 / np.maximum(rho, 1e-9)), 0.0)
        hub_util = np.where(hub_up, np.clip(rho, 0.0, 1.0), 0.0)
        n = len(sites) + len(hub_links)
        return SampleBatch(
            site=tuple(self._site[s] for s in sites) + tuple(h for h, _ in hub_links),
            link=tuple(self._link[s][k] for s, k in zip(sites, slots, strict=True))
            + tuple(k for _, k in hub_links),
            app=(LINK_LEVEL,) * link_level + tuple(self._apps[a] for a in a_app)
            + (LINK_LEVEL,) * len(hub_links),
            ts_ms=np.full(n, ts, dtype=np.int64),
            latency_ms=np.concatenate([obs.latency_ms[sites, slots],
                                       np.full(len(hub_links), HUB_LATENCY_MS)]),
            jitter_ms=np.concatenate([obs.jitter_ms[sites, slots],
                                      np.full(len(hub_links), HUB_JITTER_MS)]),
            loss_pct=np.concatenate([np.clip(obs.loss_pct[sites, slots], 0.0, 100.0),
                                     np.where(hub_up, dropped, 100.0)]),
            utilization=np.concatenate([util, hub_util]),
            throughput_bps=np.concatenate([throughput, hub_util * net.hub_capacity_mbps * 1e6]),
            up=np.concatenate([obs.up[sites, slots], hub_up]).astype(np.bool_),
        )  # fmt: skip
