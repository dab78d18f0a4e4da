"""The InfluxDB telemetry store: writes through the InfluxDB v2 write API, reads back through
VictoriaMetrics' export API (see reader.py for why), never loses a written sample.

`write()` formats line protocol in the caller's thread and queues it; a sender thread batches,
retries with backoff and spools to disk what the server did not acknowledge (sender.py).
"""

from __future__ import annotations

import contextlib
import random
import time
from datetime import datetime, timedelta
from typing import Any, overload

from telemetry.aggregate import aggregate, window_bounds
from telemetry.batch import SampleBatch, WindowBatch
from telemetry.errors import StoreClosedError, StoreUnavailableError
from telemetry.samples import to_ms
from telemetry.store.base import ALL, DEFAULT_LOOKBACK, Selector
from telemetry.store.influx.backoff import Backoff
from telemetry.store.influx.lineproto import encode, fixed_tags, series_of
from telemetry.store.influx.reader import VictoriaMetricsReader
from telemetry.store.influx.sender import DeliveryStats, Poster, Sender
from telemetry.store.influx.settings import InfluxSettings
from telemetry.store.influx.spool import Spool
from telemetry.store.influx.writer import LineWriter


class InfluxStore:
    """`TelemetryStore` on an InfluxDB v2 write endpoint (InfluxDB 2.x or VictoriaMetrics)."""

    durable = False
    """A write returns once its batch is queued in memory (up to `queue_payloads` batches); it
    reaches the disk only in the server, or in the spool when the server cannot be reached."""

    def __init__(
        self,
        settings: InfluxSettings,
        *,
        poster: Poster | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self._tags = fixed_tags(settings.tags)
        self._writer = LineWriter(
            settings.url,
            settings.token.get_secret_value(),
            settings.org,
            settings.bucket,
            settings.timeout,
        )
        self._reader = VictoriaMetricsReader(settings.read_url, settings.tags, settings.timeout)
        self._sender = Sender(
            poster or self._writer,
            Spool(settings.spool_dir, fsync=settings.spool_fsync),
            Backoff(settings.backoff_initial, settings.backoff_max, rng),
            max_attempts=settings.max_attempts,
            batch_lines=settings.batch_lines,
            queue_payloads=settings.queue_payloads,
        )
        self._closed = False

    @property
    def stats(self) -> DeliveryStats:
        """What the sender has done so far, and how many payloads wait in the spool."""
        return self._sender.stats

    def write(self, batch: SampleBatch) -> None:
        """Queue the batch for sending; returns once it is formatted (blocks only when the
        in-memory queue is full). Samples not acknowledged by the server go to the spool."""
        if self._closed:
            raise StoreClosedError("the InfluxDB telemetry store is closed")
        step = self.settings.batch_lines
        for start in range(0, len(batch), step):
            stop = min(start + step, len(batch))
            self._sender.submit(encode(batch, self._tags, start, stop), stop - start)

    def wait_acknowledged(self, timeout: float) -> bool:
        """True once the server acknowledged every sample written so far (spool included);
        unlike `flush` it does not wait for the samples to become readable."""
        return self._sender.settle(timeout)

    def horizon(self) -> None:
        """The server's retention policy decides what it keeps."""
        return None

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until the server acknowledged everything (spool included) and the last line it
        acknowledged is readable (payloads go in order, so that line is the newest). Raises
        `StoreUnavailableError` after `timeout` s; nothing is lost then, the spool keeps it."""
        deadline = time.monotonic() + timeout
        if not self._sender.settle(timeout):
            stats = self.stats
            raise StoreUnavailableError(
                f"{self.settings.url} did not acknowledge all samples within {timeout:g} s; "
                f"{stats.spool_depth} payloads wait in {self.settings.spool_dir}"
            )
        last = self._sender.last_acknowledged
        if last is None:
            return
        site, link, app, ts = series_of(last)
        select = Selector(site, link, app)
        while True:  # the server acknowledges before it makes samples searchable (~1 s)
            self._reader.make_readable()
            if len(self._reader.raw(select, ts, ts + 1)):
                return
            if time.monotonic() >= deadline:
                raise StoreUnavailableError(
                    f"{self.settings.read_url} acknowledged the samples but did not show them "
                    f"within {timeout:g} s"
                )
            time.sleep(0.05)

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
        """Raw samples from the server, or their means per window computed here."""
        lo, hi = to_ms(start), to_ms(end)
        if window is None:
            return self._reader.raw(select, lo, hi)
        step = int(window.total_seconds() * 1000)
        lo, hi = window_bounds(lo, hi, step)
        return aggregate(self._reader.raw(select, lo, hi), step)

    def latest(
        self,
        select: Selector = ALL,
        *,
        now: datetime | None = None,
        lookback: timedelta = DEFAULT_LOOKBACK,
    ) -> SampleBatch:
        """The newest sample per series within (now - lookback, now], read from the server.
        Cost grows with lookback x series: keep the lookback short for the whole network."""
        until = int(time.time() * 1000) if now is None else to_ms(now)
        return self._reader.latest(select, until - int(lookback.total_seconds() * 1000), until)

    def close(self) -> None:
        """Flush for up to `close_timeout` s; whatever is left stays in the spool for next time
        (a store opened on the same spool directory sends it first)."""
        if self._closed:
            return
        self._closed = True
        deadline = time.monotonic() + self.settings.close_timeout
        with contextlib.suppress(StoreUnavailableError):  # the spool keeps what is not sent
            self.flush(self.settings.close_timeout)
        self._sender.stop(max(0.0, deadline - time.monotonic()))
        self._writer.close()


def open_store(**options: Any) -> InfluxStore:
    """Registry factory: options are `InfluxSettings` fields."""
    return InfluxStore(InfluxSettings(**options))
