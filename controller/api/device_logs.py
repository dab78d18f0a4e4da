"""/api/v1/logs: CPE logs received over syslog, searchable by site, severity, text and time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel

from controller.api.auth import Viewer, check_site
from controller.api.deps import Instant, running
from telemetry.syslog import LogQuery, LogSeverity, LogStore

router = APIRouter(prefix="/api/v1/logs", tags=["device logs"])

SEVERITIES = {s.name.lower(): s for s in LogSeverity}


class LogRead(BaseModel):
    timestamp: datetime
    received_at: datetime
    site: str | None
    source: str
    hostname: str | None
    app_name: str | None
    severity: str
    message: str


@router.get("")
def search_logs(
    request: Request,
    who: Viewer,
    site: str | None = None,
    severity: Annotated[
        str | None, Query(pattern="^(" + "|".join(SEVERITIES) + ")$", description="and worse")
    ] = None,
    text: Annotated[str | None, Query(max_length=200)] = None,
    since: Instant | None = None,
    until: Instant | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[LogRead]:
    """Newest first. A site-scoped user names one of their sites."""
    if site is not None:
        check_site(who, site)
    elif who.scoped:
        raise HTTPException(403, f"{who.name} is site-scoped: give ?site=")
    logs: LogStore = running(request, "device_logs")
    query = LogQuery(site=site, severity=SEVERITIES[severity] if severity else None, text=text,
                     start=since, end=until, limit=limit)  # fmt: skip
    return [
        LogRead(timestamp=r.timestamp, received_at=r.received_at, site=r.site, source=r.source,
                hostname=r.hostname, app_name=r.app_name, severity=r.severity.name.lower(),
                message=r.message)
        for r in logs.search(query)
    ]  # fmt: skip
