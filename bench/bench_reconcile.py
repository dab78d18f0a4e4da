"""The controller's reconcile step in-process, through a real `Store` (SQLite, or PostgreSQL
with --postgres) and the embedded telemetry store: the placement tick after an import, and
steady ticks with a few links degrading and recovering so applications move.

    .venv/bin/python -m bench.bench_reconcile --sites 340 10000
    .venv/bin/python -m bench.bench_reconcile --sites 10000 --postgres postgresql+psycopg://…
    .venv/bin/python -m bench.bench_reconcile --sites 10000 --checkout ../before   # and before

Each tick writes one link-level sample per link (the reference load: every link every second,
read at a 5 s tick) and then times `Reconciler.step`: reading the newest samples, the engine,
and recording the moves. `--checkout DIR` runs the same measurement, in the same run, with the
code of another checkout (its own `.venv`), for a like-for-like before/after.

Targets (issue "The controller at 10,000 sites"): a steady tick under 0.5 s and the placement
tick under 3 s at 10,000 sites, recording included, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from controller.reconcile.reconciler import Reconciler
from controller.settings import Settings

try:
    from controller.stores import open_store, open_telemetry_store
except ImportError:  # --checkout of a tree from before controller/stores.py
    from controller.app import open_store, open_telemetry_store  # type: ignore[attr-defined]
from sites.generator import generate_reference_network
from sites.inventory import Inventory
from telemetry.batch import SampleBatch

TICK = timedelta(seconds=5)


def link_samples(inventory: Inventory, at: datetime, bad: np.ndarray) -> SampleBatch:
    """One sample per link at `at`; the primaries of the `bad` sites lose 5 % of packets."""
    pairs = [(i, s.id, k.id, k.role == "primary") for i, s in enumerate(inventory.sites)
             for k in s.links]  # fmt: skip
    n = len(pairs)
    lossy = np.array([bool(bad[i]) and primary for i, _, _, primary in pairs])
    return SampleBatch(
        site=tuple(p[1] for p in pairs),
        link=tuple(p[2] for p in pairs),
        app=("",) * n,
        ts_ms=np.full(n, int(at.timestamp() * 1000), dtype=np.int64),
        latency_ms=np.full(n, 35.0),
        jitter_ms=np.full(n, 3.0),
        loss_pct=np.where(lossy, 5.0, 0.0),
        utilization=np.full(n, 0.3),
        throughput_bps=np.full(n, 1e6),
        up=np.ones(n, dtype=np.bool_),
    )


def measure(sites: int, steady: int, database_url: str | None) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-reconcile-") as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=database_url)
        store, telemetry = open_store(settings), open_telemetry_store(settings)
        inventory = generate_reference_network(sites - 1, seed=7)
        store.replace_inventory(inventory, actor="bench")
        reconciler = Reconciler(store, telemetry, timedelta(seconds=10))
        rng = np.random.default_rng(7)
        start = datetime.fromtimestamp(
            (time.time() // 5) * 5 - (steady + 2) * TICK.total_seconds(), UTC
        )
        bad = np.zeros(len(inventory.sites), dtype=np.bool_)
        timings, moves = [], []
        for i in range(steady + 1):
            at = start + i * TICK
            if i > 0:  # about 1 % of the sites change state each tick
                flip = rng.random(len(bad)) < 0.01
                bad ^= flip
            telemetry.write(link_samples(inventory, at, bad))
            telemetry.flush()
            began = time.perf_counter()
            report = reconciler.step(at)
            timings.append(time.perf_counter() - began)
            moves.append(len(report.changes))
        telemetry.close()
        store.engine.dispose()
    tail = timings[1:]
    return {
        "sites": len(inventory.sites),
        "database": "postgresql" if database_url else "sqlite",
        "placement_s": round(timings[0], 3),
        "placed": moves[0],
        "steady_p50_s": round(statistics.median(tail), 3),
        "steady_max_s": round(max(tail), 3),
        "moves_per_steady_tick": round(statistics.mean(moves[1:]), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[340, 10_000])
    parser.add_argument("--steady", type=int, default=10, help="steady ticks after placement")
    parser.add_argument("--postgres", help="a PostgreSQL server's SQLAlchemy URL (a database "
                        "that may be emptied); each run gets a fresh schema")  # fmt: skip
    parser.add_argument("--checkout", type=Path, help="also measure another checkout's code")
    parser.add_argument("--json", action="store_true", help="one JSON line per result")
    args = parser.parse_args()
    print("command:", " ".join([Path(sys.executable).name, "-m", "bench.bench_reconcile",
                                *sys.argv[1:]]), file=sys.stderr)  # fmt: skip
    for sites in args.sites:
        rows = []
        if args.checkout is not None:
            rows.append(("before", other_checkout(args.checkout, sites, args)))
        url = fresh_postgres(args.postgres) if args.postgres else None
        rows.append(("this", measure(sites, args.steady, url)))
        for label, result in rows:
            if args.json:
                print(json.dumps({"code": label, **result}))
            else:
                print(f"{label:6} {result}")


def other_checkout(checkout: Path, sites: int, args: argparse.Namespace) -> dict[str, object]:
    """The same measurement with another checkout's code and its venv."""
    url = fresh_postgres(args.postgres) if args.postgres else None
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2]);"
        "from bench_reconcile import measure;"
        "print(json.dumps(measure(int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] or None)))"
    )
    env = {**os.environ, "PYTHONPATH": str(checkout.resolve())}
    out = subprocess.run(
        [str(checkout / ".venv/bin/python"), "-c", code, str(checkout.resolve()),
         str(Path(__file__).parent), str(sites), str(args.steady), url or ""],
        cwd=checkout, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def fresh_postgres(url: str) -> str:
    """A new, empty database beside the one `url` names."""
    import psycopg

    base, _, _ = url.rpartition("/")
    name = f"bench_reconcile_{os.getpid()}_{time.monotonic_ns()}"
    dsn = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


if __name__ == "__main__":
    main()
