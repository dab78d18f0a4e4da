"""What the controller measures of itself, for Prometheus (`GET /metrics`).

One registry per application (not prometheus-client's global one), so that several apps in one
process, as in the tests, count apart. The names follow Prometheus' conventions: seconds,
`_total` for counters.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Ticks of 1 ms to 1 min; requests of 1 ms to 10 s.
_TICK_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


@dataclass
class Metrics:
    """The controller's instruments, in their own registry."""

    registry: CollectorRegistry = field(
        default_factory=lambda: CollectorRegistry(auto_describe=True)
    )

    def __post_init__(self) -> None:
        r = self.registry
        self._watched: dict[str, Gauge] = {}
        self.tick_seconds = Histogram(
            "branchline_tick_seconds", "How long one tick of a loop took.", ["loop"],
            buckets=_TICK_BUCKETS, registry=r,
        )  # fmt: skip
        self.tick_overruns = Counter(
            "branchline_tick_overruns_total", "Ticks that took longer than their interval.",
            ["loop"], registry=r,
        )  # fmt: skip
        self.ticks_skipped = Counter(
            "branchline_ticks_skipped_total",
            "Ticks not taken because the one before was still running.", ["loop"], registry=r,
        )  # fmt: skip
        self.tick_failures = Counter(
            "branchline_tick_failures_total", "Ticks that ended with an error.", ["loop"],
            registry=r,
        )  # fmt: skip
        self.samples = Counter(
            "branchline_samples_total",
            "Telemetry samples received, by outcome: stored, too_old, unknown_site, "
            "unknown_link, unknown_app, ahead_of_clock.", ["outcome"], registry=r,
        )  # fmt: skip
        self.request_seconds = Histogram(
            "branchline_request_seconds", "API request latency, by route template and method.",
            ["method", "route"], buckets=_REQUEST_BUCKETS, registry=r,
        )  # fmt: skip
        self.requests_in_flight = Gauge(
            "branchline_requests_in_flight", "API requests being served now.", registry=r
        )

    def watch(self, name: str, description: str, read: Callable[[], float]) -> None:
        """A gauge read when Prometheus scrapes: the depth of a queue the controller keeps.
        Watching a name again (the app started again) reads the new source."""
        gauge = self._watched.get(name)
        if gauge is None:
            gauge = self._watched[name] = Gauge(name, description, registry=self.registry)
        gauge.set_function(read)


class RequestTimer:
    """ASGI middleware: the latency of every HTTP request, labelled by its route's template
    (`/api/v1/sites/{site_id}`, never the concrete path: one series per route)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        in_flight = self.metrics.requests_in_flight

        async def timed_send(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                route = scope.get("route")
                template = getattr(route, "path", None) or "unmatched"
                self.metrics.request_seconds.labels(scope.get("method", ""), template).observe(
                    time.perf_counter() - began
                )

        in_flight.inc()
        try:
            await self.app(scope, receive, timed_send)
        finally:
            in_flight.dec()
