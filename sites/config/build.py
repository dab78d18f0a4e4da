"""Assemble the intended configuration of a site's CPEs from the inventory. Pure.

The policy part comes in as plain data (`SitePathPolicy`, built by
`policies.cpe_policy.site_path_policy`), the steering as app -> link id (the controller's
current paths), the management endpoints from the controller's settings.
"""

from __future__ import annotations

from collections.abc import Mapping

from sites.config.model import (
    AppConfig,
    CpeConfig,
    Identity,
    Management,
    Probes,
    Tunnel,
    WanLinkConfig,
)
from sites.config.policy import SitePathPolicy
from sites.enums import SiteRole, Transport
from sites.errors import ConfigError
from sites.inventory import Inventory
from sites.site import Cpe, Site


def build_site_configs(
    inventory: Inventory,
    site_id: str,
    path_policy: SitePathPolicy,
    steering: Mapping[str, str],
    management: Management,
    *,
    probe_interval_ms: int = 1000,
) -> dict[str, CpeConfig]:
    """The configuration of every CPE of one site, by serial number.

    An application without steering goes to the first link of its failover order (what the
    engine's first placement does when every link is up).
    """
    site = inventory.site_by_id.get(site_id)
    if site is None:
        raise ConfigError(f"site: no site with id {site_id!r}")
    links = {link.id for link in site.links}
    paths = {p.application: p for p in path_policy.applications}
    names = {app.name for app in inventory.applications}
    for app_name, link_id in sorted(steering.items()):
        if app_name not in names:
            raise ConfigError(f"steering.{app_name}: no application named {app_name!r}")
        if link_id not in links:
            raise ConfigError(f"steering.{app_name}: site {site_id!r} has no link {link_id!r}")
    missing = sorted(names - set(paths))
    if missing:
        raise ConfigError(f"path_policy.applications: no path for {', '.join(missing)}")
    classes = {c.name: c for c in inventory.sla_classes}
    apps = []
    for app in inventory.applications:
        path = paths[app.name]
        sla = classes[app.sla_class]
        apps.append(
            AppConfig(
                name=app.name,
                priority=app.priority,
                match=app.match,
                sla_class=sla.name,
                max_latency_ms=round(sla.max_latency_ms, 3),
                max_jitter_ms=round(sla.max_jitter_ms, 3),
                max_loss_pct=round(sla.max_loss_pct, 3),
                modes=path.modes,
                offloadable=path.offloadable,
                failover=path.failover,
                link=steering.get(app.name, path.failover[0]),
            )
        )
    probes = Probes(interval_ms=probe_interval_ms, dampening=path_policy.dampening)
    return {
        cpe.serial: CpeConfig(
            identity=_identity(site, index),
            management=management,
            wan_links=_wan_links(site, cpe, path_policy),
            tunnels=_tunnels(inventory, site, cpe),
            probes=probes,
            applications=tuple(apps),
        )
        for index, cpe in enumerate(site.cpes)
    }


def _identity(site: Site, index: int) -> Identity:
    cpe = site.cpes[index]
    # One CPE: the site id is the hostname; two: numbered in inventory order.
    hostname = site.id if len(site.cpes) == 1 else f"{site.id}-{index + 1}"
    return Identity(
        hostname=hostname,
        site=site.id,
        serial=cpe.serial,
        role=site.role,
        branch_class=site.branch_class,
    )


def interface_names(site: Site, cpe: Cpe) -> dict[str, str]:
    """Link id -> interface of the links `cpe` terminates, numbered per kind in inventory order
    (VRP-style slot/card/port: GigabitEthernet0/0/0, Cellular0/0/0)."""
    counts: dict[str, int] = {}
    names = {}
    for link in site.links:
        if link.cpe != cpe.serial:
            continue
        kind = "Cellular" if link.transport is Transport.LTE else "GigabitEthernet"
        n = counts.get(kind, 0)
        counts[kind] = n + 1
        names[link.id] = f"{kind}0/0/{n}"
    return names


def _wan_links(site: Site, cpe: Cpe, path_policy: SitePathPolicy) -> tuple[WanLinkConfig, ...]:
    bands = {band.link: band for band in path_policy.links}
    local = interface_names(site, cpe)
    out = []
    for link in site.links:
        band = bands.get(link.id)
        if band is None:
            raise ConfigError(f"path_policy.links: no utilization band for link {link.id!r}")
        out.append(
            WanLinkConfig(
                link=link.id,
                interface=local.get(link.id),
                transport=link.transport,
                carrier=link.carrier,
                role=link.role,
                metered=link.metered,
                down_kbps=round(link.down_mbps * 1000),
                up_kbps=round(link.up_mbps * 1000),
                upper_pct=band.upper_pct,
                lower_pct=band.lower_pct,
            )
        )
    return tuple(out)


def _tunnels(inventory: Inventory, site: Site, cpe: Cpe) -> tuple[Tunnel, ...]:
    # Hub CPEs answer the spokes' tunnels (they hold no per-spoke configuration); a spoke opens
    # one tunnel from each of its local links to each CPE of each hub it attaches to.
    if site.role is SiteRole.HUB:
        return ()
    tunnels = []
    for link in site.links:
        if link.cpe != cpe.serial:
            continue
        for hub_id in site.hubs:
            for hub_cpe in inventory.site_by_id[hub_id].cpes:
                tunnels.append(
                    Tunnel(
                        name=f"{link.id}.{hub_cpe.serial.lower()}",
                        link=link.id,
                        hub_site=hub_id,
                        hub_cpe=hub_cpe.serial,
                        remote=hub_cpe.management_address,
                    )
                )
    return tuple(tunnels)


def day0_config(config: CpeConfig) -> CpeConfig:
    """What a device needs to reach the controller and be reached (its day-0 bootstrap): its
    identity, the controller's endpoints, its WAN links and probes. The tunnels and the
    applications come with the full configuration the controller then pushes and confirms."""
    return config.model_copy(update={"tunnels": (), "applications": ()})
