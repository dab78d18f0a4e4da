"""The map page: time and size to render `/map` for 340 and 10,000 sites.

    .venv/bin/python -m bench.bench_map --sites 340 10000 --repeat 5

Health is scored from one link-level sample per link with a mix of colours (most green, some
amber from high latency, some red from down links, some grey from silence); then
`build_map_page` (what `GET /map` does after reading the stores) is timed, p50 over `--repeat`
runs, and the page's size in bytes reported. Targets (issue 5): 10,000 sites under 0.5 s and
under 2 MB.

`--json` times what the page fetches afterwards, from the same data: the live statuses and line
colours of `/map/status.json` (`status_codes`, `line_codes`, after scoring) and the 24 h replay
of `/map/history.json` (`replay_windows` over 24 hourly windows per link, as the store's
windowed query returns them), with the size of each JSON body.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime
from typing import Any

import numpy as np

from sites.generator import generate_reference_network
from sites.inventory import Inventory
from telemetry.batch import SampleBatch, WindowBatch
from telemetry.health import HealthLayout, HealthSnapshot, score
from telemetry.map import build_map_page, line_codes, replay_windows, status_codes
from telemetry.map.replay import bucket_starts
from telemetry.samples import to_ms

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def mixed_batch(inventory: Inventory, ts_ms: int, seed: int = 1) -> SampleBatch:
    """One sample per link at `ts_ms`: ~5 % of sites silent, ~5 % with every link down, ~10 %
    with their first link down (amber where another link is up), ~5 % slow everywhere."""
    rng = np.random.default_rng(seed)
    fate = {s.id: rng.random() for s in inventory.sites}
    pairs = [(s.id, link.id, k) for s in inventory.sites for k, link in enumerate(s.links)
             if fate[s.id] >= 0.05]  # fmt: skip
    n = len(pairs)
    f = np.array([fate[p[0]] for p in pairs])
    first = np.array([p[2] == 0 for p in pairs], dtype=np.bool_)
    down = (f < 0.10) | ((f >= 0.10) & (f < 0.20) & first)
    slow = (f >= 0.20) & (f < 0.25)
    return SampleBatch(
        site=tuple(p[0] for p in pairs),
        link=tuple(p[1] for p in pairs),
        app=("",) * n,
        ts_ms=np.full(n, ts_ms, dtype=np.int64),
        latency_ms=np.where(slow, 900.0, np.round(rng.uniform(10, 40, n), 2)),
        jitter_ms=np.round(rng.uniform(0.5, 5, n), 2),
        loss_pct=np.where(down, 100.0, 0.0),
        utilization=np.round(rng.random(n), 3),
        throughput_bps=np.round(rng.random(n) * 1e8),
        up=~down,
    )


def mixed_snapshot(inventory: Inventory, now: datetime = NOW) -> HealthSnapshot:
    """A health snapshot of `inventory` in all four colours."""
    layout = HealthLayout.from_inventory(inventory)
    return score(layout, mixed_batch(inventory, to_ms(now)), now)


def day_windows(inventory: Inventory, buckets: list[int]) -> WindowBatch:
    """One hourly window per reporting link per bucket, each bucket mixed like `mixed_batch`
    with its own seed (`replay_windows` does not depend on the rows' order)."""
    batches = [mixed_batch(inventory, start, seed=b) for b, start in enumerate(buckets)]

    def cat(name: str) -> Any:
        return np.concatenate([getattr(b, name) for b in batches])

    n = sum(len(b) for b in batches)
    return WindowBatch(
        site=tuple(x for b in batches for x in b.site),
        link=tuple(x for b in batches for x in b.link),
        app=("",) * n, ts_ms=cat("ts_ms"), count=np.full(n, 60),
        latency_ms=cat("latency_ms"), jitter_ms=cat("jitter_ms"), loss_pct=cat("loss_pct"),
        utilization=cat("utilization"), throughput_bps=cat("throughput_bps"),
        up_ratio=cat("up").astype(np.float64),
    )  # fmt: skip


def json_figures(inventory: Inventory, repeat: int) -> str:
    """A table row: status.json and history.json compute time (p50) and body size."""
    layout = HealthLayout.from_inventory(inventory)
    snapshot = mixed_snapshot(inventory)
    buckets = bucket_starts(NOW)
    windows = day_windows(inventory, buckets)
    status_t, replay_t = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        status = json.dumps(
            {"status": status_codes(inventory, snapshot), "lines": line_codes(snapshot)}
        )
        status_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        codes = replay_windows(layout, windows, buckets)
        history = json.dumps({"sites": layout.site_ids, "buckets": buckets, "codes": codes})
        replay_t.append(time.perf_counter() - t0)
    return (
        f"| {len(inventory.sites):,} | {statistics.median(status_t):.3f} | "
        f"{len(status) / 1000:,.0f} | {statistics.median(replay_t):.3f} | "
        f"{len(history) / 1000:,.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[340, 10_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="time the page's JSON routes")
    args = parser.parse_args()
    if args.json:
        print("| sites | status.json (s) | status (KB) | replay 24 h (s) | history (KB) |")
        print("|---:|---:|---:|---:|---:|")
        for n in args.sites:
            print(json_figures(generate_reference_network(n, seed=7), args.repeat))
        return
    print("| sites | render p50 (s) | score (s) | page (KB) |")
    print("|---:|---:|---:|---:|")
    for n in args.sites:
        inventory = generate_reference_network(n, seed=7)
        t0 = time.perf_counter()
        snapshot = mixed_snapshot(inventory)
        scored = time.perf_counter() - t0
        times, size = [], 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            page = build_map_page(inventory, snapshot)
            times.append(time.perf_counter() - t0)
            size = len(page.encode())
        p50 = statistics.median(times)
        print(f"| {len(inventory.sites):,} | {p50:.3f} | {scored:.3f} | {size / 1000:,.0f} |")


if __name__ == "__main__":
    main()
