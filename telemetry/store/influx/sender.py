"""The sending thread of the InfluxDB backend: batches, retries, spool, in order.

Payloads go from an in-memory queue to the server. A payload that fails `max_attempts` times
goes to the on-disk spool, and from then on every payload goes behind it: the spool is sent
oldest first, and direct sending resumes only once it is empty. So the server receives payloads
in the order they were written, none is dropped, and a payload is sent again only when the
server did not acknowledge it (which duplicates nothing unless the failure was ambiguous, and
InfluxDB's rule that a series and timestamp hold one point absorbs that).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from telemetry.errors import TelemetryStoreError
from telemetry.store.influx.backoff import Backoff
from telemetry.store.influx.spool import Spool
from telemetry.store.influx.writer import Outcome, Result

log = logging.getLogger(__name__)


class Poster(Protocol):
    def post(self, payload: bytes) -> Result: ...


@dataclass(frozen=True, slots=True)
class DeliveryStats:
    """Counters in lines (= samples). `ambiguous_lines` bounds what may have been stored twice."""

    sent_lines: int = 0
    spooled_lines: int = 0
    ambiguous_lines: int = 0
    rejected_lines: int = 0
    failed_attempts: int = 0
    spool_depth: int = 0


def line_count(payload: bytes) -> int:
    return payload.count(b"\n") + 1


class Sender:
    """Owns the queue, the spool and one daemon thread that talks to the server."""

    def __init__(
        self,
        poster: Poster,
        spool: Spool,
        backoff: Backoff,
        *,
        max_attempts: int,
        batch_lines: int,
        queue_payloads: int,
    ) -> None:
        self._poster, self._spool, self._backoff = poster, spool, backoff
        self._max_attempts, self._batch_lines = max_attempts, batch_lines
        self._queue: queue.Queue[tuple[bytes, int] | None] = queue.Queue(queue_payloads)
        self._wake = threading.Event()  # cuts a backoff wait short (flush, close)
        self._changed = threading.Condition()
        self._outstanding = 0  # payloads submitted and not yet sent, spooled or rejected
        self._stats = DeliveryStats()
        self._stopping = False
        self._stop_deadline = 0.0
        self._error: BaseException | None = None
        self.last_acknowledged: bytes | None = None
        """The last line of the last payload the server acknowledged (a read barrier)."""
        self._thread = threading.Thread(target=self._main, name="telemetry-influx", daemon=True)
        self._thread.start()

    @property
    def stats(self) -> DeliveryStats:
        return replace(self._stats, spool_depth=len(self._spool))

    def _count(self, **deltas: int) -> None:
        values = {k: getattr(self._stats, k) + v for k, v in deltas.items()}
        self._stats = replace(self._stats, **values)

    def _check(self) -> None:
        if self._error is not None:
            raise TelemetryStoreError(
                f"the telemetry sender stopped: {self._error}"
            ) from self._error

    def submit(self, payload: bytes, lines: int) -> None:
        """Queue a payload; blocks while the queue is full (back-pressure on the writer)."""
        self._check()
        with self._changed:
            self._outstanding += 1
        self._queue.put((payload, lines))

    def settle(self, timeout: float) -> bool:
        """Wait until every submitted payload is acknowledged and the spool is empty."""
        deadline = time.monotonic() + timeout
        self._wake.set()  # retry the spool now rather than at the end of its backoff
        with self._changed:
            while self._outstanding or len(self._spool):
                self._check()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.1))
        return True

    def stop(self, timeout: float) -> None:
        """Send what can be sent within `timeout` s; the rest stays in the spool on disk."""
        self._stop_deadline = time.monotonic() + timeout
        self._stopping = True
        self._queue.put(None)
        self._wake.set()
        self._thread.join()

    def _main(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # the thread must not die silently: writers see it
            log.exception("telemetry sender failed")
            self._error = exc
            with self._changed:
                self._changed.notify_all()

    def _run(self) -> None:
        while True:
            if len(self._spool):
                self._absorb()
                if self._send_head():
                    continue
                if self._stopping and time.monotonic() >= self._stop_deadline:
                    return
                self._pause()
                continue
            if self._stopping and self._queue.empty():
                return
            try:
                item = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            if item is not None:
                self._deliver(*self._coalesce(item))

    def _pause(self) -> None:
        self._wake.wait(self._backoff.next())
        self._wake.clear()

    def _done(self, items: int) -> None:
        with self._changed:
            self._outstanding -= items
            self._changed.notify_all()

    def _absorb(self) -> None:
        """Move queued payloads behind the spool, so that order is kept."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                self._spool.append(item[0])
                self._count(spooled_lines=item[1])
                self._done(1)

    def _coalesce(self, first: tuple[bytes, int]) -> tuple[bytes, int, int]:
        """Join queued payloads up to `batch_lines` lines into one request."""
        parts, lines = [first[0]], first[1]
        while lines < self._batch_lines:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                break
            parts.append(item[0])
            lines += item[1]
        return b"\n".join(parts), lines, len(parts)

    def _deliver(self, payload: bytes, lines: int, items: int) -> None:
        ambiguous = False
        for attempt in range(self._max_attempts):
            result = self._poster.post(payload)
            if result.outcome is Outcome.SENT:
                self._acknowledged(payload, lines)
                break
            if result.outcome is Outcome.REJECTED:
                self._reject(payload, lines, result)
                break
            ambiguous |= result.outcome is Outcome.AMBIGUOUS
            self._count(failed_attempts=1)
            if attempt + 1 < self._max_attempts:
                self._pause()
        else:
            log.warning("telemetry server unreachable (%s); spooling to %s", result.detail,
                        self._spool.directory)  # fmt: skip
            self._spool.append(payload)
            self._count(spooled_lines=lines)
        if ambiguous:
            self._count(ambiguous_lines=lines)
        self._done(items)

    def _send_head(self) -> bool:
        head = self._spool.head()
        if head is None:
            return True
        seq, payload = head
        result = self._poster.post(payload)
        if result.outcome is Outcome.AMBIGUOUS:
            self._count(ambiguous_lines=line_count(payload))
        if result.outcome in (Outcome.AMBIGUOUS, Outcome.NOT_DELIVERED):
            self._count(failed_attempts=1)
            return False
        if result.outcome is Outcome.SENT:
            self._acknowledged(payload, line_count(payload))
        else:
            self._reject(payload, line_count(payload), result)
        self._spool.remove(seq)
        if not len(self._spool):
            log.info("telemetry spool %s drained", self._spool.directory)
        with self._changed:
            self._changed.notify_all()
        return True

    def _acknowledged(self, payload: bytes, lines: int) -> None:
        self._backoff.reset()
        self.last_acknowledged = payload.rpartition(b"\n")[2]
        self._count(sent_lines=lines)

    def _reject(self, payload: bytes, lines: int, result: Result) -> None:
        """Keep a refused payload aside (never silently dropped) and go on with the next."""
        rejected: Path = self._spool.directory / "rejected"
        rejected.mkdir(exist_ok=True)
        with (rejected / "rejected.lp").open("ab") as file:
            file.write(payload + b"\n")
        log.error("telemetry server refused %d lines (%s); kept in %s", lines, result.detail,
                  rejected)  # fmt: skip
        self._count(rejected_lines=lines)
