"""Where a sweep runs: a Dask scheduler at an address, or a local cluster on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster


def default_workers(tasks: int) -> int:
    """One single-threaded worker process per core, no more than there are tasks."""
    return max(1, min(os.cpu_count() or 1, tasks))


@contextmanager
def open_client(address: str | None = None, workers: int = 1) -> Iterator[Client]:
    """A client of the scheduler at `address`; else of a local cluster of `workers` processes.

    The local cluster listens on 127.0.0.1 only and has no dashboard; it is closed on exit.
    """
    # distributed leaves Client and LocalCluster unannotated: hence the ignores below.
    if address is not None:
        with Client(address) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield client
