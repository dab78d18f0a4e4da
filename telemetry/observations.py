"""Samples become the observations the policy engine evaluates.

The newest link-level sample of every link of a site gives its link's figures; capacity comes
from the inventory (the link's downstream bandwidth). Application samples give the demand: their
throughput summed over the links that carry the app. A site is observed only when every one of
its links has a fresh sample: a silent link is "no data", which is not the same as "down", and
the engine is not asked to guess.

A site whose CPE reports link figures but no application samples has its demand derived: the
load its links carry (utilization x bandwidth) split over the catalogue's applications by their
expected bandwidth (`expected_kbps`). Without it the utilization rule could never move anything
there (it moves applications by their demand); with it, it moves them by their typical share.
`Packed.derived` names those sites, so the controller can say so.

The hub CPEs' link samples give each hub link's utilization; every branch link gets that of the
hub links its traffic rides (`policies.hubs`, the simulator's mapping too), so a busy hub link
moves low-priority traffic off the branch links that ride it (`Policy.hub_utilization`). A hub
link without a fresh sample adds nothing.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from policies.compiled import BoolArray, FloatArray
from policies.hubs import HubPaths
from policies.network import Network
from policies.observations import BatchObservations
from sites.inventory import Inventory
from telemetry.batch import LINK_LEVEL, SampleBatch

BITS_PER_MBIT = 1e6


class Packed(NamedTuple):
    """The observations of every site, which sites are observed, and which of those had their
    demand derived from their link load (no application samples)."""

    observations: BatchObservations
    observed: BoolArray
    derived: BoolArray


class ObservationPacker:
    """The newest samples of every site of `network` (built from `inventory`), straight into
    the engine's batch arrays, without a Python object per site.

    Built once per inventory; `pack` is what a reconcile tick pays. A site is observed only
    when every one of its links has a sample, the later row of a repeated series wins, capacity
    comes from the inventory, and samples of unknown sites, links or applications are
    ignored."""

    def __init__(self, inventory: Inventory, network: Network) -> None:
        sites = inventory.site_by_id
        shape = (len(network.sites), network.max_links)
        self._network = network
        self._slot: dict[tuple[str, str], tuple[int, int]] = {}
        self._capacity = np.ones(shape)  # padding: 1.0, as BatchObservations asks
        self._links = np.zeros(shape[0], dtype=np.int64)
        for row, spec in enumerate(network.sites):
            self._links[row] = len(spec.links)
            capacity = {k.id: k.down_mbps for k in sites[spec.id].links}
            for slot, link in enumerate(spec.links):
                self._slot[(spec.id, link.id)] = (row, slot)
                self._capacity[row, slot] = capacity[link.id]
        self._app = network.app_index
        expected = {a.name: a.expected_kbps for a in inventory.applications}
        kbps = np.array([expected.get(a.name, 0.0) for a in network.apps])
        total = kbps.sum()
        self._share: FloatArray = kbps / total if total > 0 else np.zeros(len(kbps))
        self._hubs = HubPaths.build(inventory, network)
        hub_slots = [self._slot[link] for link in self._hubs.hub_links]
        self._hub_at = tuple(np.array(hub_slots, dtype=np.intp).reshape(-1, 2).T)

    @property
    def network(self) -> Network:
        return self._network

    def pack(self, latest: SampleBatch) -> Packed:
        """The observations of every site, which are observed, which had demand derived."""
        n_sites, n_slots = self._capacity.shape
        link_rows: dict[tuple[int, int], int] = {}
        app_rows: dict[tuple[str, str, str], tuple[int, int, int]] = {}
        slot_of, app_of = self._slot, self._app
        rows = zip(latest.site, latest.link, latest.app, strict=True)
        for n, (site, link, app) in enumerate(rows):
            where = slot_of.get((site, link))
            if where is None:
                continue
            if app == LINK_LEVEL:
                link_rows[where] = n
            else:
                a = app_of.get(app)
                if a is not None:
                    app_rows[(site, link, app)] = (where[0], a, n)
        up = np.zeros((n_sites, n_slots), dtype=np.bool_)
        values = {k: np.zeros((n_sites, n_slots)) for k in ("lat", "jit", "loss", "util")}
        seen = np.zeros((n_sites, n_slots), dtype=np.bool_)
        if link_rows:
            at = tuple(np.array(list(link_rows), dtype=np.intp).T)
            take = np.fromiter(link_rows.values(), dtype=np.intp, count=len(link_rows))
            seen[at] = True
            up[at] = latest.up[take]
            values["lat"][at] = latest.latency_ms[take]
            values["jit"][at] = latest.jitter_ms[take]
            values["loss"][at] = latest.loss_pct[take]
            values["util"][at] = latest.utilization[take]
        demand = np.zeros((n_sites, len(self._network.apps)))
        if app_rows:
            site_i, app_i, take = np.array(list(app_rows.values()), dtype=np.intp).T
            np.add.at(demand, (site_i, app_i), latest.throughput_bps[take] / BITS_PER_MBIT)
        observed = seen.sum(axis=1) == self._links
        derived = self._derive(demand, values["util"] * self._capacity * up, observed)
        observations = BatchObservations(
            up, values["lat"], values["jit"], values["loss"], values["util"],
            self._capacity.copy(), demand, self._hub_path(seen, up, values["util"]),
        )  # fmt: skip
        return Packed(observations, observed, derived)

    def _hub_path(self, seen: BoolArray, up: BoolArray, util: FloatArray) -> FloatArray | None:
        """The hub links' utilization on every branch link's path (None: no hub link sampled);
        a hub link without a sample counts as up and idle."""
        at = self._hub_at
        reported = seen[at]
        if not reported.any():
            return None
        hub_up = up[at] | ~reported
        return self._hubs.path_utilization(np.where(up[at], util[at], 0.0), hub_up)

    def _derive(self, demand: FloatArray, load: FloatArray, observed: BoolArray) -> BoolArray:
        """Fill in the demand of observed sites with link load and no application samples;
        return which sites those are."""
        carried = load.sum(axis=1)
        derived: BoolArray = observed & (carried > 0) & ~(demand > 0).any(axis=1)
        if derived.any():
            demand[derived] = carried[derived, None] * self._share[None, :]
        return derived
