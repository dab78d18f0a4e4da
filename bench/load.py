"""An HTTP/1.1 load generator to run in its own process (so the server's core is its own).

Open loop (`--rate R`): requests are scheduled at a fixed rate over keep-alive connections and
each latency is measured from its scheduled time, so a stalled server cannot hide its queue
(no coordinated omission). Closed loop (`--rate 0`): each connection sends its next request as
soon as the previous answer arrives: the maximum throughput.

    python -m bench.load --url http://127.0.0.1:8080 --path /api/v1/health --rate 1000 --duration 10

Prints one JSON object: sent, ok, errors, achieved rate, and latency percentiles in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from itertools import cycle
from urllib.parse import urlsplit


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes, body: bytes
) -> int:
    writer.write(head + body)
    await writer.drain()
    status_line = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(status_line.split()[1])


def _heads(
    host: str, paths: list[str], method: str, headers: list[str], body: bytes
) -> list[bytes]:
    extra = "".join(f"{h}\r\n" for h in headers)
    if body:
        extra += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return [f"{method} {p} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode() for p in paths]


async def run(args: argparse.Namespace) -> dict[str, object]:
    url = urlsplit(args.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    body = args.body.encode() if args.body else b""
    heads = cycle(_heads(f"{host}:{port}", args.path, args.method, args.header, body))
    latencies: list[float] = []
    errors = 0
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    end = start + args.duration
    total = int(args.rate * args.duration) if args.rate else 0

    async def worker(index: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        n = index
        try:
            while True:
                due = start + n / args.rate if args.rate else loop.time()
                if (args.rate and n >= total) or due >= end:
                    return
                if due > loop.time():
                    await asyncio.sleep(due - loop.time())
                status = await _request(reader, writer, next(heads), body)
                if 200 <= status < 300:
                    latencies.append((loop.time() - due) * 1000)
                else:
                    errors += 1
                n += args.connections if args.rate else 1
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(args.connections)))
    wall = time.perf_counter() - began - 0.2
    latencies.sort()

    def pct(q: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2)

    return {
        "ok": len(latencies),
        "errors": errors,
        "rate": round(len(latencies) / wall, 1) if wall > 0 else 0.0,
        "p50_ms": pct(0.50) if latencies else None,
        "p99_ms": pct(0.99) if latencies else None,
        "max_ms": round(latencies[-1], 2) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--path", action="append", required=True, help="repeat to rotate paths")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--body", default="")
    parser.add_argument("--rate", type=float, default=0, help="requests/s; 0: as fast as possible")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    print(json.dumps(asyncio.run(run(parser.parse_args()))))


if __name__ == "__main__":
    main()
