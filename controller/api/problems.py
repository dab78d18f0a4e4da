"""One error format for the whole API: RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from controller.errors import StoreError
from sites.errors import InventoryError, format_loc

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(
        exc.status_code, str(exc.detail), headers=dict(exc.headers) if exc.headers else None
    )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": format_loc(tuple(err["loc"])), "message": err["msg"]} for err in exc.errors()
    ]
    fields = ", ".join(e["field"] for e in errors)
    return problem(422, f"invalid request: {fields}", errors=errors)


async def _store_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StoreError)
    extra: dict[str, Any] = {}
    if exc.field is not None:
        extra["errors"] = [{"field": exc.field, "message": str(exc)}]
    return problem(exc.status, str(exc), **extra)


async def _inventory_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InventoryError)
    errors = [{"field": p.field, "line": p.line, "message": p.message} for p in exc.problems]
    count = len(errors)
    return problem(422, f"{count} problem{'s' if count != 1 else ''} in inventory", errors=errors)


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(InventoryError, _inventory_error)
