"""Which hub links each branch link rides, and how busy the hub is on each branch's path.

A branch link's traffic reaches its hub over the hub links of its family: leased MSTP and MPLS
over the hub's private links, Internet and LTE over its Internet links (any hub link if the hub
has none of that family). It is split among those that are up in proportion to their bandwidth.
So a hub link is a shared bottleneck, and a branch path is as busy as the busier of its own link
and the hub links it rides: `path_utilization` gives the latter, which the engine takes as a
link's load next to the link's own (`Policy.hub_utilization`).

The controller (from the hub CPEs' link samples) and the simulator (from the hub links' load)
both use this one mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from policies.compiled import BoolArray, FloatArray
from policies.network import Network
from sites.enums import SiteRole, Transport
from sites.inventory import Inventory
from sites.site import Site, WanLink

PRIVATE = frozenset({Transport.MSTP, Transport.MPLS})


@dataclass(frozen=True, eq=False)
class HubPaths:
    """The hub links of an inventory and, per (site, slot) of a network, the ones it rides."""

    hub_links: tuple[tuple[str, str], ...]  # (hub id, link id) of every hub link
    rides: BoolArray  # (S, L, H): branch link (s, l) rides hub link h
    capacity_mbps: FloatArray  # (H,) downstream bandwidth of each hub link
    _shares: dict[bytes, FloatArray] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, inventory: Inventory, network: Network) -> HubPaths:
        """The paths of every site of `network` (hubs, and spokes without a hub, ride none)."""
        hubs = {h.id: h for h in inventory.hubs}
        hub_links = tuple((h.id, link.id) for h in inventory.hubs for link in h.links)
        by_id = inventory.site_by_id
        rides = np.zeros((len(network.sites), network.max_links, len(hub_links)), dtype=np.bool_)
        for s, spec in enumerate(network.sites):
            site = by_id[spec.id]
            hub = hubs.get(site.hubs[0]) if site.role is SiteRole.SPOKE and site.hubs else None
            if hub is None:
                continue
            for k, link in enumerate(site.links):
                rides[s, k] = _rides(link, hub, hub_links)
        capacity = np.array(
            [link.down_mbps for h in inventory.hubs for link in h.links], dtype=np.float64
        )
        return cls(hub_links, rides, capacity)

    def shares(self, hub_up: BoolArray) -> FloatArray:
        """((S x L), H): the share of each branch link's traffic on each hub link, given which
        hub links are up (computed once per set of hub links up)."""
        key = hub_up.tobytes()
        via = self._shares.get(key)
        if via is None:
            flat = self.rides.reshape(-1, len(self.hub_links))
            weight = flat * (hub_up * self.capacity_mbps)[None, :]
            total = weight.sum(axis=1, keepdims=True)
            via = np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)
            self._shares[key] = via
        return via

    def path_utilization(self, hub_utilization: FloatArray, hub_up: BoolArray) -> FloatArray:
        """(S, L): the utilization of the hub links each branch link rides, weighted by the
        share it sends over each (0 where it rides none, or none is up)."""
        n_sites, n_links = self.rides.shape[:2]
        if not self.hub_links:
            return np.zeros((n_sites, n_links))
        path: FloatArray = (self.shares(hub_up) @ hub_utilization).reshape(n_sites, n_links)
        return path


def _rides(link: WanLink, hub: Site, hub_links: tuple[tuple[str, str], ...]) -> BoolArray:
    family = [h for h in hub.links if (h.transport in PRIVATE) == (link.transport in PRIVATE)]
    chosen = {h.id for h in (family or hub.links)}
    return np.array([hid == hub.id and lid in chosen for hid, lid in hub_links], dtype=np.bool_)
