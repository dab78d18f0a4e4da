"""The configuration of one CPE as data: what the controller intends a device to run.

Pure and frozen. `sites.config.build` assembles it from the inventory, the site's path policy
(plain data, `sites.config.policy`) and the current steering; the renderers turn it into
NETCONF XML for the `branchline-cpe` YANG module or CLI lines.

Units are the device's: bandwidth in kbit/s, latency and jitter in ms, loss and utilization in
percent, times in seconds or milliseconds as named. The numeric bounds are the YANG module's
ranges, so a configuration that validates here is one the device accepts.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import Field

from sites.applications import TrafficMatch
from sites.base import FrozenModel, Identifier, Name
from sites.config.policy import Dampening, Percent
from sites.enums import AddressMode, BranchClass, LinkRole, PathMode, Priority, SiteRole, Transport
from sites.errors import Problem

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Port = Annotated[int, Field(ge=1, le=65535)]
Kbps = Annotated[int, Field(ge=1, le=100_000_000)]
Millis = Annotated[float, Field(gt=0, le=10_000)]
Hostname = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{0,79}$")]
TunnelName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,119}$")]
InterfaceName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9/.:-]{0,63}$")]


class Identity(FrozenModel):
    """Who the device is."""

    hostname: Hostname
    site: Identifier
    serial: str = Field(pattern=r"^[A-Za-z0-9-]{4,40}$")
    role: SiteRole
    branch_class: BranchClass | None = None


class Endpoint(FrozenModel):
    address: IpAddress
    port: Port


class Management(FrozenModel):
    """Where the device reports, and when it stops waiting for the controller."""

    controller: Endpoint
    telemetry: Endpoint
    telemetry_interval_s: int = Field(default=10, ge=1, le=3600)
    syslog: Endpoint
    headless_after_s: int = Field(
        default=30,
        ge=1,
        le=86_400,
        description="no answer from the controller for this long: the CPE steers on its own",
    )


class WanLinkConfig(FrozenModel):
    """One WAN link of the site. `interface` is None for a link on the site's other CPE:
    traffic steered to it crosses to that CPE."""

    link: Identifier
    interface: InterfaceName | None = None
    transport: Transport
    carrier: Name
    role: LinkRole
    metered: bool = False
    down_kbps: Kbps
    up_kbps: Kbps
    addressing: AddressMode = AddressMode.DHCP
    upper_pct: Percent
    lower_pct: Percent

    def rule_problems(self) -> list[Problem]:
        if not self.lower_pct < self.upper_pct:
            return [Problem(("lower_pct",), "must be below upper_pct")]
        return []


class Tunnel(FrozenModel):
    """An overlay tunnel from a local WAN link to one hub CPE."""

    name: TunnelName
    link: Identifier
    hub_site: Identifier
    hub_cpe: str = Field(pattern=r"^[A-Za-z0-9-]{4,40}$")
    remote: IpAddress


class Probes(FrozenModel):
    """Every tunnel is probed at this interval; the dampening decides SLA violation."""

    interval_ms: int = Field(default=1000, ge=100, le=60_000)
    dampening: Dampening


class AppConfig(FrozenModel):
    """One application: how it is recognised, what it needs, where it goes."""

    name: Identifier
    priority: Priority
    match: TrafficMatch
    sla_class: Identifier
    max_latency_ms: Millis
    max_jitter_ms: Millis
    max_loss_pct: Percent
    modes: tuple[PathMode, ...] = Field(min_length=1)
    offloadable: bool
    failover: tuple[Identifier, ...] = Field(min_length=1)
    link: Identifier = Field(description="the link the controller steers it to now")


class CpeConfig(FrozenModel):
    """The whole intended configuration of one CPE."""

    identity: Identity
    management: Management
    wan_links: tuple[WanLinkConfig, ...] = Field(min_length=1)
    tunnels: tuple[Tunnel, ...] = ()
    probes: Probes
    applications: tuple[AppConfig, ...] = ()

    def rule_problems(self) -> list[Problem]:
        links = {w.link for w in self.wan_links}
        local = {w.link for w in self.wan_links if w.interface is not None}
        problems = []
        if not local:
            problems.append(Problem(("wan_links",), "a CPE needs at least one local interface"))
        for i, tunnel in enumerate(self.tunnels):
            if tunnel.link not in local:
                problems.append(Problem(("tunnels", i, "link"), f"no local link {tunnel.link!r}"))
        for i, app in enumerate(self.applications):
            if app.link not in links:
                problems.append(Problem(("applications", i, "link"), f"no link {app.link!r}"))
            problems += [
                Problem(("applications", i, "failover", j), f"no link {link!r}")
                for j, link in enumerate(app.failover)
                if link not in links
            ]
        return problems
