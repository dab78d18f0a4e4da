"""The data the map page embeds: one compact row per site, and the hubs' positions.

Read straight from the snapshot's arrays: `HealthSnapshot.site()` builds every field of one
site and costs too much 10,000 times over (see docs/telemetry.md, "The map").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from sites.enums import SiteRole
from sites.inventory import Inventory
from sites.reference_data import cities
from telemetry.health import HealthSnapshot, Status
from telemetry.health.hub import best_scores
from telemetry.health.model import STATUS_BY_CODE

# Index into `scripts.COLOURS`; a higher code is worse (a cluster shows its worst site).
STATUS_CODE = {status: code for code, status in enumerate(STATUS_BY_CODE)}


@dataclass(frozen=True, slots=True)
class MapData:
    """Rows for FastMarkerCluster and the hubs' `[lat, lon]`, which rows refer to by index.

    Row: `[lat, lon, status, id, name, [hub index...], line quality, opening, city, class,
    transports, carriers]` (what a site's marker, search, filters and table need; its panel
    fetches the rest, `details.site_details`); `opening` is "" for a
    site in service, else where its opening stands (`OPENING`); `city` is the site's city, with
    its Chinese name when the reference data knows it (the page's search finds either);
    `class` the branch class ("" for a hub); `transports` and `carriers` bit masks over
    `MapData.transports` and `MapData.carriers` (the page's filters).
    """

    rows: list[list[Any]]
    hubs: list[list[float]]
    transports: list[str]
    carriers: list[str]


OPENING = {"planned": "planned", "invited": "planned", "claimed": "planned",
           "provisioning": "provisioning", "failed": "failed"}  # fmt: skip
"""A site's lifecycle state (`controller.store.ztp_store.SiteState`) as the map tells it: a
site still to be opened, one whose CPE is being provisioned, one whose opening failed. An
online site is in service and shown by its health."""


def opening_states(lifecycle: Mapping[str, str]) -> dict[str, str]:
    """{site: opening} for the sites of `lifecycle` ({site: state}) not yet in service."""
    return {site: OPENING[state] for site, state in lifecycle.items() if state in OPENING}


def map_data(
    inventory: Inventory, snapshot: HealthSnapshot, opening: Mapping[str, str] | None = None
) -> MapData:
    """The rows of every site of `inventory` (sites the snapshot does not know are grey);
    `opening`: `opening_states` of the sites being opened."""
    opening = opening or {}
    layout = snapshot.layout
    codes = dict(zip(layout.site_ids, snapshot.status.tolist(), strict=True))
    hub_ids = [s.id for s in inventory.sites if s.role is SiteRole.HUB]
    hub_index = {h: i for i, h in enumerate(hub_ids)}
    by_id = {s.id: s for s in inventory.sites}
    hubs = [[by_id[h].latitude, by_id[h].longitude] for h in hub_ids]
    quality = line_codes(snapshot)
    grey = STATUS_CODE[Status.GREY]
    rows: list[list[Any]] = []
    chinese = chinese_city_names()
    transports = sorted({str(k.transport) for s in inventory.sites for k in s.links})
    carriers = sorted({k.carrier for s in inventory.sites for k in s.links})
    t_bit = {t: 1 << i for i, t in enumerate(transports)}
    c_bit = {c: 1 << i for i, c in enumerate(carriers)}
    for site in inventory.sites:
        status = codes.get(site.id, grey)  # a site the snapshot does not know is grey
        attached = [hub_index[h] for h in site.hubs if h in hub_index]
        line = quality.get(site.id, grey)
        rows.append([site.latitude, site.longitude, status, site.id, site.name, attached, line,
                     opening.get(site.id, ""), _city(site.city, chinese),
                     site.branch_class.value if site.branch_class else "",
                     sum({t_bit[str(k.transport)] for k in site.links}),
                     sum({c_bit[k.carrier] for k in site.links})])  # fmt: skip
    return MapData(rows=rows, hubs=hubs, transports=transports, carriers=carriers)


@cache
def chinese_city_names() -> dict[str, str]:
    """{English name: Chinese name} of the cities the reference data knows."""
    return {c.name_en.lower(): c.name_zh for c in cities()}


def _city(city: str, chinese: dict[str, str]) -> str:
    """The city as the page's search finds it: its name, and its Chinese name when known."""
    zh = chinese.get(city.lower())
    return city if zh is None or zh == city else f"{city} {zh}"


def line_codes(snapshot: HealthSnapshot) -> dict[str, int]:
    """{site: colour code of its spoke-hub lines} for every spoke of the snapshot: green when
    its best path (`hub_quality`) meets every critical SLA class, amber when not, red when no
    link is up, grey without data."""
    layout = snapshot.layout
    scores, _ = best_scores(snapshot)
    code = np.where(
        np.isfinite(scores),
        np.where(scores <= 1, STATUS_CODE[Status.GREEN], STATUS_CODE[Status.AMBER]),
        STATUS_CODE[Status.RED],
    )
    grey = snapshot.status == STATUS_CODE[Status.GREY]
    code = np.where(grey, STATUS_CODE[Status.GREY], code).tolist()
    return {site: code[i] for i, site in enumerate(layout.site_ids) if layout.hubs[i]}


def status_codes(inventory: Inventory, snapshot: HealthSnapshot) -> dict[str, int]:
    """{site: status code} for every site of `inventory`; sites the snapshot lacks are grey."""
    codes = dict(zip(snapshot.layout.site_ids, snapshot.status.tolist(), strict=True))
    grey = STATUS_CODE[Status.GREY]
    return {s.id: codes.get(s.id, grey) for s in inventory.sites}
