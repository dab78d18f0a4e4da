"""Samples into the engine's observations: a CPE that reports link figures but no application
samples gets its demand derived from its link load, split by the catalogue's expected
bandwidth; one that reports its applications keeps what it reported."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from policies.network import Network
from sites.inventory import Inventory
from telemetry.batch import SampleBatch
from telemetry.observations import ObservationPacker
from telemetry.samples import Sample

AT = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


def sample(
    site: str,
    link: str,
    utilization: float,
    *,
    app: str | None = None,
    throughput_bps: float = 0.0,
    up: bool = True,
) -> Sample:
    return Sample(
        site=site, link=link, app=app, timestamp=AT, latency_ms=20.0, jitter_ms=1.0,
        loss_pct=0.0, utilization=utilization, throughput_bps=throughput_bps, up=up,
    )  # fmt: skip


def links_of(inventory: Inventory, site: str) -> list[str]:
    return [link.id for link in inventory.site_by_id[site].links]


def test_demand_is_derived_only_where_no_application_reported(
    small_inventory: Inventory,
) -> None:
    network = Network.from_inventory(small_inventory)
    packer = ObservationPacker(small_inventory, network)
    sites = [s.id for s in network.sites]
    quiet, chatty = sites[0], sites[1]
    rows = [sample(quiet, link, 0.5) for link in links_of(small_inventory, quiet)]
    chatty_links = links_of(small_inventory, chatty)
    rows += [sample(chatty, link, 0.5) for link in chatty_links]
    app = network.apps[0].name
    rows.append(sample(chatty, chatty_links[0], 0.0, app=app, throughput_bps=3e6))
    packed = packer.pack(SampleBatch.from_samples(rows))
    q, c = network.site_index[quiet], network.site_index[chatty]
    assert packed.observed[q] and packed.observed[c]
    assert packed.derived.tolist() == [s == quiet for s in sites]
    # The quiet site's demand: its links' load split by expected bandwidth.
    site = small_inventory.site_by_id[quiet]
    load = sum(0.5 * link.down_mbps for link in site.links)
    expected = {a.name: a.expected_kbps for a in small_inventory.applications}
    kbps = np.array([expected[a.name] for a in network.apps])
    demand = packed.observations.demand_mbps
    assert demand[q] == pytest.approx(load * kbps / kbps.sum())
    # The chatty site keeps exactly what it reported.
    assert demand[c].tolist() == [3.0 if a.name == app else 0.0 for a in network.apps]


def test_a_site_with_no_load_or_a_down_link_derives_nothing_from_it(
    small_inventory: Inventory,
) -> None:
    network = Network.from_inventory(small_inventory)
    packer = ObservationPacker(small_inventory, network)
    site = network.sites[0].id
    links = links_of(small_inventory, site)
    idle = packer.pack(SampleBatch.from_samples([sample(site, k, 0.0) for k in links]))
    assert not idle.derived.any() and not idle.observations.demand_mbps.any()
    rows = [sample(site, links[0], 0.9, up=False)] + [sample(site, k, 0.0) for k in links[1:]]
    down = packer.pack(SampleBatch.from_samples(rows))
    assert not down.derived.any()  # a down link carries nothing, whatever it last said
