"""The embedded store's write beside a busy Python thread, as in the controller (API requests
being parsed, loop ticks): the same 10,000-row batches written per row with `executemany`
(the store's write before 2026-12-05) and with the store's multi-row INSERTs (now), each alone
and with one CPU-bound thread running beside it.

    .venv/bin/python -m bench.bench_embedded_write --batches 10

Reported per method: ms per batch alone and beside the busy thread, and how much of its
alone rate the busy thread kept.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from telemetry.store.embedded.bulk import insert_rows
from telemetry.store.embedded.schema import connect

ROWS = 10_000
Columns = list[list[float] | list[int]]


def batch(second: int) -> Columns:
    series = list(range(ROWS))
    return [[second * 1000] * ROWS, series, [12.5 + s % 7 for s in series], [1.2] * ROWS,
            [0.0] * ROWS, [0.43] * ROWS, [1.2e7] * ROWS, [1] * ROWS]  # fmt: skip


def per_row(conn: object, columns: Columns) -> None:
    conn.executemany(  # type: ignore[attr-defined]
        "INSERT OR REPLACE INTO raw VALUES (?, ?, ?, ?, ?, ?, ?, ?)", zip(*columns, strict=True)
    )


def multi_row(conn: object, columns: Columns) -> None:
    insert_rows(conn, "raw", columns)  # type: ignore[arg-type]


class Spinner:
    """A CPU-bound Python thread that counts its loops while it runs."""

    def __init__(self) -> None:
        self.loops = 0
        self._stop = False
        self._thread = threading.Thread(target=self._spin)

    def _spin(self) -> None:
        while not self._stop:
            self.loops += 1

    def __enter__(self) -> Spinner:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop = True
        self._thread.join()


def busy_rate(seconds: float) -> float:
    start = time.perf_counter()
    with Spinner() as spinner:
        time.sleep(seconds)
    return spinner.loops / (time.perf_counter() - start)


def run(write: Callable[[object, Columns], None], path: Path, first: int, n: int, busy: bool
        ) -> tuple[float, float]:  # fmt: skip
    """ms per batch, and the busy thread's loops per second (0 without it)."""
    conn = connect(path)
    spinner = Spinner()
    start = time.perf_counter()
    with spinner if busy else contextlib.nullcontext():
        for k in range(n):
            conn.execute("BEGIN IMMEDIATE")
            write(conn, batch(first + k))
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
    conn.close()
    return elapsed / n * 1000, spinner.loops / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=10)
    args = parser.parse_args()
    alone_rate = busy_rate(2.0)
    print(f"busy thread alone: {alone_rate / 1e6:.1f} M loops/s")
    with tempfile.TemporaryDirectory() as tmp:
        for n, (name, write) in enumerate((("per-row executemany (before)", per_row),
                                           ("multi-row INSERTs (now)", multi_row))):  # fmt: skip
            path = Path(tmp) / f"{n}.db"
            alone, _ = run(write, path, 0, args.batches, busy=False)
            beside, rate = run(write, path, 10_000, args.batches, busy=True)
            print(f"{name:30} alone {alone:8.1f} ms/batch   beside a busy thread {beside:9.1f} "
                  f"ms/batch, the thread kept {rate / alone_rate:4.0%} of its rate")  # fmt: skip
    print("reproduce: .venv/bin/python -m bench.bench_embedded_write " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
