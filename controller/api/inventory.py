"""Read-only views of the loaded inventory: sites, applications, SLA classes, overlay."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from sites.applications import Application, SlaClass
from sites.enums import BranchClass, SiteRole, Transport
from sites.inventory import Inventory
from sites.loader import dump_inventory
from sites.overlay import build_overlay, overlay_problems
from sites.site import Site

router = APIRouter(prefix="/api/v1", tags=["inventory"])


def _inventory(request: Request) -> Inventory:
    inventory: Inventory = request.app.state.inventory
    return inventory


class Health(BaseModel):
    status: str
    organisation: str
    sites: int


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


class OverlaySummary(BaseModel):
    nodes: int
    edges: int
    hubs: list[str]
    problems: list[str]


@router.get("/health")
def health(request: Request) -> Health:
    inventory = _inventory(request)
    return Health(status="ok", organisation=inventory.organisation, sites=len(inventory.sites))


class SiteQuery(BaseModel):
    """Filters of the site list; an unknown query parameter is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    role: SiteRole | None = None
    branch_class: BranchClass | None = None
    city: str | None = Field(default=None, description="case-insensitive")
    transport: Transport | None = Field(default=None, description="sites with such a link")
    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)


@router.get("/sites")
def list_sites(request: Request, query: Annotated[SiteQuery, Query()]) -> SitePage:
    """Sites in inventory order, filtered by every criterion given."""
    q = query
    selected = [
        site
        for site in _inventory(request).sites
        if (q.role is None or site.role is q.role)
        and (q.branch_class is None or site.branch_class is q.branch_class)
        and (q.city is None or site.city.casefold() == q.city.casefold())
        and (q.transport is None or any(link.transport is q.transport for link in site.links))
    ]
    page = selected[q.offset : q.offset + q.limit]
    return SitePage(
        total=len(selected),
        limit=q.limit,
        offset=q.offset,
        items=[
            SiteSummary(
                id=s.id,
                name=s.name,
                city=s.city,
                role=s.role,
                branch_class=s.branch_class,
                latitude=s.latitude,
                longitude=s.longitude,
                transports=sorted({link.transport for link in s.links}),
            )
            for s in page
        ],
    )


@router.get("/sites/{site_id}")
def get_site(request: Request, site_id: str) -> Site:
    site = _inventory(request).site_by_id.get(site_id)
    if site is None:
        raise HTTPException(404, f"no site with id {site_id!r}")
    return site


@router.get("/applications")
def list_applications(request: Request) -> list[Application]:
    return list(_inventory(request).applications)


@router.get("/sla-classes")
def list_sla_classes(request: Request) -> list[SlaClass]:
    return list(_inventory(request).sla_classes)


@router.get("/overlay")
def overlay(request: Request) -> OverlaySummary:
    inventory = _inventory(request)
    graph = build_overlay(inventory)
    return OverlaySummary(
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        hubs=[site.id for site in inventory.hubs],
        problems=[p.render() for p in overlay_problems(inventory, graph)],
    )


@router.get("/inventory", response_class=PlainTextResponse)
def export_inventory(request: Request) -> PlainTextResponse:
    """The whole inventory in the YAML format that `branchline inventory validate` reads."""
    return PlainTextResponse(dump_inventory(_inventory(request)), media_type="application/yaml")
