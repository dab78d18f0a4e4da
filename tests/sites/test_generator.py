"""The reference network looks like the securities-firm WAN the product is built for."""

from __future__ import annotations

import math
from collections import Counter

from sites.enums import BranchClass, LinkRole, Priority, SiteRole, Transport
from sites.generator import HUB_ID, generate_reference_network
from sites.inventory import Inventory
from sites.loader import dump_inventory, load_inventory_text
from sites.reference_data import catalogue, cities


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(a))


def test_one_dual_cpe_hub_on_two_carriers(reference_340: Inventory) -> None:
    [hub] = reference_340.hubs
    assert hub.id == HUB_ID
    assert len(hub.cpes) == 2
    assert len({link.carrier for link in hub.links}) == 2
    assert {link.cpe for link in hub.links} == {c.serial for c in hub.cpes}


def test_branches_sit_in_real_cities(reference_340: Inventory) -> None:
    by_name = {c.name_en: c for c in cities()}
    spokes = [s for s in reference_340.sites if s.role is SiteRole.SPOKE]
    assert len(spokes) == 340
    per_city = Counter(s.city for s in spokes)
    assert len(per_city) > 100  # spread over the country, not piled in one place
    for site in spokes:
        city = by_name[site.city]
        radius = 3.0 + 1.5 * math.sqrt(per_city[site.city])
        distance = km_between(site.latitude, site.longitude, city.latitude, city.longitude)
        assert distance <= radius + 0.1, (site.id, distance)
        assert 18 <= site.latitude <= 54 and 73 <= site.longitude <= 135


def test_class_mix_and_matching_link_mix(reference_340: Inventory) -> None:
    spokes = [s for s in reference_340.sites if s.role is SiteRole.SPOKE]
    classes = Counter(s.branch_class for s in spokes)
    assert all(classes[c] >= 20 for c in BranchClass), classes
    lte_sites = 0
    for site in spokes:
        primary = [link for link in site.links if link.role is LinkRole.PRIMARY]
        transports = sorted(link.transport for link in site.links)
        if site.branch_class is BranchClass.A:
            assert primary[0].transport is Transport.MSTP  # leased line straight to the DC
            assert len(site.cpes) == 2
        elif site.branch_class is BranchClass.B:
            assert transports == sorted([Transport.MPLS, Transport.INTERNET])
            assert primary[0].transport is Transport.MPLS
        else:
            assert len(site.cpes) == 1
            assert primary[0].transport is Transport.INTERNET
            assert [link.transport for link in site.links if link is not primary[0]] in (
                [],
                [Transport.LTE],
            )
            lte = [link for link in site.links if link.transport is Transport.LTE]
            if lte:
                lte_sites += 1
                assert lte[0].metered and lte[0].role is LinkRole.LAST_RESORT
    assert 0 < lte_sites < classes[BranchClass.C]  # "some" class C branches have LTE backup


def test_catalogue_from_the_flow_list() -> None:
    sla_classes, apps = catalogue()
    names = {a.name for a in apps}
    assert {"o32-trading", "market-data", "call-centre-voice", "hd-video", "file-transfer",
            "office-web"} <= names  # fmt: skip
    by_name = {a.name: a for a in apps}
    assert by_name["o32-trading"].priority is Priority.HIGH
    assert by_name["hd-video"].priority is Priority.LOW
    classes = {c.name: c for c in sla_classes}
    trading = classes[by_name["o32-trading"].sla_class]
    bulk = classes[by_name["file-transfer"].sla_class]
    assert trading.max_latency_ms < bulk.max_latency_ms
    assert len(apps) == 16


def test_deterministic_per_seed() -> None:
    a = dump_inventory(generate_reference_network(50, seed=3))
    assert a == dump_inventory(generate_reference_network(50, seed=3))
    assert a != dump_inventory(generate_reference_network(50, seed=4))


def test_ten_thousand_branches_repeat_cities_and_stay_valid() -> None:
    inventory = generate_reference_network(10_000, seed=7)
    assert len(inventory.sites) == 10_001
    assert len({s.id for s in inventory.sites}) == 10_001
    assert Counter(s.city for s in inventory.sites).most_common(1)[0][1] > 100
    assert inventory.rule_problems() == []


def test_generated_text_validates(reference_340: Inventory) -> None:
    assert load_inventory_text(dump_inventory(reference_340)) == reference_340
