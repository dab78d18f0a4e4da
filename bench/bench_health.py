"""Health and alarms: scoring 10,000 sites, and the time from a sample arriving to the site's
health changing.

    .venv/bin/python -m bench.bench_health --sites 10000 --seed-seconds 30 --repeat 20

1. *Scoring*: one link-level sample per link of every site (the generated network has 1-2
   links per site), as `TelemetryStore.latest` returns it; `score()` and then
   `AlarmEngine.evaluate()` on the snapshot are timed, p50/p95 over `--repeat` runs.
2. *Sample to health*: the embedded store holds `--seed-seconds` of 1 s samples of every link.
   One site's links are then written down; the clock starts before that `write` and stops
   when the freshly scored snapshot shows the site red. Two refresh paths are measured: the
   site alone (`latest(Selector(site=...))`, as an ingestion hook could do) and the whole
   network (`latest()` + `score()` + `evaluate()`, as the monitor does each tick), both
   answered from the store's in-memory newest samples, and the whole network from a second
   store opened on the same file after the seeding (as after a restart, or from another
   process), whose `latest()` must scan the raw table. The loop's own period adds to this in
   production.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from sites.generator import generate_reference_network
from sites.inventory import Inventory
from telemetry.alarms import AlarmEngine
from telemetry.batch import SampleBatch
from telemetry.health import HealthLayout, Status, score
from telemetry.samples import to_ms
from telemetry.store import Selector
from telemetry.store.embedded import EmbeddedSettings, EmbeddedStore

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def link_batch(inventory: Inventory, ts_ms: int, down: frozenset[str] = frozenset()) -> SampleBatch:
    """One good link-level sample per link at `ts_ms`; the links of `down` sites down."""
    pairs = [(s.id, link.id) for s in inventory.sites for link in s.links]
    n = len(pairs)
    is_down = np.array([site in down for site, _ in pairs], dtype=np.bool_)
    rng = np.random.default_rng(ts_ms % 1000 + 1)
    return SampleBatch(
        site=tuple(p[0] for p in pairs),
        link=tuple(p[1] for p in pairs),
        app=("",) * n,
        ts_ms=np.full(n, ts_ms, dtype=np.int64),
        latency_ms=np.round(rng.uniform(10, 40, n), 2),
        jitter_ms=np.round(rng.uniform(0.5, 5, n), 2),
        loss_pct=np.where(is_down, 100.0, 0.0),
        utilization=np.round(rng.random(n), 3),
        throughput_bps=np.round(rng.random(n) * 1e8),
        up=~is_down,
    )


def percentiles(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms"


def timed(work: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


def bench_scoring(inventory: Inventory, layout: HealthLayout, repeat: int) -> None:
    now = START + timedelta(seconds=1)
    latest = link_batch(inventory, to_ms(START))
    engine = AlarmEngine(layout)
    snap = score(layout, latest, now)
    print(
        f"  score():              {percentiles(timed(lambda: score(layout, latest, now), repeat))}"
    )
    print(
        f"  AlarmEngine.evaluate: {percentiles(timed(lambda: engine.evaluate(snap, now), repeat))}"
    )
    print(f"  statuses: {', '.join(f'{k} {v}' for k, v in snap.counts().items())}")


def bench_latency(
    inventory: Inventory, layout: HealthLayout, seed_seconds: int, repeat: int, directory: Path
) -> None:
    clock = [START.timestamp()]
    settings = EmbeddedSettings(path=directory / "bench.db")
    store = EmbeddedStore(settings, clock=lambda: clock[0])
    t_ms = to_ms(START)
    for i in range(seed_seconds):
        clock[0] = (t_ms + i * 1000) / 1000
        store.write(link_batch(inventory, t_ms + i * 1000))
    reopened = EmbeddedStore(settings, clock=lambda: clock[0])
    branches = [s.id for s in inventory.sites[1:]]
    engine = AlarmEngine(layout)
    site_path: list[float] = []
    network_path: list[float] = []
    scan_path: list[float] = []
    paths = (("site", site_path), ("network", network_path), ("scan", scan_path))
    for k in range(repeat):
        for n, (scope, sink) in enumerate(paths):
            site = branches[(3 * k + n) * 97 % len(branches)]
            ts = t_ms + (seed_seconds + 3 * k + n) * 1000
            clock[0] = ts / 1000
            now = datetime.fromtimestamp(clock[0], UTC)
            down = link_batch(inventory, ts, frozenset({site}))
            mine = down.take(np.flatnonzero(np.array(down.site) == site))
            start = time.perf_counter()
            store.write(mine)
            select = Selector(site=site) if scope == "site" else Selector()
            reader = reopened if scope == "scan" else store
            snap = score(layout, reader.latest(select, now=now), now)
            if scope != "site":
                engine.evaluate(snap, now)
            elapsed = time.perf_counter() - start
            assert snap.status_of(site) is Status.RED, (site, snap.site(site))
            sink.append(elapsed)
    counts = store.table_counts()
    store.close()
    reopened.close()
    print(f"  store: {counts['raw']:,} raw samples ({seed_seconds} s of every link)")
    print(f"  write -> site refresh -> red:           {percentiles(site_path)}")
    print(f"  write -> whole-network refresh -> red:  {percentiles(network_path)}")
    print(f"  the same, read by a store that must scan: {percentiles(scan_path)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--seed-seconds", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    inventory = generate_reference_network(args.sites, seed=7)
    start = time.perf_counter()
    layout = HealthLayout.from_inventory(inventory)
    links = int(layout.valid.sum())
    print(f"{len(layout.site_ids):,} sites, {links:,} links")
    print(f"  HealthLayout.from_inventory: {(time.perf_counter() - start) * 1000:.0f} ms (once)")
    bench_scoring(inventory, layout, args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        bench_latency(inventory, layout, args.seed_seconds, args.repeat, Path(tmp))
    print(
        "reproduce: .venv/bin/python -m bench.bench_health "
        f"--sites {args.sites} --seed-seconds {args.seed_seconds} --repeat {args.repeat}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
