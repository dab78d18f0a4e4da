"""The controller's composition root: builds the FastAPI application. No work at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from controller.api import admin, catalogue, inventory, policies, problems, sites
from controller.auth.ratelimit import FailureLimiter
from controller.db.engine import make_engine
from controller.db.migrate import upgrade
from controller.settings import Settings
from controller.store.inventory_store import Store


def open_store(settings: Settings) -> Store:
    """The database of `settings`, migrated to the current schema."""
    engine = make_engine(settings.resolved_database_url())
    upgrade(engine)
    return Store(engine)


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """The API over `store`, or over the database that `settings` name (opened at startup)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        app.state.store = store if store is not None else open_store(settings or Settings())
        try:
            yield
        finally:
            if owned:
                app.state.store.engine.dispose()

    # FastAPIOffline serves the Swagger UI and ReDoc assets itself: /docs works with no Internet.
    app = FastAPIOffline(
        title="Branchline controller",
        version="0.1.0",
        summary="SD-WAN controller: sites, links, applications, routing policies",
        lifespan=lifespan,
    )
    if store is not None:  # usable without running the lifespan (e.g. plain TestClient calls)
        app.state.store = store
    app.state.auth_failures = FailureLimiter()
    problems.install(app)
    routers = (inventory.router, sites.router, catalogue.sla_router, catalogue.app_router,
               policies.router, admin.router)  # fmt: skip
    for router in routers:
        app.include_router(router, responses=problems.ERRORS)
    return app
