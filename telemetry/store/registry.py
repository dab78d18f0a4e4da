"""Named store backends, imported only when opened (DESIGN §4.1).

`open_store("embedded", path=...)` or `open_store("influxdb", url=..., spool_dir=...)`: the
options are validated by the backend's settings model, so a typo is an error naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from sites.registry import Registry, bad_options
from telemetry.errors import StoreSettingsError, UnknownBackendError
from telemetry.store.base import TelemetryStore

Factory = Callable[..., TelemetryStore]

STORES: Registry[Factory] = Registry(
    "telemetry store",
    {
        "embedded": "telemetry.store.embedded:open_store",
        "influxdb": "telemetry.store.influx:open_store",
    },
    UnknownBackendError,
)


def register(name: str, target: str) -> None:
    """Register a backend as 'package.module:factory'; the module is imported on first use."""
    STORES.register(name, target)


def backends() -> list[str]:
    """Names of the registered backends."""
    return STORES.names()


def resolve(name: str) -> Factory:
    """The factory registered under `name`, importing its module now."""
    return STORES.resolve(name)


def open_store(name: str, **options: Any) -> TelemetryStore:
    """Open the backend `name` with its settings given as keyword options.

    Raises `StoreSettingsError` naming every bad option, `TelemetryStoreError` if the store
    cannot open.
    """
    factory = resolve(name)
    try:
        return factory(**options)
    except ValidationError as exc:
        problems = bad_options(exc)
        raise StoreSettingsError(f"telemetry store {name!r}: {problems}") from exc
