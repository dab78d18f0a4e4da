"""The contract every telemetry store keeps: write, query, latest, flush, close.

Stores are found by name through `telemetry.store.registry` and chosen only by composition
roots (the controller app, the CLI, the simulator's runner). Every store passes the same
contract tests (tests/telemetry/test_store_contract.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, overload, runtime_checkable

from telemetry.batch import SampleBatch, WindowBatch

DEFAULT_LOOKBACK = timedelta(minutes=5)
"""How far back `latest` looks by default: a link silent for longer has no latest sample."""


@dataclass(frozen=True, slots=True)
class Selector:
    """Which series a read returns. None matches anything; `app=""` only link-level samples."""

    site: str | None = None
    link: str | None = None
    app: str | None = None

    def matches(self, site: str, link: str, app: str) -> bool:
        return (
            (self.site is None or self.site == site)
            and (self.link is None or self.link == link)
            and (self.app is None or self.app == app)
        )


ALL = Selector()


@runtime_checkable
class TelemetryStore(Protocol):
    """Where samples go and come back from.

    Samples are identified by (site, link, app, ts_ms): writing the same sample twice stores
    it once, the later values winning (InfluxDB's rule for a series and timestamp). Reads answer
    in (site, link, app, ts_ms) order. Times are timezone-aware datetimes; ranges are half-open
    [start, end).
    """

    durable: bool
    """True when `write` returns only once the batch is on disk (a crash then loses nothing
    written); False when it may return with the batch still queued in memory."""

    def write(self, batch: SampleBatch) -> None:
        """Store a batch. May return before the data is readable; `flush` waits for that."""
        ...

    @overload
    def query(
        self, select: Selector, start: datetime, end: datetime, window: None = None
    ) -> SampleBatch: ...

    @overload
    def query(
        self, select: Selector, start: datetime, end: datetime, window: timedelta
    ) -> WindowBatch: ...

    def query(
        self, select: Selector, start: datetime, end: datetime, window: timedelta | None = None
    ) -> SampleBatch | WindowBatch:
        """Raw samples in [start, end), or their means per aligned `window` (the range is then
        widened to whole windows)."""
        ...

    def latest(
        self,
        select: Selector = ALL,
        *,
        now: datetime | None = None,
        lookback: timedelta = DEFAULT_LOOKBACK,
    ) -> SampleBatch:
        """The newest sample of every selected series within (now - lookback, now]."""
        ...

    def horizon(self) -> datetime | None:
        """The oldest timestamp a write now still stores (older samples are dropped), or None
        when the server's own retention decides (it is not known here)."""
        ...

    def flush(self, timeout: float = 30.0) -> None:
        """Return once everything written so far is stored and readable; raise
        `StoreUnavailableError` if that did not happen within `timeout` seconds."""
        ...

    def close(self) -> None:
        """Flush what can be flushed and release files, threads and connections."""
        ...
