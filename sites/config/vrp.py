"""The CLI dialect of the seed's vendor (Huawei VRP-like), rendered from a `CpeConfig`.

`render_vrp` gives what `display current-configuration` shows: top-level commands with their
sub-commands indented by one space, blocks separated by `#`, and `return` at the end.
`push_lines` wraps configuration lines in `system-view` ... `return`, as typed on a device.
Deterministic: the same model gives the same text.
"""

from __future__ import annotations

from collections.abc import Iterable

from sites.config.model import AppConfig, CpeConfig, WanLinkConfig
from sites.config.xml import leaf_text

Block = list[str]


def _identity(config: CpeConfig) -> list[Block]:
    ident = config.identity
    site = [f"sdwan site {ident.site}", f" serial {ident.serial}", f" role {ident.role}"]
    if ident.branch_class is not None:
        site.append(f" branch-class {ident.branch_class}")
    return [[f"sysname {ident.hostname}"], site]


def _management(config: CpeConfig) -> list[Block]:
    m = config.management
    return [
        [f"info-center loghost {m.syslog.address} port {m.syslog.port}"],
        [
            f"sdwan controller {m.controller.address} port {m.controller.port}",
            f" telemetry {m.telemetry.address} port {m.telemetry.port}"
            f" interval {m.telemetry_interval_s}",
            f" headless-after {m.headless_after_s}",
        ],
    ]


def _wan_link(w: WanLinkConfig) -> list[Block]:
    blocks = []
    if w.interface is not None:
        blocks.append(
            [f"interface {w.interface}", f" description wan {w.link}", " ip address dhcp-alloc"]
        )
    link = [
        f"sdwan wan-link {w.link}",
        f" interface {w.interface}" if w.interface else " peer-cpe",
        f" transport {w.transport}",
        f" carrier {w.carrier}",
        f" role {w.role}",
    ]
    if w.metered:
        link.append(" metered")
    link += [
        f" bandwidth down {w.down_kbps} up {w.up_kbps}",
        f" address {w.addressing}",
        f" utilization upper {leaf_text(w.upper_pct)} lower {leaf_text(w.lower_pct)}",
    ]
    return [*blocks, link]


def _tunnels(config: CpeConfig) -> list[Block]:
    interfaces = {w.link: w.interface for w in config.wan_links}
    return [
        [
            f"interface Tunnel0/0/{i}",
            f" description {t.name}",
            " tunnel-protocol gre",
            f" source {interfaces[t.link]}",
            f" destination {t.remote}",
            f" sdwan tunnel {t.name} link {t.link} hub {t.hub_site} cpe {t.hub_cpe}",
        ]
        for i, t in enumerate(config.tunnels)
    ]


def _probes(config: CpeConfig) -> Block:
    p = config.probes
    d = p.dampening
    return [
        "sdwan probe",
        f" interval {p.interval_ms}",
        f" dampening bad {d.bad_samples} good {d.good_samples} hold-down {d.hold_down_s}",
    ]


def _application(app: AppConfig) -> Block:
    m = app.match
    lines = [
        f"sdwan application {app.name}",
        f" priority {app.priority}",
        f" match protocol {m.protocol}",
    ]
    lines += [f" match port {p}" for p in m.ports]
    lines += [f" match dscp {d}" for d in m.dscp]
    lines += [f" match destination {d}" for d in m.destinations]
    lines += [
        f" sla-class {app.sla_class} latency {leaf_text(app.max_latency_ms)}"
        f" jitter {leaf_text(app.max_jitter_ms)} loss {leaf_text(app.max_loss_pct)}",
        f" mode {' '.join(app.modes)}",
    ]
    if app.offloadable:
        lines.append(" offload enable")
    lines += [f" failover {' '.join(app.failover)}", f" link {app.link}"]
    return lines


def blocks(config: CpeConfig) -> list[Block]:
    """The configuration as top-level blocks, in the order the device shows them."""
    out = _identity(config) + _management(config)
    for w in config.wan_links:
        out += _wan_link(w)
    out += _tunnels(config)
    out.append(_probes(config))
    out += [_application(app) for app in config.applications]
    return out


def render_vrp(config: CpeConfig) -> str:
    """The configuration as `display current-configuration` shows it."""
    lines = ["#"]
    for block in blocks(config):
        lines += [*block, "#"]
    return "\n".join([*lines, "return"]) + "\n"


def push_lines(lines: Iterable[str]) -> list[str]:
    """Configuration lines as typed on the device: into system view, the lines, back out."""
    return ["system-view", *lines, "return"]
