"""One configuration, rendered in the dialect its CPE's platform names.

The inventory's `platform` names the configuration dialect; the transport follows from it
(docs/decisions.md): `huawei_vrp` is VRP-like CLI over SSH, `netconf` is the `branchline-cpe`
YANG module over NETCONF. `cisco_ios` has no renderer yet and is refused with a clear error.
"""

from __future__ import annotations

from collections.abc import Callable

from sites.config.cli_diff import cli_remediation
from sites.config.diff import diff_configs
from sites.config.model import CpeConfig
from sites.config.vrp import render_vrp
from sites.config.xml import parse_xml, render_xml
from sites.enums import Platform
from sites.errors import ConfigError

RENDERERS: dict[Platform, Callable[[CpeConfig], str]] = {
    Platform.HUAWEI_VRP: render_vrp,
    Platform.NETCONF: render_xml,
}


def render(config: CpeConfig, platform: Platform) -> str:
    """The configuration as a device of `platform` shows it (VRP text or NETCONF XML)."""
    renderer = RENDERERS.get(platform)
    if renderer is None:
        known = ", ".join(sorted(RENDERERS))
        raise ConfigError(
            f"platform: no configuration dialect for {platform.value!r} yet (rendered: {known})"
        )
    return renderer(config)


def compare(platform: Platform, intended: str, running: str) -> str:
    """What differs between two configurations of `platform` (as rendered, or as the device
    shows them), one line per difference; "" when they configure the same. Raises
    `ConfigError` for text that is no configuration of that dialect."""
    if platform is Platform.NETCONF:
        changes = diff_configs(parse_xml(intended), parse_xml(running))
        return "\n".join(change.render() for change in changes)
    if platform is Platform.HUAWEI_VRP:
        return "\n".join(cli_remediation(intended, running).diff)
    raise ConfigError(f"platform: no configuration dialect for {platform.value!r} yet")
