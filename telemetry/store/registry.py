"""Named store backends, imported only when opened (DESIGN §4.1).

`open_store("embedded", path=...)` or `open_store("influxdb", url=..., spool_dir=...)`: the
options are validated by the backend's settings model, so a typo is an error naming the field.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, cast

from pydantic import ValidationError

from telemetry.errors import StoreSettingsError, UnknownBackendError
from telemetry.store.base import TelemetryStore

Factory = Callable[..., TelemetryStore]

_BACKENDS: dict[str, str] = {
    "embedded": "telemetry.store.embedded:open_store",
    "influxdb": "telemetry.store.influx:open_store",
}


def register(name: str, target: str) -> None:
    """Register a backend as 'package.module:factory'; the module is imported on first use."""
    if ":" not in target:
        raise ValueError(f"target must look like 'module:function', got {target!r}")
    _BACKENDS[name] = target


def backends() -> list[str]:
    """Names of the registered backends."""
    return sorted(_BACKENDS)


def resolve(name: str) -> Factory:
    """The factory registered under `name`, importing its module now."""
    try:
        target = _BACKENDS[name]
    except KeyError:
        raise UnknownBackendError(
            f"no telemetry store {name!r}; known: {', '.join(backends())}"
        ) from None
    module_name, _, attribute = target.partition(":")
    return cast(Factory, getattr(importlib.import_module(module_name), attribute))


def open_store(name: str, **options: Any) -> TelemetryStore:
    """Open the backend `name` with its settings given as keyword options.

    Raises `StoreSettingsError` naming every bad option, `TelemetryStoreError` if the store
    cannot open.
    """
    factory = resolve(name)
    try:
        return factory(**options)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or '(settings)'}: {error['msg']}"
            for error in exc.errors()
        )
        raise StoreSettingsError(f"telemetry store {name!r}: {problems}") from exc
