"""One configuration, rendered in the dialect its CPE's platform names.

The inventory's `platform` names the configuration dialect; the transport follows from it
(docs/decisions.md): `huawei_vrp` is VRP-like CLI over SSH, `netconf` is the `branchline-cpe`
YANG module over NETCONF. `cisco_ios` has no renderer yet and is refused with a clear error.
"""

from __future__ import annotations

from collections.abc import Callable

from sites.config.model import CpeConfig
from sites.config.vrp import render_vrp
from sites.config.xml import render_xml
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
