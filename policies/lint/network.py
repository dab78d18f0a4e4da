"""Checks of a policy against an inventory: names, physics, metered links, single-link sites.

"Physics" is a floor, never an estimate: the best a transport can do on a perfect day, plus the
great-circle round trip to the hub in fibre. A class flagged here cannot be met by any tuning;
one that passes may still fail on real routes (fibre paths run longer than great circles).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from policies.lint.checks import AppGroup, name_list
from policies.lint.report import Code, Finding, Severity
from policies.policy import Mode, Policy
from sites.applications import SlaClass
from sites.enums import SiteRole, Transport
from sites.inventory import Inventory
from sites.site import Site, WanLink

FIBRE_KM_PER_MS = 200.0
"""Light in glass (refractive index ~1.47) covers about 200 km per millisecond."""
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True, slots=True)
class Floor:
    """The least a transport adds to a round trip, and the least jitter it shows, in ms."""

    rtt_ms: float
    jitter_ms: float
    why: str


TRANSPORT_FLOORS: Mapping[Transport, Floor] = MappingProxyType(
    {
        Transport.MSTP: Floor(1.0, 0.1, "a TDM circuit: fixed path and time slots, no queue"),
        Transport.MPLS: Floor(2.0, 0.5, "provider-edge queues, even with QoS"),
        Transport.INTERNET: Floor(4.0, 1.0, "last-mile access and best-effort peering"),
        Transport.LTE: Floor(
            20.0, 5.0, "radio scheduling grants and HARQ retransmissions (8 ms each)"
        ),
    }
)
"""Per-transport floors. Loss has none: every transport can run clean on a good day."""


def great_circle_km(a: Site, b: Site) -> float:
    """Distance between two sites along the Earth's surface (haversine)."""
    la, lb = math.radians(a.latitude), math.radians(b.latitude)
    dlat, dlon = lb - la, math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(la) * math.cos(lb) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class _Path:
    """The best one link of a site can do towards its hub, against one SLA class."""

    site: Site
    link: WanLink
    hub: Site | None
    km: float
    latency_ms: float
    jitter_ms: float
    ratio: float
    """max(latency / limit, jitter / limit): <= 1 can meet the class."""


def _nearest_hub(site: Site, hubs: Mapping[str, Site]) -> tuple[Site | None, float]:
    # Traffic is branch <-> data centre (DESIGN §1); a hub's own apps travel no distance.
    if site.role is SiteRole.HUB:
        return None, 0.0
    candidates = [hubs[h] for h in site.hubs if h in hubs] or list(hubs.values())
    if not candidates:
        return None, 0.0
    hub = min(candidates, key=lambda h: great_circle_km(site, h))
    return hub, great_circle_km(site, hub)


def _paths(site: Site, hubs: Mapping[str, Site], sla: SlaClass) -> list[_Path]:
    hub, km = _nearest_hub(site, hubs)
    paths = []
    for link in site.links:
        floor = TRANSPORT_FLOORS[link.transport]
        latency = 2 * km / FIBRE_KM_PER_MS + floor.rtt_ms
        ratio = max(latency / sla.max_latency_ms, floor.jitter_ms / sla.max_jitter_ms)
        paths.append(_Path(site, link, hub, km, latency, floor.jitter_ms, ratio))
    return paths


def check_application_names(policy: Policy, inventory: Inventory) -> Iterator[Finding]:
    """Overrides for applications the inventory does not have (the engine refuses them)."""
    known = [a.name for a in inventory.applications]
    for name in policy.applications:
        if name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {name_list(known, 6)}"
        yield Finding(
            Severity.ERROR,
            Code.UNKNOWN_APPLICATION,
            f"applications.{name}",
            f"no application {name!r} in the inventory, so this override applies to nothing "
            f"(and the engine refuses the policy); {hint}",
        )


def check_sla_physics(policy: Policy, inventory: Inventory) -> Iterator[Finding]:
    """SLA classes that no link of some site can meet, and apps left with metered links only."""
    hubs = {h.id: h for h in inventory.hubs}
    classes = {c.name: c for c in inventory.sla_classes}
    users: dict[str, list[str]] = {}
    for app in inventory.applications:
        users.setdefault(app.sla_class, []).append(app.name)
    metered_only: dict[str, list[str]] = {}  # site id -> apps whose capable links are metered
    for class_name, apps in users.items():
        failing: list[_Path] = []
        for site in inventory.sites:
            paths = _paths(site, hubs, classes[class_name])
            capable = [p for p in paths if p.ratio <= 1.0]
            if not capable:
                failing.append(min(paths, key=lambda p: p.ratio))
            elif all(p.link.metered for p in capable):
                metered_only.setdefault(site.id, []).extend(apps)
        if failing:
            yield _unmeetable(classes[class_name], apps, failing, len(inventory.sites))
    if policy.metered_last_resort_only:
        yield from _metered(inventory, metered_only)


def _unmeetable(sla: SlaClass, apps: list[str], failing: list[_Path], sites: int) -> Finding:
    worst = max(failing, key=lambda p: p.ratio)
    over_latency = worst.latency_ms / sla.max_latency_ms
    over_jitter = worst.jitter_ms / sla.max_jitter_ms
    floor = TRANSPORT_FLOORS[worst.link.transport]
    transport = worst.link.transport.value
    if over_latency >= over_jitter:
        metric = "max_latency_ms"
        to = f" to {worst.hub.id} ({worst.km:,.0f} km)" if worst.hub else ""
        detail = (
            f"the round trip{to} is at least {worst.latency_ms:.1f} ms ("
            f"{2 * worst.km / FIBRE_KM_PER_MS:.1f} ms of great-circle fibre at "
            f"{FIBRE_KM_PER_MS:g} km/ms + {floor.rtt_ms:g} ms {transport} access) "
            f"> max latency {sla.max_latency_ms:g} ms"
        )
        need = f"max_latency_ms >= {math.ceil(max(p.latency_ms for p in failing)):d}"
    else:
        metric = "max_jitter_ms"
        detail = (
            f"{transport} jitter is at least {worst.jitter_ms:g} ms ({floor.why}) "
            f"> max jitter {sla.max_jitter_ms:g} ms"
        )
        need = f"max_jitter_ms >= {max(p.jitter_ms for p in failing):g}"
    return Finding(
        Severity.ERROR,
        Code.SLA_UNMEETABLE,
        f"inventory.sla_classes.{sla.name}.{metric}",
        f"SLA class {sla.name!r} (used by {name_list(apps)}) cannot be met by any link at "
        f"{len(failing)} of {sites} sites; worst {worst.site.id} via {worst.link.id}: {detail}. "
        f"Its apps run best-effort there; loosen the class ({need}) or give them another class",
    )


def _metered(inventory: Inventory, metered_only: dict[str, list[str]]) -> Iterator[Finding]:
    # Sites with the same stranded apps make one finding: an all-LTE rollout is one decision.
    groups: dict[tuple[str, ...], list[str]] = {}
    for site_id, stranded in metered_only.items():
        groups.setdefault(tuple(stranded), []).append(site_id)
    every = len(inventory.applications)
    for apps, site_ids in groups.items():
        which = "every application" if len(apps) == every else name_list(apps)
        links = ", ".join(
            link.id for link in inventory.site_by_id[site_ids[0]].links if link.metered
        )
        yield Finding(
            Severity.WARNING,
            Code.ONLY_METERED_LINKS,
            "metered_last_resort_only",
            f"at {len(site_ids)} site{'s' if len(site_ids) != 1 else ''} "
            f"({name_list(site_ids)}) the only links that can carry {which} are metered "
            f"({links} at {site_ids[0]}): metered_last_resort_only cannot keep that traffic off "
            "per-GB links, it runs there all the time; add an unmetered link or accept the cost",
        )


def check_share(groups: list[AppGroup], inventory: Inventory) -> Iterator[Finding]:
    """Bandwidth share where a site has a single link: there is nothing to choose between."""
    single = [s.id for s in inventory.sites if len(s.links) == 1]
    if not single:
        return
    for group in groups:
        if not group.uses(Mode.SHARE):
            continue
        yield Finding(
            Severity.WARNING,
            Code.SHARE_SINGLE_LINK,
            f"{group.field}.modes",
            f"share mode of {group.describe()} has one link to choose from at {len(single)} of "
            f"{len(inventory.sites)} sites ({name_list(single, 3)}): there it never moves "
            "traffic and only reports share-overflow when the link is full; give those sites "
            "a second link, or expect share to act only where there is one",
        )
