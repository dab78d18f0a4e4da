"""Uploads decoded in processes of their own.

Decoding a 10,000-sample upload (2.2 MB of JSON) into columns takes about 32 ms, all of it
holding the interpreter lock; handing the body to another process and taking the columns back
costs the API's process about 1 ms (the batch is unpickled as numpy arrays and three tuples).
At the reference load (40,000 samples a second, four such uploads at once) that is about 40 %
of what ingest took of the API's one interpreter lock, and every other request waited for it
(docs/benchmarks.md, "The controller end to end at 10,000 sites").

Smaller uploads are decoded where they arrive: below `OFFLOAD_BYTES` the round trip (a few
milliseconds of latency) is not worth the lock time it saves (at 340 sites, one upload of 1,360
samples a second: p50 12 ms decoded here, 15 ms apart).

A worker that dies (killed, out of memory) breaks the pool: the upload it held is decoded in
the caller instead and the pool is started again, so no upload fails for it.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from telemetry.batch import SampleBatch
from telemetry.upload import parse_upload

log = logging.getLogger("branchline.telemetry")

OFFLOAD_BYTES = 512 * 1024
"""Uploads smaller than this (about 2,300 samples) are decoded by the caller."""


def _ignore_interrupts() -> None:
    """A worker leaves Ctrl-C to its parent, which stops it (no traceback per worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class UploadDecoders:
    """`parse(body)` as `parse_upload` does it, in `workers` processes (0: in the caller).
    Thread-safe; the processes start with the first large upload."""

    def __init__(self, workers: int) -> None:
        if workers < 0:
            raise ValueError(f"workers must be 0 or more, not {workers}")
        self.workers = workers
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False

    def parse(self, body: bytes) -> SampleBatch:
        """The upload's batch; raises `UploadError` exactly as `parse_upload` does. Blocks:
        call it from a worker thread, not the event loop."""
        pool = self._started() if len(body) >= OFFLOAD_BYTES else None
        if pool is None:
            return parse_upload(body)
        try:
            return pool.submit(parse_upload, body).result()
        except BrokenProcessPool:
            log.warning("an upload decoder process died: decoding here, and starting another")
            self._restart(pool)
            return parse_upload(body)

    def close(self) -> None:
        """Stop the processes (uploads in flight finish first). Later uploads are decoded by
        the caller."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _started(self) -> ProcessPoolExecutor | None:
        if not self.workers:
            return None
        with self._lock:
            if self._pool is None and not self._closed:
                # spawn, not fork: the API's process has threads (and their locks) to not copy.
                self._pool = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_ignore_interrupts,
                )
            return self._pool

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)
