"""The network as the simulator sees it: spokes in engine order, with static per-link arrays.

Hubs are not simulated as sites: they are the far end of every branch link. A branch link rides
the hub links of its family (`policies.hubs`, the mapping the controller uses too), which is how
a hub CPE failure takes branch paths down; its traffic shares those hub links in proportion to
their bandwidth, so a hub link has a load and a capacity too: the shared bottleneck.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from policies.compiled import BoolArray, FloatArray
from policies.hubs import HubPaths
from policies.network import Network
from sites.enums import SiteRole, Transport
from sites.inventory import Inventory
from sites.site import Site, WanLink

EARTH_RADIUS_KM = 6371.0


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@dataclass(frozen=True, eq=False)
class SimNetwork:
    """Spokes (engine order) and their links as (sites, slots) arrays; padded slots absent."""

    inventory: Inventory
    network: Network
    spokes: tuple[Site, ...]
    present: BoolArray
    capacity_mbps: FloatArray  # downstream bandwidth, as telemetry reports it (pad 1.0)
    metered: BoolArray
    cost_per_gb: FloatArray
    distance_km: FloatArray  # (S,) great circle to the site's hub
    transports: tuple[tuple[Transport, ...], ...]
    hubs: HubPaths  # the hub links and which of them each branch link rides

    @property
    def hub_links(self) -> tuple[tuple[str, str], ...]:
        """(hub id, link id) of every hub link."""
        return self.hubs.hub_links

    @property
    def hub_capacity_mbps(self) -> FloatArray:
        """(H,) downstream bandwidth of each hub link."""
        return self.hubs.capacity_mbps

    @property
    def shape(self) -> tuple[int, int]:
        return self.present.shape[0], self.present.shape[1]

    def link_slot(self, site_id: str, link_id: str) -> tuple[int, int] | None:
        """(site index, slot) of a branch link, None if there is none."""
        s = self.network.site_index.get(site_id)
        if s is None:
            return None
        for slot, link in enumerate(self.spokes[s].links):
            if link.id == link_id:
                return s, slot
        return None

    def links(self) -> list[tuple[int, int, WanLink]]:
        """Every branch link as (site index, slot, link)."""
        return [
            (s, k, link) for s, site in enumerate(self.spokes) for k, link in enumerate(site.links)
        ]


def with_capacity(net: SimNetwork, overrides: dict[tuple[str, str], float]) -> SimNetwork:
    """The same network with some branch links' bandwidth changed ((site, link) -> Mbit/s;
    every one must exist)."""
    if not overrides:
        return net
    capacity = net.capacity_mbps.copy()
    for (site, link), mbps in overrides.items():
        where = net.link_slot(site, link)
        if where is None:
            raise KeyError(f"no link {link!r} at {site!r}")
        capacity[where] = mbps
    return replace(net, capacity_mbps=capacity)


def build(inventory: Inventory) -> SimNetwork:
    """The simulator's view of an inventory."""
    spokes = tuple(s for s in inventory.sites if s.role is SiteRole.SPOKE)
    network = Network.from_inventory(inventory, [s.id for s in spokes])
    n_sites, n_links = len(spokes), network.max_links
    hubs = {h.id: h for h in inventory.hubs}
    present = np.zeros((n_sites, n_links), dtype=np.bool_)
    capacity = np.ones((n_sites, n_links))
    metered = np.zeros((n_sites, n_links), dtype=np.bool_)
    cost = np.zeros((n_sites, n_links))
    distance = np.zeros(n_sites)
    for s, site in enumerate(spokes):
        hub = hubs.get(site.hubs[0]) if site.hubs else None
        if hub is not None:
            distance[s] = great_circle_km(
                site.latitude, site.longitude, hub.latitude, hub.longitude
            )
        for k, link in enumerate(site.links):
            present[s, k] = True
            capacity[s, k] = link.down_mbps
            metered[s, k] = link.metered
            cost[s, k] = link.cost_per_gb_cny or 0.0
    return SimNetwork(
        inventory=inventory,
        network=network,
        spokes=spokes,
        present=present,
        capacity_mbps=capacity,
        metered=metered,
        cost_per_gb=cost,
        distance_km=distance,
        transports=tuple(tuple(k.transport for k in s.links) for s in spokes),
        hubs=HubPaths.build(inventory, network),
    )
