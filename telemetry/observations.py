"""Samples become the observations the policy engine evaluates.

The newest link-level sample of every link of a site gives its `LinkObservation`; capacity comes
from the inventory (the link's downstream bandwidth). Application samples give the demand: their
throughput summed over the links that carry the app. A site is observed only when every one of
its links has a fresh sample: a silent link is "no data", which is not the same as "down", and
the engine is not asked to guess.
"""

from __future__ import annotations

from collections import defaultdict

from policies.observations import LinkObservation, SiteObservation
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
