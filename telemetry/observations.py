"""Samples become the observations the policy engine evaluates.

The newest link-level sample of every link of a site gives its `LinkObservation`; capacity comes
from the inventory (the link's downstream bandwidth). Application samples give the demand: their
throughput summed over the links that carry the app. A site is observed only when every one of
its links has a fresh sample: a silent link is "no data", which is not the same as "down", and
the engine is not asked to guess.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from policies.compiled import BoolArray
from policies.network import Network
from policies.observations import BatchObservations, LinkObservation, SiteObservation
from sites.inventory import Inventory
from telemetry.batch import LINK_LEVEL, SampleBatch

BITS_PER_MBIT = 1e6


def site_observations(latest: SampleBatch, inventory: Inventory) -> dict[str, SiteObservation]:
    """{site id: its observation} for every site whose links all have a sample in `latest`.

    `latest` holds at most one sample per series, as `TelemetryStore.latest` returns; if a series
    appears twice, the later row wins. Samples of unknown sites, links or apps are ignored.
    """
    links: dict[str, dict[str, LinkObservation]] = defaultdict(dict)
    demand: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    apps = {app.name for app in inventory.applications}
    sites = inventory.site_by_id
    for i in range(len(latest)):
        site = sites.get(latest.site[i])
        if site is None:
            continue
        link_id = latest.link[i]
        capacity = next((k.down_mbps for k in site.links if k.id == link_id), None)
        if capacity is None:
            continue
        app = latest.app[i]
        if app == LINK_LEVEL:
            links[site.id][link_id] = LinkObservation(
                up=bool(latest.up[i]),
                latency_ms=float(latest.latency_ms[i]),
                jitter_ms=float(latest.jitter_ms[i]),
                loss_pct=float(latest.loss_pct[i]),
                utilization=float(latest.utilization[i]),
                capacity_mbps=float(capacity),
            )
        elif app in apps:
            demand[site.id][app] += float(latest.throughput_bps[i]) / BITS_PER_MBIT
    observed = {}
    for site_id, seen in links.items():
        if len(seen) == len(sites[site_id].links):
            observed[site_id] = SiteObservation(seen, dict(demand.get(site_id, {})))
    return observed


class ObservationPacker:
    """`site_observations`, straight into the engine's batch arrays: the newest samples of
    every site of `network` (built from `inventory`), without a Python object per site.

    Built once per inventory; `pack` is what a reconcile tick pays. The same rules: a site is
    observed only when every one of its links has a sample, the later row of a repeated series
    wins, capacity comes from the inventory, and samples of unknown sites, links or
    applications are ignored."""

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

    @property
    def network(self) -> Network:
        return self._network

    def pack(self, latest: SampleBatch) -> tuple[BatchObservations, BoolArray]:
        """The observations of every site, and which sites are observed."""
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
        observations = BatchObservations(
            up, values["lat"], values["jit"], values["loss"], values["util"],
            self._capacity.copy(), demand,
        )  # fmt: skip
        return observations, seen.sum(axis=1) == self._links
