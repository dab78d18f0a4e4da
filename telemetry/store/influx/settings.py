"""Settings of the InfluxDB backend."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from telemetry.store.influx.lineproto import fixed_tags


class InfluxSettings(BaseModel):
    """Where to write (an InfluxDB v2 write API: InfluxDB 2.x or VictoriaMetrics), where to
    read (VictoriaMetrics' export API), and how hard to try before spooling."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(pattern=r"^https?://[^\s/]+(/.*)?$", description="e.g. http://127.0.0.1:8428")
    query_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/]+(/.*)?$",
        description="VictoriaMetrics base URL for reads; default: url",
    )
    token: SecretStr = SecretStr("")
    org: str = "branchline"
    bucket: str = "telemetry"
    tags: dict[str, str] = Field(
        default_factory=dict,
        description="fixed tags on every line, and filters on every read (e.g. instance=ctl-a)",
    )
    spool_dir: Path = Field(description="where unacknowledged payloads wait; keep it per store")
    spool_fsync: bool = True
    batch_lines: int = Field(default=10_000, ge=1, le=200_000)
    queue_payloads: int = Field(
        default=64, ge=1, description="payloads waiting in memory before write() blocks"
    )
    timeout: float = Field(default=10.0, gt=0, description="seconds per HTTP request")
    max_attempts: int = Field(default=3, ge=1, description="tries before a payload is spooled")
    backoff_initial: float = Field(default=0.5, gt=0)
    backoff_max: float = Field(default=30.0, gt=0)
    close_timeout: float = Field(default=10.0, ge=0, description="close() tries this long")

    @model_validator(mode="after")
    def _check(self) -> Self:
        fixed_tags(self.tags)  # raises ValueError naming the bad tag
        if self.backoff_initial > self.backoff_max:
            raise ValueError("backoff_initial must not exceed backoff_max")
        return self

    @property
    def read_url(self) -> str:
        return self.query_url or self.url
