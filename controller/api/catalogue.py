"""/api/v1/sla-classes and /api/v1/applications: the same five operations on each kind.

No `from __future__ import annotations` here: FastAPI reads the body model from the annotations
of the functions the factory builds, and a string annotation could not see the closure's model.
"""

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from controller.api.auth import NetworkOperator, Viewer
from controller.api.deps import MAX_OFFSET, IfMatch, StoreDep, with_etag
from controller.store.catalogue_store import M, NamedDocs
from controller.store.facade import Store
from sites.applications import Application, SlaClass
from sites.enums import Priority

Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


def page(items: Sequence[Any], limit: int, offset: int, response: Response) -> list[Any]:
    """One page of a list in inventory order; the whole count in X-Total-Count."""
    response.headers["X-Total-Count"] = str(len(items))
    return list(items[offset : offset + limit])


def named_router(
    prefix: str,
    tag: str,
    model: type[M],
    kind: Callable[[Store], NamedDocs[M]],
    generic_list: bool = True,
) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=[tag])
    # The model is a run-time value: mypy cannot use it as a type, FastAPI must.
    Body = model  # noqa: N806

    if generic_list:

        @router.get("", response_model=list[model])  # type: ignore[valid-type]
        def list_items(
            store: StoreDep, _: Viewer, response: Response, limit: Limit = 100, offset: Offset = 0
        ) -> list[Any]:
            """In inventory order; the whole count in the X-Total-Count header."""
            return page(kind(store).list(), limit, offset, response)

    @router.post("", status_code=201, response_model=model)
    def create_item(
        store: StoreDep,
        who: NetworkOperator,
        item: Body,  # type: ignore[valid-type]
        response: Response,
    ) -> Any:
        stored = kind(store).create(item, who.name)
        response.headers["Location"] = f"{prefix}/{stored.value.name}"
        return with_etag(response, stored)

    @router.get("/{name}", response_model=model)
    def get_item(store: StoreDep, _: Viewer, name: str, response: Response) -> Any:
        return with_etag(response, kind(store).get(name))

    @router.put("/{name}", response_model=model)
    def replace_item(
        store: StoreDep,
        who: NetworkOperator,
        name: str,
        item: Body,  # type: ignore[valid-type]
        revision: IfMatch,
        response: Response,
    ) -> Any:
        """Replace it whole. Send If-Match with the ETag you read: a stale one gets 412."""
        return with_etag(response, kind(store).replace(name, item, revision, who.name))

    @router.delete("/{name}", status_code=204)
    def delete_item(
        store: StoreDep, who: NetworkOperator, name: str, revision: IfMatch
    ) -> Response:
        kind(store).delete(name, revision, who.name)
        return Response(status_code=204)

    return router


sla_router = named_router("/api/v1/sla-classes", "sla classes", SlaClass, lambda s: s.sla_classes)
app_router = named_router(
    "/api/v1/applications", "applications", Application, lambda s: s.applications, False
)


@app_router.get("", response_model=list[Application])
def list_applications(
    store: StoreDep,
    _: Viewer,
    response: Response,
    priority: Priority | None = None,
    sla_class: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[Any]:
    """In inventory order, filtered by priority and SLA class; the count in X-Total-Count."""
    apps = [
        app
        for app in store.applications.list()
        if (priority is None or app.priority is priority)
        and (sla_class is None or app.sla_class == sla_class)
    ]
    return page(apps, limit, offset, response)
