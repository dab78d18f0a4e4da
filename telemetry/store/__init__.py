"""Telemetry storage behind one interface; see `base.TelemetryStore` and `registry.open_store`."""

from telemetry.store.base import ALL, DEFAULT_LOOKBACK, Selector, TelemetryStore
from telemetry.store.registry import backends, open_store, register

__all__ = [
    "ALL",
    "DEFAULT_LOOKBACK",
    "Selector",
    "TelemetryStore",
    "backends",
    "open_store",
    "register",
]
