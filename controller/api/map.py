"""`GET /map`: the GIS map of site health, and the files it loads (`/map/static/...`).

The page embeds what a viewer may see, so it needs a viewer token: `Authorization: Bearer`,
or `?token=` for a browser's address bar (see docs/telemetry.md, "The map"). The static files
are public: Leaflet, its cluster plugin and the borderless land outline.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import xstatic.pkg.leaflet as xs_leaflet  # type: ignore[import-untyped]  # no types shipped
import xstatic.pkg.leaflet_markercluster as xs_cluster  # type: ignore[import-untyped]  # same
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from controller.api.auth import authenticate, bearer
from controller.api.deps import StoreDep
from controller.auth.principal import Principal, Role
from controller.db.tables import AuditRow
from controller.store.inventory_store import Store
from sites.inventory import Inventory
from telemetry.health import HealthLayout, score
from telemetry.map import LAND_FILE, MapOptions, build_map_page
from telemetry.store.base import TelemetryStore

router = APIRouter(tags=["map"])

STATIC_DIRS = {
    "leaflet": Path(xs_leaflet.BASE_DIR),
    "markercluster": Path(xs_cluster.BASE_DIR),
    "land": LAND_FILE.parent,
}
TILES_ENV = "BRANCHLINE_MAP_TILE_URL"
"""An XYZ tile server for the base layer (unset: the offline land outline and graticule)."""


def map_options() -> MapOptions:
    """The operator's map settings, from the environment."""
    return MapOptions(tile_url=os.environ.get(TILES_ENV) or None)


def visible(inventory: Inventory, principal: Principal) -> Inventory:
    """The inventory cut down to the sites `principal` may see."""
    if not principal.scoped:
        return inventory
    sites = tuple(s for s in inventory.sites if principal.sees(s.id))
    return inventory.model_copy(update={"sites": sites})


@router.get("/map", response_class=HTMLResponse)
async def map_page(
    request: Request,
    store: StoreDep,
    token: Annotated[str | None, Query(description="a viewer token, for browsers")] = None,
) -> HTMLResponse:
    """The map of every site the token may see, coloured by its latest health."""
    credentials = await bearer(request)
    if credentials is None and token:
        credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
    principal = await authenticate(request, store, credentials)
    if not principal.has(Role.VIEWER):
        raise HTTPException(403, "this needs the viewer role")
    telemetry: TelemetryStore = request.app.state.telemetry
    # Reading the stores and rendering take a third of a second at 10,000 sites: off the loop.
    page = await run_in_threadpool(_render, request.app.state, telemetry, principal)
    # The token may be in the URL: do not hand it to anything the page links to.
    return HTMLResponse(
        page, headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
    )


class _Compiled:
    """The inventory and its health layout as of one audit-log entry: exporting 10,000 sites
    from the database takes about 2 s, and every write records an audit entry in its own
    transaction, so the newest entry's id says whether the copy is current."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: int | None = None
        self._value: tuple[Inventory, HealthLayout] | None = None

    def get(self, store: Store) -> tuple[Inventory, HealthLayout]:
        with Session(store.engine) as session:
            key = session.scalar(select(func.max(AuditRow.id))) or 0
        with self._lock:
            if self._value is None or key != self._key:
                inventory = store.export_inventory()
                self._key, self._value = key, (inventory, HealthLayout.from_inventory(inventory))
            return self._value


def _render(app_state: Any, telemetry: TelemetryStore, principal: Principal) -> str:
    store: Store = app_state.store
    compiled: _Compiled | None = getattr(app_state, "map_compiled", None)
    if compiled is None:
        compiled = app_state.map_compiled = _Compiled()
    inventory, layout = compiled.get(store)
    if principal.scoped:
        inventory = visible(inventory, principal)
        layout = HealthLayout.from_inventory(inventory)
    now = datetime.now(UTC)
    snapshot = score(layout, telemetry.latest(now=now), now)
    return build_map_page(inventory, snapshot, options=map_options())


@router.get("/map/static/{kind}/{name:path}", include_in_schema=False)
async def map_static(kind: str, name: str) -> FileResponse:
    """A file of Leaflet, of its cluster plugin, or the land outline."""
    root = STATIC_DIRS.get(kind)
    if root is None:
        raise HTTPException(404, "no such asset")
    path = (root / name).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        raise HTTPException(404, "no such asset")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})
