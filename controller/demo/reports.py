"""The demo's CPEs reporting: every second the live feed (`simulator.feed`) advances and what its
probes measured is POSTed to `/api/v1/telemetry`, the path real CPEs use, each site with its
CPE's token: the branches opened by ZTP with the token their bootstrap gave them (and only once
opened), the others with the demo fleet's device token (role `device`, scoped to them)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.client import HTTPConnection
from typing import Any

import numpy as np
import orjson

from controller.reconcile.loop import next_tick
from simulator.feed import LiveFeed
from telemetry.batch import LINK_LEVEL, SampleBatch
from telemetry.samples import MAX_LATENCY_MS

log = logging.getLogger("branchline.demo")
CHUNK = 5_000
"""Samples per request (the API takes up to 10,000)."""


def payloads(batch: SampleBatch, rows: np.ndarray) -> list[bytes]:
    """`rows` of `batch` as upload bodies of at most `CHUNK` samples."""
    stamp = datetime.fromtimestamp(int(batch.ts_ms[0]) / 1000, UTC).isoformat()
    latency = np.clip(np.nan_to_num(batch.latency_ms, posinf=MAX_LATENCY_MS), 0, MAX_LATENCY_MS)
    jitter = np.clip(np.nan_to_num(batch.jitter_ms, posinf=MAX_LATENCY_MS), 0, MAX_LATENCY_MS)
    bodies = []
    for start in range(0, len(rows), CHUNK):
        samples = [
            {"site": batch.site[i], "link": batch.link[i],
             "app": None if batch.app[i] == LINK_LEVEL else batch.app[i], "timestamp": stamp,
             "latency_ms": float(latency[i]), "jitter_ms": float(jitter[i]),
             "loss_pct": float(batch.loss_pct[i]), "utilization": float(batch.utilization[i]),
             "throughput_bps": float(batch.throughput_bps[i]), "up": bool(batch.up[i])}
            for i in rows[start : start + CHUNK].tolist()
        ]  # fmt: skip
        bodies.append(orjson.dumps({"samples": samples}))
    return bodies


class Reports:
    """A thread stepping `feed` every second and POSTing each site's samples with the token
    `token_of(site)` gives (None: that site has no CPE reporting yet)."""

    def __init__(self, feed: LiveFeed, base: str, token_of: Callable[[str], str | None]) -> None:
        self.feed = feed
        self._host = base.removeprefix("http://")
        self._token_of = token_of
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-cpes", daemon=True)
        self.posted = 0
        """Samples the controller acknowledged."""
        self.failures = 0
        self._said: set[str] = set()

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        connection: HTTPConnection | None = None
        while not self._stop.is_set():
            tick = next_tick(time.time(), 1.0)
            if self._stop.wait(max(0.0, tick - time.time())):
                return
            try:
                batch = self.feed.step(datetime.fromtimestamp(tick, UTC))
                if batch is None:
                    continue
                connection = connection or HTTPConnection(self._host, timeout=30)
                for token, rows in self._by_token(batch).items():
                    for body in payloads(batch, rows):
                        connection = self._post(connection, token, body)
            except Exception:  # the demo's CPEs must not stop reporting for one bad second
                log.exception("demo: a second of reports failed")
                self.failures += 1

    def _by_token(self, batch: SampleBatch) -> dict[str, np.ndarray]:
        tokens: dict[str, str | None] = {s: self._token_of(s) for s in set(batch.site)}
        by: dict[str, list[int]] = {}
        for i, site in enumerate(batch.site):
            token = tokens[site]
            if token is not None:
                by.setdefault(token, []).append(i)
        return {t: np.array(rows, dtype=np.intp) for t, rows in by.items()}

    def _post(self, connection: HTTPConnection, token: str, body: bytes) -> HTTPConnection:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        try:
            connection.request("POST", "/api/v1/telemetry", body, headers)
            answer = connection.getresponse()
            payload: dict[str, Any] = orjson.loads(answer.read() or b"{}")
        except (OSError, ValueError):
            self.failures += 1
            connection.close()
            return HTTPConnection(self._host, timeout=30)
        if answer.status == 202:
            self.posted += int(payload.get("accepted", 0))
        else:  # the status and the controller's words (once each); never the token
            self.failures += 1
            said = f"demo: telemetry refused ({answer.status}): {str(payload)[:300]}"
            if said not in self._said:
                self._said.add(said)
                log.warning("%s", said)
        return connection
