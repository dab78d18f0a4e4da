"""/api/v1/health, the whole inventory as YAML (export and import), and the overlay check."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from controller.api.auth import Admin, NetworkViewer
from controller.api.deps import StoreDep
from controller.store.facade import Store
from sites.inventory import Inventory
from sites.loader import dump_inventory, load_inventory_text
from sites.overlay import build_overlay, overlay_problems

router = APIRouter(prefix="/api/v1", tags=["inventory"])

MAX_INVENTORY_BYTES = 64 * 2**20  # a 10,000-branch inventory is about 8 MiB
INVENTORY_DOCUMENT = {
    "type": "object",
    "description": "an inventory in the YAML format of docs/inventory.md",
}


class Health(BaseModel):
    status: str
    organisation: str
    sites: int


class ImportSummary(BaseModel):
    sites: int
    applications: int
    sla_classes: int


class OverlaySummary(BaseModel):
    nodes: int
    edges: int
    hubs: list[str]
    problems: list[str]


@router.get("/health")
def health(store: StoreDep) -> Health:
    summary = store.summary()
    return Health(status="ok", organisation=summary.organisation, sites=summary.sites)


@router.get(
    "/inventory",
    response_class=PlainTextResponse,
    responses={200: {"content": {"application/yaml": {"schema": INVENTORY_DOCUMENT}}}},
)
def export_inventory(store: StoreDep, _: NetworkViewer) -> PlainTextResponse:
    """The whole inventory in the YAML format that `branchline inventory validate` reads."""
    return PlainTextResponse(
        dump_inventory(store.export_inventory()), media_type="application/yaml"
    )


@router.put(
    "/inventory",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/yaml": {"schema": {"type": "string"}}},
        }
    },
)
async def import_inventory(store: StoreDep, who: Admin, request: Request) -> ImportSummary:
    """Replace the stored inventory with a YAML file, all or nothing: a file with any problem
    changes nothing and gets 422 listing every problem with its line and field."""
    body = await request.body()  # at most MAX_INVENTORY_BYTES: controller.api.limits.BodyLimit
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(400, f"the body is not UTF-8 text: {exc}") from None
    # Parsing and storing 10,000 sites takes seconds: in a worker thread, so that the event
    # loop goes on answering every other request meanwhile.
    inventory = await run_in_threadpool(_import, store, text, who.name)
    return ImportSummary(
        sites=len(inventory.sites),
        applications=len(inventory.applications),
        sla_classes=len(inventory.sla_classes),
    )


@router.get("/overlay")
def overlay(store: StoreDep, _: NetworkViewer) -> OverlaySummary:
    inventory = store.export_inventory()
    graph = build_overlay(inventory)
    return OverlaySummary(
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        hubs=[site.id for site in inventory.hubs],
        problems=[p.render() for p in overlay_problems(inventory, graph)],
    )


def _import(store: Store, text: str, actor: str) -> Inventory:
    inventory = load_inventory_text(text, source="request body")
    store.replace_inventory(inventory, actor)
    return inventory
