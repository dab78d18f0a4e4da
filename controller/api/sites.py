"""/api/v1/sites: list with filters and pagination, create, read, replace, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from controller.api.auth import Operator, Viewer, check_site
from controller.api.deps import MAX_OFFSET, IfMatch, StoreDep, with_etag
from controller.store.site_store import SiteFilter
from sites.enums import BranchClass, SiteRole, Transport
from sites.site import Site

router = APIRouter(prefix="/api/v1/sites", tags=["sites"])


class SiteQuery(BaseModel):
    """Filters of the site list; an unknown query parameter is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    role: SiteRole | None = None
    branch_class: BranchClass | None = None
    city: str | None = Field(default=None, description="case-insensitive")
    transport: Transport | None = Field(default=None, description="sites with such a link")
    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class SiteSummary(BaseModel):
    id: str
    name: str
    city: str
    role: SiteRole
    branch_class: BranchClass | None
    latitude: float
    longitude: float
    transports: list[Transport]


class SitePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[SiteSummary]


def _summary(site: Site) -> SiteSummary:
    return SiteSummary(
        id=site.id,
        name=site.name,
        city=site.city,
        role=site.role,
        branch_class=site.branch_class,
        latitude=site.latitude,
        longitude=site.longitude,
        transports=sorted({link.transport for link in site.links}),
    )


@router.get("")
def list_sites(store: StoreDep, who: Viewer, query: Annotated[SiteQuery, Query()]) -> SitePage:
    """Sites in inventory order, filtered by every criterion given and by the caller's scope."""
    where = SiteFilter(query.role, query.branch_class, query.city, query.transport, who.sites)
    total, page = store.sites.list(where, query.limit, query.offset)
    return SitePage(
        total=total, limit=query.limit, offset=query.offset, items=[_summary(s) for s in page]
    )


@router.post("", status_code=201)
def create_site(store: StoreDep, who: Operator, site: Site, response: Response) -> Site:
    check_site(who, site.id)
    stored = store.sites.create(site, who.name)
    response.headers["Location"] = f"{router.prefix}/{site.id}"
    return with_etag(response, stored)


@router.get("/{site_id}")
def get_site(store: StoreDep, who: Viewer, site_id: str, response: Response) -> Site:
    check_site(who, site_id)
    return with_etag(response, store.sites.get(site_id))


@router.put("/{site_id}")
def replace_site(
    store: StoreDep, who: Operator, site_id: str, site: Site, revision: IfMatch, response: Response
) -> Site:
    """Replace a site whole. Send If-Match with the ETag you read: a stale one gets 412."""
    check_site(who, site_id)
    return with_etag(response, store.sites.replace(site_id, site, revision, who.name))


@router.delete("/{site_id}", status_code=204)
def delete_site(store: StoreDep, who: Operator, site_id: str, revision: IfMatch) -> Response:
    check_site(who, site_id)
    store.sites.delete(site_id, revision, who.name)
    return Response(status_code=204)
