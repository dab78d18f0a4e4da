"""GET /metrics: the controller's own figures in Prometheus' text format.

No token is asked: it tells how the controller runs (tick durations, overruns, samples,
request latencies), never anything about a site, and scrapers seldom carry credentials. Put it
behind the reverse proxy's access rules if the controller's address is reachable from outside.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from controller.metrics import Metrics

router = APIRouter(tags=["metrics"])


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus text exposition of this controller's metrics."""
    registry: Metrics = request.app.state.metrics
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
