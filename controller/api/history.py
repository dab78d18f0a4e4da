"""Day, week and month views: a site's link metrics over time, the applications with the most
traffic, each application's share of time within SLA, and site-to-hub quality."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel

from controller.api.auth import NetworkViewer, Viewer, check_site
from controller.api.deps import StoreDep, running
from controller.errors import NotFoundError
from controller.monitor.service import Monitor
from telemetry.health import Period, hub_quality
from telemetry.health.history import app_sla_history, history, top_apps_history
from telemetry.samples import from_ms
from telemetry.store.base import Selector, TelemetryStore

router = APIRouter(prefix="/api/v1", tags=["history"])


class Window(BaseModel):
    start: datetime
    samples: int
    latency_ms: float
    jitter_ms: float
    loss_pct: float
    utilization: float
    throughput_bps: float
    up_ratio: float


class Series(BaseModel):
    site: str
    link: str
    app: str | None
    windows: list[Window]


class AppTrafficRead(BaseModel):
    app: str
    bytes: float
    mean_bps: float


class AppSlaRead(BaseModel):
    app: str
    sla_class: str
    within_share: float
    samples: int


class HubPathRead(BaseModel):
    site: str
    hubs: list[str]
    link: str | None
    latency_ms: float | None
    jitter_ms: float | None
    loss_pct: float | None
    score: float | None
    status: str


def _telemetry(request: Request) -> TelemetryStore:
    store: TelemetryStore = running(request, "telemetry")
    return store


@router.get("/sites/{site_id}/history")
def site_history(
    request: Request, store: StoreDep, who: Viewer, site_id: str, period: Period = Period.DAY,
    link: str | None = None, app: str | None = None,
) -> list[Series]:  # fmt: skip
    """Means per window (day: 5 min, week: 1 h, month: 1 day) of each link (and app) series."""
    check_site(who, site_id)
    if not store.sites.exists(site_id):
        raise NotFoundError(f"no site with id {site_id!r}")
    windows = history(_telemetry(request), Selector(site=site_id, link=link, app=app), period,
                      datetime.now(UTC))  # fmt: skip
    series: dict[tuple[str, str, str], list[Window]] = {}
    for i in range(len(windows)):
        key = (windows.site[i], windows.link[i], windows.app[i])
        series.setdefault(key, []).append(
            Window(start=from_ms(int(windows.ts_ms[i])), samples=int(windows.count[i]),
                   latency_ms=float(windows.latency_ms[i]), jitter_ms=float(windows.jitter_ms[i]),
                   loss_pct=float(windows.loss_pct[i]), utilization=float(windows.utilization[i]),
                   throughput_bps=float(windows.throughput_bps[i]),
                   up_ratio=float(windows.up_ratio[i]))
        )  # fmt: skip
    return [Series(site=s, link=k, app=a or None, windows=w) for (s, k, a), w in series.items()]


@router.get("/applications-top")
def top_applications(
    request: Request,
    _: NetworkViewer,
    period: Period = Period.DAY,
    n: Annotated[int, Query(ge=1, le=100)] = 10,
) -> list[AppTrafficRead]:
    """The applications that carried the most traffic over the period, network-wide."""
    top = top_apps_history(_telemetry(request), period, datetime.now(UTC), n=n)
    return [AppTrafficRead(app=t.app, bytes=t.bytes, mean_bps=t.mean_bps) for t in top]


@router.get("/applications-sla")
def applications_sla(
    request: Request, who: Viewer, period: Period = Period.DAY, site: str | None = None
) -> list[AppSlaRead]:
    """Per application, the share of the period its traffic was within its SLA class."""
    if site is not None:
        check_site(who, site)
    elif who.scoped:
        raise HTTPException(403, f"{who.name} is site-scoped: give ?site=")
    monitor: Monitor = running(request, "monitor")
    shares = app_sla_history(_telemetry(request), monitor.layout(), period, datetime.now(UTC), site)
    return [AppSlaRead(app=a.app, sla_class=a.sla_class, within_share=a.within_share,
                       samples=a.samples) for a in shares.values()]  # fmt: skip


@router.get("/health/hub-paths")
def hub_paths(request: Request, who: Viewer) -> list[HubPathRead]:
    """Each spoke's best path to its hub at the monitor's last tick, for colouring the map."""
    monitor: Monitor = running(request, "monitor")
    if monitor.snapshot is None:
        return []
    return [
        HubPathRead(site=h.site, hubs=list(h.hubs), link=h.link, latency_ms=h.latency_ms,
                    jitter_ms=h.jitter_ms, loss_pct=h.loss_pct, score=h.score,
                    status=h.status.value)
        for h in hub_quality(monitor.snapshot) if who.sees(h.site)
    ]  # fmt: skip
