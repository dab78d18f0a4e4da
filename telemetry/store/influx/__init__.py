"""The InfluxDB telemetry store (influxdb-client, line protocol, on-disk spool)."""

from telemetry.store.influx.settings import InfluxSettings
from telemetry.store.influx.store import InfluxStore, open_store

__all__ = ["InfluxSettings", "InfluxStore", "open_store"]
