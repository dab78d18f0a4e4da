"""The embedded (SQLite) telemetry store: the default, no server needed."""

from telemetry.store.embedded.settings import EmbeddedSettings
from telemetry.store.embedded.store import EmbeddedStore, open_store

__all__ = ["EmbeddedSettings", "EmbeddedStore", "open_store"]
