"""The controller's composition root: builds the FastAPI application. No work at import time."""

from __future__ import annotations

from fastapi import FastAPI

from controller.api import inventory as inventory_api
from controller.api import problems
from sites.inventory import Inventory


def create_app(inventory: Inventory) -> FastAPI:
    """An API serving `inventory`. Later issues add persistence, policies and telemetry here."""
    app = FastAPI(
        title="Branchline controller",
        version="0.1.0",
        summary="SD-WAN controller: sites, links, application routing policies",
    )
    app.state.inventory = inventory
    problems.install(app)
    app.include_router(inventory_api.router)
    return app
