"""Hostile input against a running controller: does it stay up and keep answering?

    .venv/bin/python -m bench.bench_hostile --sites 340 --duration 30

One `branchline serve` (bench/served.py) over the generated network. Several threads send, for
`--duration` seconds, every kind of hostile request the hardening issue names, each as fast as
the server answers: YAML whose aliases expand a thousandfold (inventory import and simulation
submission), bodies over the limits with and without a Content-Length, JSON nested 100,000 deep,
extreme numbers (1e400, NaN, 10^1000), extreme and naive dates, ids beyond 2^63. Meanwhile
`GET /api/v1/health` is timed every 50 ms from a process of its own.

Reported: the answers by status per kind (a 5xx or a dropped connection is a failure), the
health latency p50/p99/max during the attack, whether the server is still up afterwards, and
the server's peak memory (VmHWM). Target (issue "Hardening"): no 5xx, up at the end, health
within 100 ms throughout.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

from bench.served import served

HERE = Path(__file__).resolve().parent.parent
Request = tuple[str, str, dict[str, str], bytes | Callable[[], Iterator[bytes]]]


def alias_bomb(chars: int, uses: int) -> bytes:
    return (
        f"version: 1\nfiller: &s {'x' * chars}\nsites: [" + ", ".join(["*s"] * uses) + "]\n"
    ).encode()


def chunks(total: int) -> Callable[[], Iterator[bytes]]:
    def body() -> Iterator[bytes]:
        yield b'{"policy": {"name": "'
        for _ in range(total // 65_536):
            yield b"x" * 65_536
        yield b'"}}'

    return body


def sample(**extra: Any) -> dict[str, Any]:
    return {"site": "br-x", "link": "mpls-1", "timestamp": "2026-12-05T06:00:00Z",
            "latency_ms": 1.0, "jitter_ms": 1.0, "loss_pct": 0.0, "utilization": 0.1,
            "throughput_bps": 1.0, "up": True} | extra  # fmt: skip


def requests(token: str) -> dict[str, Request]:
    auth = {"Authorization": f"Bearer {token}"}
    yaml = auth | {"Content-Type": "application/yaml"}
    js = auth | {"Content-Type": "application/json"}
    bomb = alias_bomb(100_000, 1_000)  # 200 KB that expands to 100 MB
    telemetry = "/api/v1/telemetry"
    plain = json.dumps({"samples": [sample(latency_ms=7e307), sample(jitter_ms=-0.0)]})
    numbers = plain.replace("7e+307", "1e400").encode()  # beyond any float
    return {
        "yaml alias bomb, inventory": ("PUT", "/api/v1/inventory", yaml, bomb),
        "yaml alias bomb, simulation": ("POST", "/api/v1/simulations", yaml, bomb),
        "chunked body over the limit": ("POST", "/api/v1/policies/default/preview", js,
                                        chunks(3 * 2**20)),
        "declared body over the limit": ("POST", telemetry, js | {"Content-Length": "50000000"},
                                         b"{}"),
        "json nested 100,000 deep": ("POST", telemetry, js, b'{"samples": ' + b"[" * 100_000),
        "extreme numbers": ("POST", telemetry, js, numbers),
        "integer of 1,000 digits": ("POST", telemetry, js,
                                    b'{"samples": [{"latency_ms": 1' + b"0" * 1000 + b"}]}"),
        "NaN literal": ("POST", telemetry, js, b'{"samples": [{"latency_ms": NaN}]}'),
        "year 9999 and naive dates": ("GET", "/api/v1/path-changes?since=9999-12-31T23:59:59"
                                      "&until=0001-01-01T00:00:00Z", auth, b""),
        "id beyond 2^63": ("POST", "/api/v1/alarms/99999999999999999999999/acknowledge", auth,
                           b""),
    }  # fmt: skip


class Attack(threading.Thread):
    def __init__(self, host: str, kinds: dict[str, Request], until: float) -> None:
        super().__init__(daemon=True)
        self.host, self.kinds, self.until = host, kinds, until
        self.answers: Counter[tuple[str, str]] = Counter()

    def run(self) -> None:
        while time.time() < self.until:
            for kind, (method, path, headers, body) in self.kinds.items():
                self.answers[(kind, self._send(method, path, headers, body))] += 1

    def _send(self, method: str, path: str, headers: dict[str, str],
              body: bytes | Callable[[], Iterator[bytes]]) -> str:  # fmt: skip
        conn = HTTPConnection(self.host, timeout=60)
        try:
            if callable(body):
                conn.request(method, path, body(), headers, encode_chunked=True)
            else:
                conn.request(method, path, body, headers)
            return str(conn.getresponse().status)
        except OSError as exc:  # the server closed on us: fine after a 413, else a failure
            return f"closed ({type(exc).__name__})"
        finally:
            conn.close()


def health_times(host: str, until: float) -> tuple[list[float], int]:
    times, failures = [], 0
    while time.time() < until:
        began = time.perf_counter()
        conn = HTTPConnection(host, timeout=30)
        try:
            conn.request("GET", "/api/v1/health")
            ok = conn.getresponse().status == 200
        except OSError:
            ok = False
        finally:
            conn.close()
        times.append(time.perf_counter() - began)
        failures += not ok
        time.sleep(max(0.0, 0.05 - times[-1]))
    return times, failures


def peak_memory_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=340)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=18091)
    args = parser.parse_args()
    with served(HERE, args.sites, args.port) as controller:
        host = controller.base.removeprefix("http://")
        quiet, _ = health_times(host, time.time() + 3)
        until = time.time() + args.duration
        attackers = [Attack(host, requests(controller.token), until) for _ in range(args.threads)]
        for attacker in attackers:
            attacker.start()
        # Timed from a process of its own: the attackers' threads must not hold its GIL.
        with ProcessPoolExecutor(max_workers=1) as pool:
            times, failures = pool.submit(health_times, host, until).result()
        for attacker in attackers:
            attacker.join()
        after, after_failures = health_times(host, time.time() + 2)
        answers: Counter[tuple[str, str]] = Counter()
        for attacker in attackers:
            answers.update(attacker.answers)
        ordered = sorted(times)
        report = {
            "answers": {f"{kind}: {status}": n for (kind, status), n in sorted(answers.items())},
            "server_errors": sum(n for (_, s), n in answers.items() if s.startswith("5")),
            "health_quiet_p50_ms": round(sorted(quiet)[len(quiet) // 2] * 1000, 1),
            "health_p50_ms": round(ordered[len(ordered) // 2] * 1000, 1),
            "health_p99_ms": round(ordered[int(0.99 * len(ordered))] * 1000, 1),
            "health_max_ms": round(ordered[-1] * 1000, 1),
            "health_failures": failures,
            "up_afterwards": after_failures == 0 and bool(after),
            "server_peak_memory_mib": peak_memory_mib(controller.pid),
        }
    print(json.dumps(report, indent=1))
    print("reproduce: .venv/bin/python -m bench.bench_hostile " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
