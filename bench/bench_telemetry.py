"""Telemetry ingestion: samples/s into the embedded store and through the InfluxDB backend
into victoria-metrics, and the client's CPU at the reference load (40,000 samples/s).

    .venv/bin/python -m bench.bench_telemetry --sites 10000 --seconds 20 --repeat 3

The reference load (issue 5) is 10,000 sites x 4 series at 1 s. The generated network has
1-2 links per site; each site is filled up to 4 series with per-application samples on its
primary link. Every figure includes building and validating the `SampleBatch` from numpy
columns, as an ingestion path would. The client runs pinned to the first core; the
victoria-metrics server the bench starts (on loopback, temporary data) to the second.
Target: the reference load written to InfluxDB with at most a quarter of one core.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sites.generator import generate_reference_network
from telemetry.batch import METRICS, SampleBatch
from telemetry.store.embedded import EmbeddedSettings, EmbeddedStore
from telemetry.store.influx import InfluxSettings, InfluxStore
from telemetry.store.influx.lineproto import encode
from telemetry.testing.victoria_metrics import VictoriaMetrics

PER_SITE = 4
VARIANTS = 8  # distinct value sets, cycled, so the server does not see one constant second


def reference_series(sites: int) -> list[tuple[str, str, str]]:
    inventory = generate_reference_network(sites, seed=7)
    apps = [app.name for app in inventory.applications]
    series = []
    for site in inventory.sites[1:]:  # the branches; the hub is not a reporting CPE here
        mine = [(site.id, link.id, "") for link in site.links]
        primary = next(link.id for link in site.links if link.role == "primary")
        mine += [(site.id, primary, app) for app in apps[: PER_SITE - len(mine)]]
        series += mine
    return series


class Seconds:
    """Builds the batch of second i: fixed ids, one of a few value sets, timestamp column."""

    def __init__(self, series: list[tuple[str, str, str]], seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        n = len(series)
        self.site = tuple(s[0] for s in series)
        self.link = tuple(s[1] for s in series)
        self.app = tuple(s[2] for s in series)
        self.values: list[dict[str, npt.NDArray[Any]]] = [
            {
                "latency_ms": np.round(rng.gamma(4.0, 8.0, n), 3),
                "jitter_ms": np.round(rng.gamma(2.0, 1.5, n), 3),
                "loss_pct": np.round(rng.random(n) * 2, 3),
                "utilization": np.round(rng.random(n), 4),
                "throughput_bps": np.round(rng.random(n) * 1e8),
                "up": rng.random(n) > 0.02,
            }
            for _ in range(VARIANTS)
        ]
        self.size = n

    def batch(self, i: int, ts_ms: int) -> SampleBatch:
        values = self.values[i % VARIANTS]
        return SampleBatch(
            site=self.site,
            link=self.link,
            app=self.app,
            ts_ms=np.full(self.size, ts_ms, dtype=np.int64),
            up=values["up"],
            **{name: values[name] for name in METRICS},
        )


def timed(work: Callable[[], None]) -> tuple[float, float]:
    """(wall s, CPU s of this process, all threads) of work()."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_encode(seconds: Seconds, count: int) -> float:
    batches = [seconds.batch(i, 1_800_000_000_000 + i * 1000) for i in range(count)]

    def work() -> None:
        for batch in batches:
            encode(batch)

    _, cpu = timed(work)
    return seconds.size * count / cpu


def bench_embedded(seconds: Seconds, count: int, directory: Path) -> tuple[float, float, float]:
    """(samples/s, CPU s per 1 M samples, bytes on disk per sample) writing `count` seconds;
    the store's clock follows the data, so minute rollups and expiry run as they would live."""
    start = int(time.time()) * 1000 - count * 1000
    clock = [start / 1000]
    store = EmbeddedStore(EmbeddedSettings(path=directory / "bench.db"), clock=lambda: clock[0])

    def work() -> None:
        for i in range(count):
            clock[0] = (start + i * 1000) / 1000 + 1
            store.write(seconds.batch(i, start + i * 1000))

    wall, cpu = timed(work)
    store.close()
    samples = seconds.size * count
    size = sum(path.stat().st_size for path in directory.glob("bench.db*"))
    return samples / wall, cpu / samples * 1e6, size / samples


def influx_store(server: VictoriaMetrics, directory: Path, tag: str) -> InfluxStore:
    return InfluxStore(
        InfluxSettings(url=server.url, spool_dir=directory / f"spool-{tag}", tags={"run": tag})
    )


def bench_influx_burst(
    seconds: Seconds, count: int, server: VictoriaMetrics, directory: Path, tag: str
) -> tuple[float, float]:
    """(samples/s until the server acknowledged all, client CPU s per 1 M samples)."""
    store = influx_store(server, directory, tag)
    start = int(time.time()) * 1000 - count * 1000

    def work() -> None:
        for i in range(count):
            store.write(seconds.batch(i, start + i * 1000))
        assert store.wait_acknowledged(600)

    wall, cpu = timed(work)
    store.close()
    samples = seconds.size * count
    return samples / wall, cpu / samples * 1e6


def bench_influx_paced(
    seconds: Seconds, count: int, server: VictoriaMetrics, directory: Path, tag: str
) -> tuple[float, float]:
    """At one batch per wall-clock second: (client CPU s per s, s to drain at the end)."""
    store = influx_store(server, directory, tag)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for i in range(count):
        store.write(seconds.batch(i, int(time.time() * 1000)))
        time.sleep(max(0.0, wall0 + i + 1 - time.perf_counter()))
    end = time.perf_counter()
    assert store.wait_acknowledged(600)
    drain = time.perf_counter() - end
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    stats = store.stats
    store.close()
    assert stats.spool_depth == 0 and stats.sent_lines == seconds.size * count
    return cpu / wall, drain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=20, help="seconds of data per run")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    seconds = Seconds(reference_series(args.sites))
    rate = seconds.size
    cores = sorted(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="bench-telemetry-") as tmp:
        directory = Path(tmp)
        for r in range(args.repeat):
            (directory / f"e{r}").mkdir()
        server = VictoriaMetrics(directory / "vm-data")
        server.start()
        if len(cores) > 1:
            os.sched_setaffinity(server.pid, set(cores[1:]))
        os.sched_setaffinity(0, {cores[0]})
        try:
            runs = [
                (
                    bench_encode(seconds, 5),
                    *bench_embedded(seconds, args.seconds, directory / f"e{r}"),
                    *bench_influx_burst(seconds, args.seconds, server, directory, f"b{r}"),
                    *bench_influx_paced(seconds, args.seconds, server, directory, f"p{r}"),
                )
                for r in range(args.repeat)
            ]
        finally:
            server.stop()
    encode_rate, emb_rate, emb_cpu, emb_bytes, burst_rate, burst_cpu, paced_cpu, drain = (
        statistics.median(run[k] for run in runs) for k in range(8)
    )
    print(f"telemetry ingestion, {args.sites} sites x {PER_SITE} series = {rate} samples per "
          f"second of data, {args.seconds} s per run, median of {args.repeat} runs")  # fmt: skip
    print(f"  line protocol, format only        {encode_rate:12,.0f} lines/s (one core)")
    print(f"  embedded store (SQLite)           {emb_rate:12,.0f} samples/s, "
          f"{emb_cpu:.2f} CPU s per 1 M samples, {emb_bytes:.0f} bytes/sample on disk")  # fmt: skip
    print(f"  InfluxDB backend -> victoria-metrics {burst_rate:9,.0f} samples/s acknowledged, "
          f"{burst_cpu:.2f} client CPU s per 1 M samples")  # fmt: skip
    print(f"  reference load {rate} samples/s, paced: {paced_cpu:.3f} client CPU s per s "
          f"(target <= 0.25); drained {drain:.2f} s after the last write")  # fmt: skip
    print(f"reproduce: .venv/bin/python -m bench.bench_telemetry --sites {args.sites} "
          f"--seconds {args.seconds} --repeat {args.repeat}")  # fmt: skip
    sys.exit(0 if paced_cpu <= 0.25 else 1)


if __name__ == "__main__":
    main()
