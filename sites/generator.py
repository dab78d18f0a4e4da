"""The reference network: a securities firm's hub-spoke WAN with N branches in real cities.

One data-centre hub in Shanghai (two CPEs, two carriers) and N branches placed in real Chinese
cities in proportion to their economic weight. Each hub link carries 1 Gbit/s per 340 branches
begun (1 Gbit/s for the reference's 340, 30 Gbit/s for 10,000): a firm that grows its branches
grows its data centre's lines, so the hub is about as busy at every size. Branch classes follow
the case study in shared/seeds/sdwan-in-securities-haitong.txt: A (large, leased MSTP line
straight to the DC, with an Internet backup), B (MPLS VPN primary, Internet backup), C (one CPE
on one Internet link, some with an LTE last resort). Deterministic for a given (branches, seed).
"""

from __future__ import annotations

import ipaddress
import math
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sites.enums import BranchClass, LinkRole, Platform, SiteRole, Transport
from sites.inventory import Inventory
from sites.reference_data import City, catalogue, cities
from sites.site import Site

HUB_ID = "dc-shanghai"
MGMT_NET = ipaddress.IPv4Network("172.16.0.0/12")
KM_PER_DEGREE = 111.2

# Carriers: the incumbent for leased lines differs north and south of the Yangtze.
TELECOM, UNICOM, MOBILE = "China Telecom", "China Unicom", "China Mobile"
UNICOM_NORTH = {
    "Beijing", "Tianjin", "Hebei", "Shanxi", "Inner Mongolia", "Liaoning", "Jilin",
    "Heilongjiang", "Shandong", "Henan",
}  # fmt: skip
STREETS = (
    "Renmin Road", "Zhongshan Road", "Jiefang Road", "Jianshe Road", "Xinhua Road",
    "Heping Road", "Wenhua Road", "Changjiang Road", "Yingbin Avenue", "Shiji Avenue",
    "Jinrong Street", "Binjiang Avenue", "Huaihai Road", "Yan'an Road", "Dongfeng Road",
    "Beijing Road",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LinkSpec:
    id: str
    transport: Transport
    down: float
    up: float
    role: LinkRole
    cpe_index: int
    monthly_cost: float | None = None
    per_gb: float | None = None


def _class_for(city: City, rng: random.Random) -> BranchClass:
    """Big-city branches are more often large (A); small cities get light branches (C)."""
    weights = (
        (25, 50, 25) if city.weight >= 20 else (15, 50, 35) if city.weight >= 5 else (5, 40, 55)
    )
    return rng.choices((BranchClass.A, BranchClass.B, BranchClass.C), weights)[0]


def _links_for(cls: BranchClass, rng: random.Random) -> tuple[int, list[LinkSpec]]:
    """(number of CPEs, links) for a branch class."""
    if cls is BranchClass.A:
        mstp = rng.choice((10, 10, 20))
        return 2, [
            LinkSpec(
                "mstp-1", Transport.MSTP, mstp, mstp, LinkRole.PRIMARY, 0, 300.0 * mstp + 1500
            ),
            LinkSpec("inet-1", Transport.INTERNET, 200, 50, LinkRole.BACKUP, 1, 1200.0),
        ]
    if cls is BranchClass.B:
        cpes = 2 if rng.random() < 0.3 else 1
        mpls = rng.choice((10, 20, 20, 50))
        return cpes, [
            LinkSpec(
                "mpls-1", Transport.MPLS, mpls, mpls, LinkRole.PRIMARY, 0, 150.0 * mpls + 1000
            ),
            LinkSpec("inet-1", Transport.INTERNET, 200, 30, LinkRole.BACKUP, cpes - 1, 600.0),
        ]
    down = rng.choice((100, 100, 200))
    links = [LinkSpec("inet-1", Transport.INTERNET, down, down / 5, LinkRole.PRIMARY, 0, 400.0)]
    if rng.random() < 0.4:
        links.append(LinkSpec("lte-1", Transport.LTE, 50, 20, LinkRole.LAST_RESORT, 0, per_gb=8.0))
    return 1, links


def _carrier(transport: Transport, province: str) -> str:
    incumbent = UNICOM if province in UNICOM_NORTH else TELECOM
    if transport is Transport.LTE:
        return MOBILE
    if transport is Transport.INTERNET:  # the other big carrier, for diversity from the primary
        return TELECOM if incumbent == UNICOM else UNICOM
    return incumbent


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _spread(city: City, count_in_city: int, rng: random.Random) -> tuple[float, float]:
    """A point around the city centre; busy cities spread wider (uniform over a disc)."""
    radius_km = 3.0 + 1.5 * math.sqrt(count_in_city)
    distance = radius_km * math.sqrt(rng.random())
    angle = rng.random() * 2 * math.pi
    lat = city.latitude + distance * math.cos(angle) / KM_PER_DEGREE
    lon = city.longitude + distance * math.sin(angle) / (
        KM_PER_DEGREE * math.cos(math.radians(city.latitude))
    )
    return round(lat, 5), round(lon, 5)


class _Numbering:
    """Serial numbers and management addresses, unique across the network."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._serials: set[str] = set()
        self._next_address = int(MGMT_NET.network_address) + 1

    def serial(self, prefix: str) -> str:
        while True:
            serial = f"{prefix}{self._rng.randrange(10**9):09d}"
            if serial not in self._serials:
                self._serials.add(serial)
                return serial

    def address(self) -> str:
        address = ipaddress.IPv4Address(self._next_address)
        self._next_address += 1
        return str(address)


def _cpe(numbering: _Numbering, model: str, platform: Platform, creds: str) -> dict[str, Any]:
    return {
        "serial": numbering.serial("BLC"),
        "model": model,
        "platform": platform.value,
        "management_address": numbering.address(),
        "credentials_ref": creds,
    }


def _link(spec: LinkSpec, province: str, cpes: list[dict[str, Any]]) -> dict[str, Any]:
    link: dict[str, Any] = {
        "id": spec.id,
        "transport": spec.transport.value,
        "carrier": _carrier(spec.transport, province),
        "down_mbps": spec.down,
        "up_mbps": spec.up,
        "role": spec.role.value,
        "cpe": cpes[spec.cpe_index]["serial"],
    }
    if spec.per_gb is not None:
        link.update(metered=True, cost_per_gb_cny=spec.per_gb)
    else:
        link["monthly_cost_cny"] = spec.monthly_cost
    return link


HUB_MBPS_PER = (340, 1000)  # branches, and the hub link bandwidth that serves them


def _hub(numbering: _Numbering, branches: int) -> dict[str, Any]:
    cpes = [_cpe(numbering, "BL-H9000", Platform.NETCONF, "vault:cpe/hub") for _ in range(2)]
    per, mbps = HUB_MBPS_PER
    bandwidth = mbps * max(1, math.ceil(branches / per))
    return {
        "id": HUB_ID,
        "name": "Shanghai Zhangjiang Data Centre",
        "city": "Shanghai",
        "address": "Zhangjiang Hi-Tech Park, Pudong, Shanghai",
        "latitude": 31.2036,
        "longitude": 121.5906,
        "role": SiteRole.HUB.value,
        "cpes": cpes,
        "links": [
            {"id": "ct-1", "transport": "MPLS", "carrier": TELECOM, "down_mbps": bandwidth,
             "up_mbps": bandwidth, "role": "primary", "cpe": cpes[0]["serial"],
             "monthly_cost_cny": 60.0 * bandwidth},
            {"id": "cu-1", "transport": "Internet", "carrier": UNICOM, "down_mbps": bandwidth,
             "up_mbps": bandwidth, "role": "primary", "cpe": cpes[1]["serial"],
             "monthly_cost_cny": 30.0 * bandwidth},
        ],
    }  # fmt: skip


PLATFORMS = {
    BranchClass.A: ("BL-E600", (Platform.NETCONF,)),
    BranchClass.B: ("BL-E300", (Platform.HUAWEI_VRP, Platform.HUAWEI_VRP, Platform.CISCO_IOS)),
    BranchClass.C: ("BL-E100", (Platform.HUAWEI_VRP, Platform.CISCO_IOS)),
}


def generate_reference_network(
    branches: int, seed: int = 7, progress: Callable[[int], None] | None = None
) -> Inventory:
    """Build and validate the reference network. `progress(n)` is called as branches are made."""
    if branches < 0:
        raise ValueError("branches must be >= 0")
    rng = random.Random(seed)
    numbering = _Numbering(rng)
    pool = cities()
    placed = rng.choices(pool, weights=[c.weight for c in pool], k=branches)
    totals = Counter(c.name_en for c in placed)
    seen: Counter[str] = Counter()
    raw_sites = [_hub(numbering, branches)]
    for n, city in enumerate(placed, 1):
        seen[city.name_en] += 1
        k = seen[city.name_en]
        cls = _class_for(city, rng)
        cpe_count, specs = _links_for(cls, rng)
        model, platforms = PLATFORMS[cls]
        platform = rng.choice(platforms)
        cpes = [_cpe(numbering, model, platform, "vault:cpe/branch") for _ in range(cpe_count)]
        street = STREETS[(k - 1) % len(STREETS)]
        lap = (k - 1) // len(STREETS)
        lat, lon = _spread(city, totals[city.name_en], rng)
        raw_sites.append(
            {
                "id": f"br-{_slug(city.name_en)}-{k:03d}",
                "name": f"{city.name_en} {street}{f' No.{lap + 1}' if lap else ''} Branch",
                "city": city.name_en,
                "address": f"{rng.randrange(1, 999)} {street}, {city.name_en}, {city.province}",
                "latitude": lat,
                "longitude": lon,
                "role": SiteRole.SPOKE.value,
                "branch_class": cls.value,
                "hubs": [HUB_ID],
                "cpes": cpes,
                "links": [_link(spec, city.province, cpes) for spec in specs],
            }
        )
        if progress is not None:
            progress(n)
    sla_classes, applications = catalogue()
    sites = tuple(Site.model_validate(s) for s in raw_sites)
    return Inventory(
        organisation="Branchline Securities (reference network)",
        sla_classes=sla_classes,
        applications=applications,
        sites=sites,
    )
