"""Controller API under load: reading a site's paths, and previewing a policy, on the
340-branch reference network. The server runs `branchline serve` pinned to one core; the load
comes from a separate process (bench/load.py) pinned to the other.

    .venv/bin/python -m bench.bench_api

Target (issue "Controller API"): a site's paths at 1,000 requests/s with p99 under 50 ms on one
worker.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from controller.auth.principal import Role
from controller.reconcile.reconciler import Reconciler
from controller.settings import Settings
from controller.stores import open_store, open_telemetry_store
from policies.policy import Policy
from sites.generator import generate_reference_network
from sites.inventory import Inventory
from telemetry.batch import SampleBatch
from telemetry.samples import Sample

BRANCHLINE = Path(sys.executable).parent / "branchline"


def samples(inventory: Inventory, at: datetime) -> list[Sample]:
    """One link-level sample per link, the primaries at 60 % (room for a preview to act on)."""
    return [
        Sample(site=s.id, link=k.id, timestamp=at, latency_ms=35.0, jitter_ms=3.0, loss_pct=0.0,
               utilization=0.6 if k.role == "primary" else 0.1, throughput_bps=1e6, up=True)
        for s in inventory.sites for k in s.links
    ]  # fmt: skip


def prepare(data_dir: Path) -> tuple[str, Inventory]:
    settings = Settings(data_dir=data_dir)
    store, telemetry = open_store(settings), open_telemetry_store(settings)
    inventory = generate_reference_network(340, seed=7)
    store.replace_inventory(inventory, actor="bench")
    store.users.add("bench", Role.ADMIN, None, actor="bench")
    token = store.users.create_token("bench", "bench", actor="bench").text
    now = datetime.now(UTC)
    telemetry.write(SampleBatch.from_samples(samples(inventory, now)))
    telemetry.flush()
    Reconciler(store, telemetry, timedelta(hours=1)).step(now)  # every site gets its paths
    telemetry.close()
    store.engine.dispose()
    return token, inventory


def load(url: str, paths: list[str], token: str, **options: object) -> dict[str, float]:
    args = [sys.executable, "-m", "bench.load", "--url", url,
            "--header", f"Authorization: Bearer {token}"]  # fmt: skip
    for path in paths:
        args += ["--path", path]
    for key, value in options.items():
        args += [f"--{key}", str(value)]
    out = subprocess.run(["taskset", "-c", "1", *args], capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="branchline-bench-") as tmp:
        token, inventory = prepare(Path(tmp))
        env = {**os.environ, "BRANCHLINE_DATA_DIR": tmp, "BRANCHLINE_RECONCILE_INTERVAL_S": "0",
               "BRANCHLINE_OBSERVATION_LOOKBACK_S": "3600"}  # fmt: skip
        server = subprocess.Popen(
            ["taskset", "-c", "0", str(BRANCHLINE), "serve", "--port", str(args.port),
             "--log-level", "warning"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"http://127.0.0.1:{args.port}"
        try:
            _wait(f"{url}/api/v1/health")
            paths = [f"/api/v1/sites/{s.id}/paths" for s in inventory.sites]
            # Closed loop first: it also warms the caches (tokens, serialised paths), so that the
            # open-loop run measures the steady state rather than the first second after start.
            flat_out = load(url, paths, token, rate=0, duration=args.duration / 2, connections=16)
            fixed = load(url, paths, token, rate=args.rate, duration=args.duration)
            policy = Policy().model_dump(mode="json")
            policy["utilization"]["primary"] = {"upper": 0.55, "lower": 0.3}
            body = json.dumps({"policy": policy})
            preview = load(url, ["/api/v1/policies/default/preview"], token, method="POST",
                           body=body, rate=0, duration=args.duration, connections=1)  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=30)

    print("controller API, 340-branch reference network, server on one core, load from another")
    _row(f"site paths at {args.rate}/s (open loop)", fixed)
    _row("site paths, as fast as possible (16 conn.)", flat_out)
    _row("policy preview, one at a time (341 sites)", preview)
    print(
        f"target: paths at 1,000/s with p99 < 50 ms -> "
        f"{'met' if fixed['p99_ms'] < 50 and fixed['rate'] >= 0.98 * args.rate else 'NOT met'}"
    )
    print(f"reproduce: .venv/bin/python -m bench.bench_api --rate {args.rate} "
          f"--duration {args.duration:g}")  # fmt: skip


def _row(label: str, result: dict[str, float]) -> None:
    print(f"  {label:45} {result['rate']:8.1f} req/s  p50 {result['p50_ms']:7.2f} ms  "
          f"p99 {result['p99_ms']:7.2f} ms  errors {int(result['errors'])}")  # fmt: skip


def _wait(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the controller did not answer at {url}")


if __name__ == "__main__":
    main()
