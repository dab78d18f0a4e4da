"""The map's alarm panel: `GET /map/alarms.json` (the open alarms the caller may see, the most
severe first) and `POST /map/alarms/{id}/acknowledge`. Both take the map's credentials (its
session cookie, or a Bearer token), like the rest of `/map`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from controller.api.deps import RowId, StoreDep
from controller.api.login import PRIVATE
from controller.api.map import TokenQuery, viewer
from controller.api.monitoring import acknowledge_alarm, alarm_read
from controller.auth.principal import Principal, Role
from controller.monitor.service import Monitor
from telemetry.alarms import Alarm, Severity

router = APIRouter(tags=["map"])

SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}
"""critical first, warning last (the order `Severity` lists them)."""
MAX_SHOWN = 500
"""Alarms the panel lists at most (the total is given beside them)."""
REQUESTED_WITH = "branchline"
"""The header value the map's own requests carry on POST: a form on another site cannot set a
header, so a cookie alone never acknowledges anything."""


def panel_order(alarms: list[Alarm]) -> list[Alarm]:
    """The most severe first; within a severity, the newest first."""
    newest = sorted(alarms, key=lambda a: a.raised_at, reverse=True)
    return sorted(newest, key=lambda a: SEVERITY_RANK[a.severity])


@router.get("/map/alarms.json")
async def map_alarms(request: Request, store: StoreDep, token: TokenQuery = None) -> JSONResponse:
    """`{"total", "alarms": [...]}`: the open alarms of the sites the caller may see, each with
    its site's name, the most severe first (at most 500)."""
    principal = await viewer(request, store, token)
    body = await run_in_threadpool(_alarms, request.app.state, principal)
    return JSONResponse(body, headers=PRIVATE)


@router.post("/map/alarms/{alarm_id}/acknowledge")
async def map_acknowledge(
    request: Request,
    store: StoreDep,
    alarm_id: RowId,
    x_requested_with: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Acknowledge an alarm from the map (the operator role; 403 without the map's
    `X-Requested-With` header)."""
    if x_requested_with != REQUESTED_WITH:
        raise HTTPException(403, f"send X-Requested-With: {REQUESTED_WITH}")
    principal = await viewer(request, store, None)  # no ?token= on a POST
    if not principal.has(Role.OPERATOR):
        raise HTTPException(403, "acknowledging needs the operator role")
    monitor: Monitor = request.app.state.monitor
    read = await run_in_threadpool(acknowledge_alarm, monitor, principal, alarm_id)
    return JSONResponse(read.model_dump(mode="json"), headers=PRIVATE)


def _alarms(app_state: Any, principal: Principal) -> dict[str, Any]:
    monitor: Monitor = app_state.monitor
    names = {s.id: s.name for s in app_state.store.current.inventory().sites}
    found = [a for a in monitor.active().alarms if principal.sees(a.key.site)]
    shown = panel_order(found)[:MAX_SHOWN]
    return {
        "total": len(found),
        "operator": principal.has(Role.OPERATOR),
        "alarms": [
            {**alarm_read(a).model_dump(mode="json"), "site_name": names.get(a.key.site, "")}
            for a in shown
        ],
    }
