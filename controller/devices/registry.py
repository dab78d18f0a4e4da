"""Device drivers by platform (the inventory's `platform` of a CPE), each imported only when a
device of that platform is talked to: `open_driver(Platform.NETCONF, endpoint)`. The platform
names the configuration dialect, and the dialect its transport (docs/decisions.md)."""

from __future__ import annotations

from collections.abc import Callable

from controller.devices.base import DeviceDriver, Endpoint
from sites.enums import Platform
from sites.errors import BranchlineError
from sites.registry import Registry


class UnknownPlatformError(BranchlineError):
    """No driver for a device's platform yet."""


DRIVERS: Registry[Callable[[Endpoint], DeviceDriver]] = Registry(
    "device driver",
    {
        Platform.NETCONF.value: "controller.devices.netconf:NetconfDriver",
        Platform.HUAWEI_VRP.value: "controller.devices.cli:CliDriver",
    },
    UnknownPlatformError,
)


def open_driver(platform: Platform, endpoint: Endpoint) -> DeviceDriver:
    """A driver for a device of `platform` at `endpoint` (not connected yet)."""
    return DRIVERS.resolve(platform.value)(endpoint)
