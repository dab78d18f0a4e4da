"""Request-scoped access to what the composition root built."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, HTTPException, Path, Request, Response
from pydantic import AfterValidator, AwareDatetime

from controller.store.facade import Store
from controller.store.revisions import Stored, parse_if_match

T = TypeVar("T")


async def get_store(request: Request) -> Store:
    # async: a plain attribute read must not cost a hop to the thread pool
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


async def if_match(
    header: Annotated[
        str | None,
        Header(alias="If-Match", description="the ETag you read; a stale one gets 412"),
    ] = None,
) -> int:
    return parse_if_match(header)


IfMatch = Annotated[int, Depends(if_match)]


def with_etag(response: Response, stored: Stored[T]) -> T:
    response.headers["ETag"] = stored.etag
    return stored.value


def _utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 is past the last datetime in UTC
        raise ValueError("is outside the range of dates the controller keeps") from None


Instant = Annotated[AwareDatetime, AfterValidator(_utc)]
"""A datetime parameter: with a UTC offset (a naive time is ambiguous: 422 naming it), in UTC."""

MAX_ID = 2**63 - 1
"""The largest id a database row can have: larger ones cannot name anything (a 404 would need a
query the database refuses)."""

RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="a row id")]
"""An integer id in a path, bounded: beyond 2^63 - 1 the request gets 422 naming it."""

MAX_OFFSET = 1_000_000_000
"""The largest list offset a request may ask for: beyond it databases overflow their integers."""


def running(request: Request, part: str) -> Any:
    """A part the composition root started (`telemetry`, `monitor`, …), or 503 if it is not:
    an app built without it answers plainly instead of failing with a 500."""
    value = getattr(request.app.state, part, None)
    if value is None:
        raise HTTPException(503, f"the controller's {part} is not running")
    return value
