"""The cycle collector and the controller's large, long-lived state.

The network a controller works on (10,000 sites: about 480,000 objects with the inventory, the
engines and their state) lives until the inventory or a policy is written again, and holds no
reference cycles. A full collection walks all of it: about 190 ms at 10,000 sites, holding the
interpreter's lock while requests wait. The first tick after an import, which builds 160,000
decisions and moves, set off four of them (0.76 s of its 3 s; docs/benchmarks.md, "The
reconcile tick at 10,000 sites").
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def settle() -> None:
    """Call once what lives long has just been built: everything alive now is moved out of the
    collector's walks (`gc.freeze`). Frozen objects are still freed by their reference counts
    when they are dropped (the network replaced by the next write is); only a reference cycle
    alive at this moment, and dropped later, is never reclaimed."""
    gc.freeze()


class _Pauses:
    """The process's pauses of the collector (the collector is one per process)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0
        self.was_enabled = True


_PAUSES = _Pauses()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic collection while the block allocates many objects that die with it (a tick
    placing every application); whatever became garbage is collected as usual afterwards. Any
    thread may pause: the collector resumes when the last pause ends, and only if it ran
    before the first."""
    with _PAUSES.lock:
        if _PAUSES.count == 0:
            _PAUSES.was_enabled = gc.isenabled()
            gc.disable()
        _PAUSES.count += 1
    try:
        yield
    finally:
        with _PAUSES.lock:
            _PAUSES.count -= 1
            if _PAUSES.count == 0 and _PAUSES.was_enabled:
                gc.enable()
