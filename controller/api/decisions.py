"""Where traffic goes and why: current paths per site, the journal of path changes, and the
preview of a proposed policy."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from controller.api.auth import Viewer, check_site
from controller.api.deps import MAX_OFFSET, Instant, StoreDep, running
from controller.api.read_cache import ReadCache
from controller.errors import NotFoundError
from controller.reconcile.preview import preview
from controller.store.path_store import JournalQuery
from policies.moves import Move as MoveRecord
from policies.policy import Policy

router = APIRouter(prefix="/api/v1", tags=["decisions"])


class PolicyRead(BaseModel):
    scope: str
    version: int


class PathRead(BaseModel):
    app: str
    link: str | None
    since: datetime
    rule: str
    reason: str
    policy: PolicyRead


class PathChangeRead(BaseModel):
    id: int
    at: datetime
    site: str
    app: str
    from_link: str | None
    to_link: str | None
    rule: str
    reason: str
    policy: PolicyRead


class JournalPage(BaseModel):
    total: int
    items: list[PathChangeRead]


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: Policy


class Move(BaseModel):
    site: str
    app: str
    current: str | None = Field(description="where the app is now (None: no path recorded yet)")
    proposed: str | None
    reason: str


class PreviewResult(BaseModel):
    scope: str
    sites: int = Field(description="sites the scope governs")
    observed: int = Field(description="of which have fresh observations and were evaluated")
    moves: list[Move]


def _change(c: MoveRecord) -> PathChangeRead:
    assert c.id is not None  # what the journal hands back has been recorded
    return PathChangeRead(
        id=c.id, at=c.at, site=c.site, app=c.app, from_link=c.from_link, to_link=c.to_link,
        rule=c.rule, reason=c.reason,
        policy=PolicyRead(scope=c.policy.scope, version=c.policy.version),
    )  # fmt: skip


PATHS = TypeAdapter(list[PathRead])


@router.get("/sites/{site_id}/paths", response_model=list[PathRead])
async def site_paths(request: Request, store: StoreDep, who: Viewer, site_id: str) -> Response:
    """The link each application of the site uses now, with the engine's reason."""
    # The hottest read of the API: async (no thread-pool hop; the query takes well under a
    # millisecond), answered from a cache of serialised bodies while the paths are unchanged.
    check_site(who, site_id)
    cache: ReadCache = request.app.state.read_cache
    now, generation = time.monotonic(), store.paths.generation
    body = cache.get(site_id, generation, now)
    if body is None:
        paths = store.paths.current(site_id)
        if not paths and not store.sites.exists(site_id):  # 404, rather than an empty list
            raise NotFoundError(f"no site with id {site_id!r}")
        body = PATHS.dump_json(
            [PathRead(app=p.app, link=p.link, since=p.since, rule=p.rule, reason=p.reason,
                      policy=PolicyRead(scope=p.policy.scope, version=p.policy.version))
             for p in paths]
        )  # fmt: skip
        cache.put(site_id, generation, now, body)
    return Response(body, media_type="application/json")


@router.get("/path-changes")
def path_changes(
    store: StoreDep,
    who: Viewer,
    site: str | None = None,
    app: str | None = None,
    since: Instant | None = None,
    until: Instant | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> JournalPage:
    """The journal of path changes, newest first, filtered by site, app and time [since, until)."""
    if site is not None:
        check_site(who, site)
    query = JournalQuery(site=site, app=app, since=since, until=until, within=who.sites)
    total, changes = store.paths.journal(query, limit, offset)
    return JournalPage(total=total, items=[_change(c) for c in changes])


@router.post("/policies/{scope}/preview")
def preview_policy(
    request: Request, store: StoreDep, who: Viewer, scope: str, body: PreviewRequest
) -> PreviewResult:
    """What would move, and why, if `scope` had this policy: the engine runs on the latest
    observations of the sites the scope would govern. Nothing is changed. A site-scoped caller
    sees only its own sites, in the counts as in the moves."""
    if scope.startswith("site:"):
        check_site(who, scope.removeprefix("site:"))
    result = preview(store, running(request, "reconciler"), scope, body.policy, within=who.sites)
    return PreviewResult(
        scope=scope,
        sites=result.sites,
        observed=result.observed,
        moves=[
            Move(site=m.site, app=m.app, current=m.from_link, proposed=m.to_link, reason=m.reason)
            for m in result.moves
        ],
    )
