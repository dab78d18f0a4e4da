"""One error format for the whole API: RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from controller.errors import (
    ConflictError,
    MissingPreconditionError,
    NotFoundError,
    OverLimitError,
    ResourceError,
    StaleWriteError,
    UnknownReferenceError,
)
from sites.errors import ProblemsError, format_loc
from telemetry.errors import SampleError, StoreUnavailableError

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    field: str
    message: str
    line: int | None = None


class Problem(BaseModel):
    """RFC 9457 problem details, with the bad fields when there are any."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


def _documented(status: int, when: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Problem"}
    return {"model": Problem, "description": when, "content": {PROBLEM_JSON: {"schema": schema}}}


ERRORS: dict[int | str, dict[str, Any]] = {
    400: _documented(400, "the request cannot be read"),
    401: _documented(401, "no token, or a token that is not valid"),
    403: _documented(403, "the token lacks the role or the site scope"),
    404: _documented(404, "no such resource"),
    409: _documented(409, "conflicts with what is stored"),
    412: _documented(412, "If-Match names a version that is no longer current"),
    413: _documented(413, "the body is too large"),
    422: _documented(422, "invalid input; each bad field is named"),
    428: _documented(428, "a write without If-Match"),
    429: _documented(429, "too many failed authentications from this address"),
    503: _documented(503, "a store the request needs is unavailable"),
}
"""The error responses every route may give, for the OpenAPI document."""


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


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        # Starlette names only the methods of the first route that matched the path.
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem(exc.status_code, str(exc.detail), headers=headers or None)


def _allowed_methods(request: Request) -> list[str]:
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.methods and route.path_regex.match(request.url.path):
            methods |= route.methods
    return sorted(methods)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": format_loc(tuple(err["loc"])), "message": err["msg"]} for err in exc.errors()
    ]
    fields = ", ".join(e["field"] for e in errors)
    return problem(422, f"invalid request: {fields}", errors=errors)


STATUS_OF: tuple[tuple[type[ResourceError], int], ...] = (
    (NotFoundError, 404),
    (ConflictError, 409),  # NoInventoryError among them
    (StaleWriteError, 412),
    (MissingPreconditionError, 428),
    (OverLimitError, 422),
    (UnknownReferenceError, 422),
)
"""The HTTP status of each resource error (the first class it is an instance of)."""


def status_of(exc: ResourceError) -> int:
    return next((status for kind, status in STATUS_OF if isinstance(exc, kind)), 500)


async def _store_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ResourceError)
    extra: dict[str, Any] = {}
    if exc.errors is not None:
        extra["errors"] = exc.errors
    elif exc.field is not None:
        extra["errors"] = [{"field": exc.field, "message": str(exc)}]
    return problem(status_of(exc), str(exc), **extra)


async def _located_problems(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemsError)
    what = exc.what
    errors = [{"field": p.field, "line": p.line, "message": p.message} for p in exc.problems]
    count = len(errors)
    return problem(422, f"{count} problem{'s' if count != 1 else ''} in {what}", errors=errors)


async def _telemetry_error(_: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, StoreUnavailableError):
        return problem(503, f"the telemetry store is unavailable: {exc}")
    assert isinstance(exc, SampleError)
    return problem(422, f"invalid samples: {exc}")


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ResourceError, _store_error)
    app.add_exception_handler(ProblemsError, _located_problems)
    app.add_exception_handler(SampleError, _telemetry_error)
    app.add_exception_handler(StoreUnavailableError, _telemetry_error)
