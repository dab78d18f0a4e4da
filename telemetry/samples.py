"""One telemetry sample: what a CPE reports about one WAN link (or one application on it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import AwareDatetime, Field, field_validator

from sites.base import FrozenModel, Identifier

MAX_LATENCY_MS = 600_000.0
"""A probe that takes longer than ten minutes is a broken clock, not a slow link."""


class Sample(FrozenModel):
    """One measurement of one link of one site, optionally for one application on that link.

    Latency is round-trip in milliseconds, loss in percent (0..100), utilization a fraction of
    the link's capacity (0..1), throughput in bit/s. A link that is down still reports a sample
    (`up=False`, usually `loss_pct=100`), so that "no data" and "down" stay different things.
    """

    site: Identifier
    link: Identifier
    app: Identifier | None = Field(default=None, description="application name; None: the link")
    timestamp: AwareDatetime
    latency_ms: float = Field(ge=0, le=MAX_LATENCY_MS, allow_inf_nan=False)
    jitter_ms: float = Field(ge=0, le=MAX_LATENCY_MS, allow_inf_nan=False)
    loss_pct: float = Field(ge=0, le=100, allow_inf_nan=False)
    utilization: float = Field(ge=0, le=1, allow_inf_nan=False)
    throughput_bps: float = Field(ge=0, allow_inf_nan=False)
    up: bool

    @field_validator("timestamp")
    @classmethod
    def _after_epoch(cls, moment: datetime) -> datetime:
        # Storage counts milliseconds from 1970; an earlier time is a CPE with a reset clock.
        if moment < EPOCH:
            raise ValueError("must not be before 1970-01-01T00:00:00Z (is the CPE's clock set?)")
        return moment

    @property
    def ts_ms(self) -> int:
        """The timestamp as integer milliseconds since the Unix epoch (the storage resolution)."""
        return to_ms(self.timestamp)


def to_ms(moment: datetime) -> int:
    """A timezone-aware datetime as integer milliseconds since the epoch (truncated)."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime is ambiguous: give a timezone")
    delta = moment - EPOCH
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


def from_ms(ts_ms: int) -> datetime:
    """Milliseconds since the epoch as a UTC datetime."""
    return EPOCH + timedelta(milliseconds=ts_ms)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
