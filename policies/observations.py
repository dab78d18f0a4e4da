"""What the engine is told each step: per (site, link) measurements, per (site, app) demand.

Two forms of the same data: `SiteObservation` (readable, one site, keyed by link id and app
name) and `BatchObservations` (numpy arrays in the network's slot order, for many sites).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from policies.compiled import BoolArray, FloatArray, IntArray
from policies.errors import ObservationError
from policies.network import Network, SiteSpec

MIN_PATH_SHARE = 0.01  # a link carrying nothing is taken as carrying 1 % (no division by 0)


class PathLoad(NamedTuple):
    """What the utilization and share rules start from, per (site, link)."""

    load: FloatArray  # the link's utilization, or the hub's on its path where larger
    hub_led: BoolArray  # where the hub's is the load
    relief_mbps: FloatArray  # what the demand of an app moving off divides to lower `load`


def path_load(
    utilization: FloatArray,
    capacity_mbps: FloatArray,
    hub_utilization: FloatArray | None,
    use_hub: bool,
) -> PathLoad:
    """A link's load is its own utilization, or, where larger (and the policy uses it), that
    of the hub links its traffic rides. An app moving off a hub-led link lowers that load as if
    the link's capacity were its part of the hub: capacity x utilization / hub utilization (the
    part of the hub its own traffic fills). So every branch on a busy hub link sheds the same
    fraction of what it sends there, together just the hub's excess, not each as much as its
    own link's excess (a herd that would empty the hub and bring everything back at once).
    Moves onto a link count its own capacity, as without a hub."""
    if hub_utilization is None or not use_hub:
        no = np.zeros(utilization.shape, dtype=np.bool_)
        return PathLoad(utilization.copy(), no, capacity_mbps)
    led: BoolArray = hub_utilization > utilization
    if not led.any():
        return PathLoad(utilization.copy(), led, capacity_mbps)
    part = np.maximum(utilization, MIN_PATH_SHARE) / np.where(led, hub_utilization, 1.0)
    return PathLoad(
        np.where(led, hub_utilization, utilization),
        led,
        np.where(led, capacity_mbps * part, capacity_mbps),
    )


@dataclass(frozen=True, slots=True)
class LinkObservation:
    """One sample of one link. Latency is round-trip, loss in percent, utilization 0..1;
    `hub_utilization` that of the hub links this link's traffic rides (`policies.hubs`)."""

    up: bool
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    loss_pct: float = 0.0
    utilization: float = 0.0
    capacity_mbps: float = 1.0
    hub_utilization: float = 0.0

    def __post_init__(self) -> None:
        for name in ("latency_ms", "jitter_ms", "loss_pct", "utilization", "hub_utilization"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ObservationError(f"{name} must be finite and >= 0, got {value}")
        if not (math.isfinite(self.capacity_mbps) and self.capacity_mbps > 0):
            raise ObservationError(
                f"capacity_mbps must be finite and > 0, got {self.capacity_mbps}"
            )


@dataclass(frozen=True, slots=True)
class SiteObservation:
    """One sample of one site: every link, and the demand of the apps (missing = 0 Mbit/s)."""

    links: Mapping[str, LinkObservation]
    demand_mbps: Mapping[str, float] = field(default_factory=dict)

    def checked(self, site: SiteSpec, network: Network) -> SiteObservation:
        """Self, after checking it names exactly the site's links and only known apps."""
        ids = [link.id for link in site.links]
        if sorted(self.links) != sorted(ids):
            raise ObservationError(
                f"site {site.id!r}: observations name links {sorted(self.links)}, "
                f"the site has {sorted(ids)}"
            )
        for app, mbps in self.demand_mbps.items():
            if app not in network.app_index:
                raise ObservationError(f"site {site.id!r}: unknown application {app!r}")
            if not (math.isfinite(mbps) and mbps >= 0):
                raise ObservationError(f"site {site.id!r}: demand of {app!r} is {mbps}")
        return self


@dataclass(frozen=True, eq=False)
class BatchObservations:
    """Observations of every site of a network, as (sites, link slots) and (sites, apps)
    arrays in the network's order. Padded slots must be down; their other values are ignored.
    `hub_utilization` (optional, (sites, link slots)) is how busy the hub links each link rides
    are (`policies.hubs.HubPaths.path_utilization`); None when nothing reports it."""

    up: BoolArray
    latency_ms: FloatArray
    jitter_ms: FloatArray
    loss_pct: FloatArray
    utilization: FloatArray
    capacity_mbps: FloatArray
    demand_mbps: FloatArray
    hub_utilization: FloatArray | None = None

    def check(self, network: Network) -> None:
        """Raise ObservationError if shapes or values do not fit the network."""
        links = (len(network.sites), network.max_links)
        for name in ("up", "latency_ms", "jitter_ms", "loss_pct", "utilization", "capacity_mbps"):
            if getattr(self, name).shape != links:
                raise ObservationError(f"{name} must have shape {links}")
        if self.demand_mbps.shape != (len(network.sites), len(network.apps)):
            raise ObservationError(f"demand_mbps must have shape {(links[0], len(network.apps))}")
        if self.hub_utilization is not None and self.hub_utilization.shape != links:
            raise ObservationError(f"hub_utilization must have shape {links}")
        for name in (
            "latency_ms", "jitter_ms", "loss_pct", "utilization", "demand_mbps", "hub_utilization"
        ):  # fmt: skip
            values = getattr(self, name)
            if values is None:
                continue
            if not (np.isfinite(values).all() and (values >= 0).all()):
                raise ObservationError(f"{name} must be finite and >= 0")
        if not (np.isfinite(self.capacity_mbps).all() and (self.capacity_mbps > 0).all()):
            raise ObservationError("capacity_mbps must be finite and > 0 (pad with 1.0)")

    @classmethod
    def from_sites(cls, network: Network, sites: Sequence[SiteObservation]) -> BatchObservations:
        """Pack one SiteObservation per site of the network, in the network's order."""
        if len(sites) != len(network.sites):
            raise ObservationError(f"need {len(network.sites)} site observations, got {len(sites)}")
        shape = (len(network.sites), network.max_links)
        up = np.zeros(shape, dtype=np.bool_)
        arrays = {k: np.zeros(shape) for k in ("lat", "jit", "loss", "util", "hub")}
        cap = np.ones(shape)
        demand = np.zeros((len(network.sites), len(network.apps)))
        for s, (spec, obs) in enumerate(zip(network.sites, sites, strict=True)):
            obs.checked(spec, network)
            for slot, link in enumerate(spec.links):
                o = obs.links[link.id]
                up[s, slot] = o.up
                arrays["lat"][s, slot] = o.latency_ms
                arrays["jit"][s, slot] = o.jitter_ms
                arrays["loss"][s, slot] = o.loss_pct
                arrays["util"][s, slot] = o.utilization
                arrays["hub"][s, slot] = o.hub_utilization
                cap[s, slot] = o.capacity_mbps
            for app, mbps in obs.demand_mbps.items():
                demand[s, network.app_index[app]] = mbps
        hub = arrays["hub"] if arrays["hub"].any() else None
        return cls(
            up, arrays["lat"], arrays["jit"], arrays["loss"], arrays["util"], cap, demand, hub
        )

    def subset(self, rows: IntArray, max_links: int) -> BatchObservations:
        """The observations of some sites (rows of this batch), in that order, with `max_links`
        link slots (at least as many as any of those sites has)."""
        return BatchObservations(
            up=self.up[rows, :max_links],
            latency_ms=self.latency_ms[rows, :max_links],
            jitter_ms=self.jitter_ms[rows, :max_links],
            loss_pct=self.loss_pct[rows, :max_links],
            utilization=self.utilization[rows, :max_links],
            capacity_mbps=self.capacity_mbps[rows, :max_links],
            demand_mbps=self.demand_mbps[rows],
            hub_utilization=(
                None if self.hub_utilization is None else self.hub_utilization[rows, :max_links]
            ),
        )

    def site(self, network: Network, index: int) -> SiteObservation:
        """The per-site form of one site (the inverse of `from_sites`)."""
        spec = network.sites[index]
        hub = self.hub_utilization
        links = {
            link.id: LinkObservation(
                up=bool(self.up[index, slot]),
                latency_ms=float(self.latency_ms[index, slot]),
                jitter_ms=float(self.jitter_ms[index, slot]),
                loss_pct=float(self.loss_pct[index, slot]),
                utilization=float(self.utilization[index, slot]),
                capacity_mbps=float(self.capacity_mbps[index, slot]),
                hub_utilization=0.0 if hub is None else float(hub[index, slot]),
            )
            for slot, link in enumerate(spec.links)
        }
        demand = {app.name: float(self.demand_mbps[index, a]) for a, app in enumerate(network.apps)}
        return SiteObservation(links, demand)
