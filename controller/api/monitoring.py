"""/api/v1/health/sites, /api/v1/sites/{id}/health and /api/v1/alarms: what the monitor saw
at its last tick, and acknowledging alarms."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from controller.api.auth import Operator, Viewer, check_site
from controller.api.deps import RowId, running
from controller.api.snapshot_views import SnapshotViews
from controller.auth.principal import Principal
from controller.monitor.service import Monitor
from telemetry.alarms import Alarm, AlarmKind, AlarmNotFoundError, AlarmStateError
from telemetry.health import HealthSnapshot, LinkHealth, Status
from telemetry.samples import from_ms

router = APIRouter(prefix="/api/v1", tags=["health and alarms"])


class SiteStatus(BaseModel):
    site: str
    status: Status


class HealthSummary(BaseModel):
    evaluated_at: datetime
    counts: dict[Status, int]
    items: list[SiteStatus]


class LinkRead(BaseModel):
    link: str
    state: str
    sla: dict[str, bool]
    latency_ms: float | None
    jitter_ms: float | None
    loss_pct: float | None
    utilization: float | None
    last_sample: datetime | None


class SiteHealthRead(BaseModel):
    site: str
    status: Status
    reasons: list[str]
    links: list[LinkRead]
    last_sample: datetime | None


class AlarmRead(BaseModel):
    id: int
    kind: str
    site: str
    link: str | None
    severity: str
    message: str
    raised_at: datetime
    cleared_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    suppressed_by: int | None


def _monitor(request: Request) -> Monitor:
    monitor: Monitor = running(request, "monitor")
    return monitor


def _snapshot(request: Request) -> HealthSnapshot:
    return _monitor(request).current(datetime.now(UTC))


def alarm_read(a: Alarm) -> AlarmRead:
    return AlarmRead(
        id=a.id, kind=a.key.kind.value, site=a.key.site, link=a.key.link or None,
        severity=a.severity.value, message=a.message, raised_at=a.raised_at,
        cleared_at=a.cleared_at, acknowledged_at=a.acknowledged_at,
        acknowledged_by=a.acknowledged_by, suppressed_by=a.suppressed_by,
    )  # fmt: skip


def _link(k: LinkHealth) -> LinkRead:
    return LinkRead(
        link=k.link, state=k.state.value, sla=k.sla, latency_ms=k.latency_ms,
        jitter_ms=k.jitter_ms, loss_pct=k.loss_pct, utilization=k.utilization,
        last_sample=k.last_sample,
    )  # fmt: skip


def _visible(who: Principal, site: str) -> bool:
    return who.sees(site)


@router.get("/health/sites", response_model=HealthSummary)
async def health_summary(request: Request, who: Viewer, status: Status | None = None) -> Response:
    """Every site's colour at the monitor's last tick (green, amber, red, grey: no data)."""
    # Most requests find the answer rendered for this snapshot and never leave the event loop.
    snapshot = request.app.state.monitor.snapshot
    views: SnapshotViews = request.app.state.snapshot_views
    body = None if snapshot is None else views.peek(snapshot, _summary_key(who, status))
    if body is None:
        body = await run_in_threadpool(summary_body, request.app.state, who, status)
    return Response(body, media_type="application/json")


def _summary_key(who: Principal, status: Status | None) -> Hashable:
    return ("health/sites", who.sites, status)


def summary_body(
    app_state: Any,
    who: Principal,
    status: Status | None = None,
    *,
    snapshot: HealthSnapshot | None = None,
) -> bytes:
    """`HealthSummary` as JSON of the monitor's last snapshot (or `snapshot`), rendered once
    per snapshot, scope and filter."""
    monitor: Monitor = app_state.monitor
    if snapshot is None:
        snapshot = monitor.current(datetime.now(UTC))

    def render() -> bytes:
        statuses = {s: v for s, v in snapshot.statuses().items() if who.sees(s)}
        counts = {st: sum(1 for v in statuses.values() if v is st) for st in Status}
        items = [SiteStatus(site=s, status=v) for s, v in statuses.items() if status in (None, v)]
        summary = HealthSummary(evaluated_at=from_ms(snapshot.now_ms), counts=counts, items=items)
        return summary.model_dump_json().encode()

    views: SnapshotViews = app_state.snapshot_views
    return views.get(snapshot, _summary_key(who, status), render)


@router.get("/sites/{site_id}/health")
def site_health(request: Request, who: Viewer, site_id: str) -> SiteHealthRead:
    """One site's colour, the reasons for it, and each link's state and SLA verdicts."""
    check_site(who, site_id)
    snapshot = _snapshot(request)
    if site_id not in snapshot.statuses():
        raise HTTPException(404, f"no site with id {site_id!r}")
    health = snapshot.site(site_id)
    return SiteHealthRead(
        site=health.site,
        status=health.status,
        reasons=list(health.reasons),
        links=[
            LinkRead(
                link=k.link,
                state=k.state.value,
                sla=k.sla,
                latency_ms=k.latency_ms,
                jitter_ms=k.jitter_ms,
                loss_pct=k.loss_pct,
                utilization=k.utilization,
                last_sample=k.last_sample,
            )
            for k in health.links
        ],
        last_sample=health.last_sample,
    )


@router.get("/alarms")
def list_alarms(
    request: Request,
    who: Viewer,
    active: bool | None = True,
    site: str | None = None,
    kind: AlarmKind | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AlarmRead]:
    """Alarms, newest first; active ones by default."""
    if site is not None:
        check_site(who, site)
    found = _monitor(request).alarms.search(active=active, site=site, kind=kind, limit=limit)
    return [alarm_read(a) for a in found if _visible(who, a.key.site)]


@router.post("/alarms/{alarm_id}/acknowledge")
def acknowledge(request: Request, who: Operator, alarm_id: RowId) -> AlarmRead:
    return acknowledge_alarm(_monitor(request), who, alarm_id)


def acknowledge_alarm(monitor: Monitor, who: Principal, alarm_id: int) -> AlarmRead:
    """`who` (an operator) acknowledges an alarm: 404 for one that does not exist, 403 for one
    of a site outside its scope, 409 for one that cannot be (cleared already)."""
    try:
        alarm = monitor.alarms.get(alarm_id)
    except AlarmNotFoundError:
        raise HTTPException(404, f"no alarm with id {alarm_id}") from None
    check_site(who, alarm.key.site)
    try:
        return alarm_read(monitor.acknowledge(alarm_id, who.name, datetime.now(UTC)))
    except AlarmStateError as exc:
        raise HTTPException(409, str(exc)) from None
