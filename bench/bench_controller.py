"""The controller end to end: `branchline serve` over N sites, with telemetry POSTed from
another process at the reference rate (every link of every site once a second) while the
reconcile and monitor loops run at their default 5 s interval.

    .venv/bin/python -m bench.bench_controller --sites 10000 --duration 60
    .venv/bin/python -m bench.bench_controller --sites 10000 --checkout ../before   # and before
    .venv/bin/python -m bench.bench_controller --sites 10000 --postgres postgresql+psycopg://…

The first `--warmup` seconds (15 by default) of load are not in the figures: they hold the
placement tick (timed on its own by bench_reconcile), the first export of the inventory and
the first write of every series; their worst latencies are reported apart (`warmup_*`).

Reported: ingest (samples offered, acknowledged, the rate achieved, p50/p99 per request of up
to 10,000 samples, measured from the request's scheduled time), `/map/status.json` and
`/api/v1/health/sites` latency (`--reads-per-s` requests a second each, 4 by default, during
the load), how stale health was (now minus `evaluated_at`, max), and, from `/metrics` where the
checkout has it, tick durations and overruns. `--checkout DIR` serves DIR's code with DIR's
`.venv` (the load and the measurements stay this checkout's), for a before/after of the same
work in one run.

Targets (issue "The controller at 10,000 sites"): ingest sustained at 40,000 samples/s with p99
under 0.5 s per 10,000-sample request and no sample lost; status.json and health/sites under
100 ms; every tick within its interval; health never staler than two intervals.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

from bench.served import served
from sites.inventory import Inventory

BATCH = 10_000
HERE = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load measured")
    parser.add_argument("--warmup", type=float, default=15.0,
                        help="seconds of load first, not in the figures")  # fmt: skip
    parser.add_argument("--port", type=int, default=18090)
    parser.add_argument("--per-site", type=int, default=4, help="series a site reports a second")
    parser.add_argument("--reads-per-s", type=float, default=4.0,
                        help="reads of each JSON route a second (4: its p99 over 60 s is the "
                        "third slowest of 240, not the slowest of 60)")  # fmt: skip
    parser.add_argument("--postgres", help="a PostgreSQL server's SQLAlchemy URL (a database "
                        "that may be emptied); each run gets a fresh database")  # fmt: skip
    parser.add_argument("--checkout", type=Path, help="serve another checkout's code")
    args = parser.parse_args()
    print("command:", " ".join(["python -m bench.bench_controller", *sys.argv[1:]]), flush=True)
    result = run(args, args.checkout or HERE)
    print(json.dumps(result, indent=1))


def run(args: argparse.Namespace, checkout: Path) -> dict[str, Any]:
    with served(checkout, args.sites, args.port, args.postgres) as controller:
        base, token, inventory = controller.base, controller.token, controller.inventory
        series = _series(inventory, args.per_site)
        ingest, reads, before = _load(
            base, token, series, args.duration, args.warmup, reads_per_s=args.reads_per_s
        )
        after = _metrics(base)
        metrics = _ticks({
            k: v - before.get(k, 0.0) if isinstance(v, float) else v for k, v in after.items()
        })  # fmt: skip
    return {"code": str(checkout), "sites": len(inventory.sites),
            "database": "postgresql" if args.postgres else "sqlite",
            "series": len(series), **ingest, **reads, **metrics}  # fmt: skip


def _series(inventory: Inventory, per_site: int) -> list[tuple[str, str, str]]:
    """`per_site` series a site: each of its links, then the busiest applications on its first
    link (a CPE reports both), as the reference load counts 4 a site."""
    apps = [a.name for a in inventory.applications]
    found = []
    for site in inventory.sites:
        mine = [(site.id, k.id, "") for k in site.links][:per_site]
        mine += [(site.id, site.links[0].id, app) for app in apps[: per_site - len(mine)]]
        found += mine
    return found


class _Poster:
    """POSTs batches of samples over one keep-alive connection per thread, counting answers."""

    def __init__(self, base: str, token: str) -> None:
        self.host = base.removeprefix("http://")
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.latencies: list[float] = []
        self.when: list[float] = []
        self.counts: list[int] = []
        self.acknowledged = self.offered = self.failed = 0
        self._lock = threading.Lock()
        self._local = threading.local()

    @staticmethod
    def body(scheduled: float, batch: list[tuple[str, str, str]]) -> bytes:
        """The upload of `batch` stamped with the second it is due: prepared before that
        second, as a CPE has its samples ready, so that the latency measured is the server's."""
        stamp = datetime.fromtimestamp(scheduled).astimezone().isoformat()
        return json.dumps({"samples": [
            {"site": s, "link": k, "app": a or None, "timestamp": stamp, "latency_ms": 30.0,
             "jitter_ms": 2.0, "loss_pct": 0.0, "utilization": 0.3, "throughput_bps": 1e6,
             "up": True}
            for s, k, a in batch
        ]}).encode()  # fmt: skip

    def post(self, scheduled: float, body: bytes, size: int) -> None:
        if not hasattr(self._local, "conn"):
            self._local.conn = HTTPConnection(self.host, timeout=30)
        try:
            self._local.conn.request("POST", "/api/v1/telemetry", body, self.headers)
            answer = self._local.conn.getresponse()
            payload = json.loads(answer.read())
            ok = answer.status == 202
        except (OSError, ValueError):
            self._local.conn = HTTPConnection(self.host, timeout=30)
            ok, payload = False, {}
        with self._lock:
            self.offered += size
            self.latencies.append(time.time() - scheduled)
            self.when.append(scheduled)
            self.counts.append(int(payload.get("accepted", 0)) if ok else 0)
            if ok:
                self.acknowledged += int(payload.get("accepted", 0))
            else:
                self.failed += size


class _Reads(threading.Thread):
    """`rate` times a second: status.json and health/sites, timed; how stale health was."""

    def __init__(self, base: str, token: str, rate: float) -> None:
        super().__init__(daemon=True)
        self.base, self.token, self.rate = base, token, rate
        self.times: dict[str, list[float]] = {"status_json": [], "health_sites": []}
        self.when: dict[str, list[float]] = {"status_json": [], "health_sites": []}
        self.stale: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        paths = {"status_json": "/map/status.json", "health_sites": "/api/v1/health/sites"}
        while not self.stop.wait(1.0 / self.rate):
            for name, path in paths.items():
                request = urllib.request.Request(
                    self.base + path, headers={"Authorization": f"Bearer {self.token}"}
                )
                began = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        data = json.loads(answer.read())
                except (OSError, ValueError):
                    continue
                self.times[name].append(time.perf_counter() - began)
                self.when[name].append(time.time())
                if name == "health_sites":
                    at = datetime.fromisoformat(data["evaluated_at"]).timestamp()
                    self.stale.append(time.time() - at)


def _load(
    base: str,
    token: str,
    series: list[tuple[str, str, str]],
    duration: float,
    warmup: float,
    *,
    reads_per_s: float,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, float]]:
    """Every series once a second in batches of BATCH, open loop, while reads are sampled:
    `warmup` seconds, then `duration` seconds measured. Returns the figures of the measured
    part, and the loop counters at its start."""
    batches = [series[i : i + BATCH] for i in range(0, len(series), BATCH)]
    poster, reads = _Poster(base, token), _Reads(base, token, reads_per_s)
    reads.start()
    start = time.time() + 1.0
    measured = start + warmup
    before: dict[str, float] = {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        for second in range(int(warmup + duration)):
            scheduled = start + second
            time.sleep(max(0.0, scheduled - 0.5 - time.time()))
            bodies = [(poster.body(scheduled, batch), len(batch)) for batch in batches]
            if second == int(warmup):
                before = _metrics(base)
            time.sleep(max(0.0, scheduled - time.time()))
            for body, size in bodies:
                pool.submit(poster.post, scheduled, body, size)
    reads.stop.set()
    reads.join()
    took = time.time() - measured
    kept = [i for i, at in enumerate(poster.when) if at >= measured]
    latencies = [poster.latencies[i] for i in kept]
    warm = [d for d, at in zip(poster.latencies, poster.when, strict=True) if at < measured]
    ingest = {
        "samples_offered": poster.offered, "samples_acknowledged": poster.acknowledged,
        "samples_failed": poster.failed,
        "ingest_rate": round(sum(poster.counts[i] for i in kept) / took),
        "post_p50_s": _pct(latencies, 0.5), "post_p99_s": _pct(latencies, 0.99),
        "post_slowest": _slowest([poster.when[i] for i in kept], latencies, start),
        "warmup_post_max_s": round(max(warm), 2) if warm else None,
    }  # fmt: skip
    summary: dict[str, Any] = {}
    for name, times in reads.times.items():
        when = reads.when[name]
        after = [d for d, at in zip(times, when, strict=True) if at >= measured]
        warm_reads = [d for d, at in zip(times, when, strict=True) if at < measured]
        summary[f"{name}_p50_s"] = _pct(after, 0.5)
        summary[f"{name}_p99_s"] = _pct(after, 0.99)
        summary[f"{name}_slowest"] = _slowest([a for a in when if a >= measured], after, start)
        summary[f"warmup_{name}_max_s"] = round(max(warm_reads, default=0.0), 2)
    stale = [d for d, at in zip(reads.stale, reads.when["health_sites"], strict=True)
             if at >= measured]  # fmt: skip
    summary["health_stale_max_s"] = round(max(stale), 1) if stale else None
    return ingest, summary, before


def _metrics(base: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(f"{base}/metrics", timeout=10) as answer:
            text = answer.read().decode()
    except urllib.error.HTTPError:
        return {"metrics": "none (this checkout has no /metrics)"}
    found: dict[str, Any] = {}
    for line in text.splitlines():
        for loop in ("reconcile", "monitor"):
            label = f'{{loop="{loop}"}}'
            for name, key in (("branchline_tick_seconds_sum", "tick_s_sum"),
                              ("branchline_tick_seconds_count", "ticks"),
                              ("branchline_tick_overruns_total", "overruns"),
                              ("branchline_ticks_skipped_total", "skipped")):  # fmt: skip
                if line.startswith(name + label):
                    found[f"{loop}_{key}"] = float(line.split()[-1])
    return found


def _ticks(found: dict[str, Any]) -> dict[str, Any]:
    """The loop counters with each loop's mean tick."""
    for loop in ("reconcile", "monitor"):
        if found.get(f"{loop}_ticks"):
            mean = found[f"{loop}_tick_s_sum"] / found[f"{loop}_ticks"]
            found[f"{loop}_tick_mean_s"] = round(mean, 3)
    return found


def _slowest(when: list[float], took: list[float], start: float, n: int = 5) -> list[str]:
    """The n slowest, as "at +T s: D s" (T from the start of the load): when the stalls were."""
    worst = sorted(zip(took, when, strict=True), reverse=True)[:n]
    return [f"at +{at - start:.0f} s: {d:.2f} s" for d, at in worst]


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


if __name__ == "__main__":
    main()
