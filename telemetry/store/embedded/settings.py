"""Settings of the embedded store: where the file lives and how long each resolution is kept."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

MINUTE_MS = 60_000
HOUR_MS = 3_600_000


class EmbeddedSettings(BaseModel):
    """Retention defaults (docs/telemetry.md gives the disk they take at 340 sites):
    raw samples 6 h (live views, alarms), 1-minute rollups 8 days (day and week views),
    1-hour rollups 400 days (month and year views)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path = Field(description="SQLite database file; ':memory:' is not supported (WAL)")
    raw_retention: timedelta = timedelta(hours=6)
    minute_retention: timedelta = timedelta(days=8)
    hour_retention: timedelta = timedelta(days=400)
    late_grace: timedelta = Field(
        default=timedelta(minutes=2),
        description="samples are rolled up once they are this far in the past; later samples "
        "still count, at the price of recomputing their minute",
    )
    maintenance_step: timedelta = Field(
        default=timedelta(seconds=1),
        gt=timedelta(0),
        le=timedelta(minutes=1),
        description="how much raw time a write rolls up or expires at most, when due: the "
        "extra time a write can take is that much data's (40,000 samples/s: 40,000 rows)",
    )

    @model_validator(mode="after")
    def _retentions_nest(self) -> Self:
        # A rollup is computed from the finer table, so the finer data must outlive a whole
        # bucket of the coarser one; otherwise a late recompute would read a half-expired bucket.
        if self.raw_retention < self.late_grace + timedelta(minutes=2):
            raise ValueError("raw_retention must exceed late_grace by at least 2 minutes")
        if self.minute_retention < self.raw_retention + timedelta(hours=2):
            raise ValueError("minute_retention must exceed raw_retention by at least 2 hours")
        if self.hour_retention < self.minute_retention + timedelta(hours=2):
            raise ValueError("hour_retention must exceed minute_retention by at least 2 hours")
        return self

    def ms(self, name: str) -> int:
        """A duration setting in milliseconds."""
        value: timedelta = getattr(self, name)
        return int(value.total_seconds() * 1000)
