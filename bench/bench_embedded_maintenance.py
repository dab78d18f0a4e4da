"""The embedded store's writes while it rolls up and expires: the reference load (40,000
samples a second, as four writes of 10,000) on a clock the bench moves one second per round,
so that minutes are rolled up and expired as they would be after hours of running. Times every
write as the controller's ingest sees it.

    .venv/bin/python -m bench.bench_embedded_maintenance --seconds 240
    PYTHONPATH=../before ../before/.venv/bin/python bench/bench_embedded_maintenance.py  # before

A short `late_grace` (10 s) and raw retention (130 s, the least the settings allow) bring
rollup and expiry into the first minutes; every other setting is the default. Reported: write
latency p50, p99 and max, over the writes after the first rollup became due, and the slowest
writes with the simulated second they fell in.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

from telemetry.batch import LINK_LEVEL, SampleBatch
from telemetry.store import open_store

SITES, WRITE = 10_000, 10_000
T0 = 1_772_409_600_000  # a whole hour


class Clock:
    def __init__(self) -> None:
        self.ms = T0

    def __call__(self) -> float:
        return self.ms / 1000


def batches(second: int) -> list[SampleBatch]:
    """Every link of every site (4 a site) once, at `second`, in writes of 10,000."""
    n = SITES * 4
    site = tuple(f"s{i // 4:05d}" for i in range(n))
    link = tuple(f"l{i % 4}" for i in range(n))
    ts = np.full(n, T0 + second * 1000, dtype=np.int64)
    whole = SampleBatch(
        site=site, link=link, app=(LINK_LEVEL,) * n, ts_ms=ts,
        latency_ms=np.full(n, 30.0), jitter_ms=np.full(n, 2.0), loss_pct=np.zeros(n),
        utilization=np.full(n, 0.3), throughput_bps=np.full(n, 1e6), up=np.ones(n, dtype=bool),
    )  # fmt: skip
    return [whole.take(np.arange(i, min(n, i + WRITE))) for i in range(0, n, WRITE)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=240, help="simulated seconds of load")
    args = parser.parse_args()
    print("command: python -m bench.bench_embedded_maintenance " + " ".join(sys.argv[1:]))
    clock = Clock()
    took: list[tuple[float, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(
            "embedded", path=Path(tmp) / "t.db", clock=clock,
            late_grace=timedelta(seconds=10), raw_retention=timedelta(seconds=130),
        )  # fmt: skip
        for second in range(args.seconds):
            clock.ms = T0 + (second + 1) * 1000
            for batch in batches(second):
                began = time.perf_counter()
                store.write(batch)
                took.append((time.perf_counter() - began, second))
            if second % 30 == 29:
                print(f"  {second + 1} s simulated", flush=True)
        counts = store.table_counts()  # type: ignore[attr-defined]
        store.close()
    after = sorted(t for t, s in took if s >= 70)  # the first minute is due at 70 s
    pct = {q: after[min(len(after) - 1, int(q * len(after)))] * 1000 for q in (0.5, 0.99)}
    print(
        f"writes of {WRITE:,} samples after the first rollup: {len(after)}; "
        f"p50 {pct[0.5]:.0f} ms, p99 {pct[0.99]:.0f} ms, max {after[-1] * 1000:.0f} ms"
    )
    worst = sorted(((t, s) for t, s in took if s >= 70), reverse=True)[:5]
    print("slowest: " + ", ".join(f"{t * 1000:.0f} ms at {s} s" for t, s in worst))
    print(f"rows at the end: {counts}")


if __name__ == "__main__":
    main()
