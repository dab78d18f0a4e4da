"""POST /api/v1/telemetry: CPEs report samples; the reconcile loop turns them into decisions."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, Literal

import numpy as np
from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from controller.api.auth import Reporter, check_site
from controller.api.deps import running
from controller.auth.principal import Principal
from controller.metrics import Metrics
from controller.settings import Settings
from controller.store.facade import Store
from telemetry.admission import Series, admit
from telemetry.errors import UploadError
from telemetry.samples import to_ms
from telemetry.store.base import TelemetryStore
from telemetry.upload import SampleUpload
from telemetry.upload_workers import UploadDecoders

router = APIRouter(prefix="/api/v1/telemetry", tags=["telemetry"])

MAX_SAMPLES = 10_000
"""Samples per request: the reference load (10,000 sites × 4 links at 1 s) arrives as many
small batches from many CPEs, never as one."""
MAX_BYTES = MAX_SAMPLES * 400  # a sample is about 200 bytes of JSON

"""Enforced by controller.api.limits.BodyLimit before the body is parsed."""


class Accepted(BaseModel):
    accepted: int = Field(description="samples taken: see `stored` for what that guarantees")
    stored: Literal["committed", "queued"] = Field(
        description="committed: on disk before this answer (the embedded store); queued: in "
        "the controller's memory on their way to InfluxDB, lost if the controller dies before "
        "they are sent or spooled (see docs/telemetry.md)"
    )
    refused: dict[str, int] = Field(
        default_factory=dict,
        description="samples not stored, by why: unknown_site, unknown_link, unknown_app, "
        "ahead_of_clock (stamped further ahead than BRANCHLINE_MAX_CLOCK_AHEAD_S)",
    )
    examples: list[str] = Field(
        default_factory=list, description="a few refused samples, as `samples[i]: why`"
    )
    ahead_s: float = Field(
        default=0.0,
        description="how far ahead of the controller's clock the furthest sample taken was; "
        "such samples are stored at their time of arrival",
    )
    too_old: int = Field(
        default=0, description="samples older than the store keeps (see `kept_from`): not stored"
    )
    kept_from: datetime | None = Field(
        default=None, description="the oldest timestamp stored now; set when some were too old"
    )


_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SampleUpload"}}},
    }
}


@router.post("", status_code=202, openapi_extra=_BODY)
async def ingest(request: Request, who: Reporter) -> Accepted:
    """Store a batch of samples (413 beyond 10,000), from an operator or a CPE's own token
    (role `device`). A site-scoped token may report only its own sites. The batch is validated
    whole: one bad sample refuses all of it (422). Samples older than the store keeps (the
    embedded store: 6 h of raw samples) are counted in `too_old` and not stored, so a CPE
    replaying a long outage knows what did not land."""
    body = await request.body()
    # Parsing and storing 10,000 samples takes tens of milliseconds: not on the event loop,
    # where every other request (the map's poll, health) would wait for it.
    return await run_in_threadpool(_ingest, request, who, body)


def _ingest(request: Request, who: Principal, body: bytes) -> Accepted:
    decoders: UploadDecoders = request.app.state.upload_decoders
    try:
        batch = decoders.parse(body)
    except UploadError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors]  # type: ignore[misc]
        ) from None
    if len(batch) > MAX_SAMPLES:
        raise HTTPException(413, f"at most {MAX_SAMPLES} samples per request")
    for site in sorted(set(batch.site)):
        check_site(who, site)
    store: TelemetryStore = running(request, "telemetry")
    settings: Settings = request.app.state.settings
    admitted = admit(
        batch,
        _series(request),
        int(time.time() * 1000),
        int(settings.max_clock_ahead_s * 1000),
    )
    batch = admitted.batch
    horizon = store.horizon()
    fresh = batch if horizon is None else batch.take(np.flatnonzero(batch.ts_ms >= to_ms(horizon)))
    if len(fresh):
        store.write(fresh)
    too_old = len(batch) - len(fresh)
    counted: Metrics = request.app.state.metrics
    counted.samples.labels("stored").inc(len(fresh))
    counted.samples.labels("too_old").inc(too_old)
    for kind, n in admitted.refused.items():
        counted.samples.labels(kind).inc(n)
    return Accepted(
        accepted=len(fresh),
        stored="committed" if store.durable else "queued",
        refused=admitted.refused,
        examples=list(admitted.examples),
        ahead_s=admitted.ahead_ms / 1000,
        too_old=too_old,
        kept_from=horizon if too_old else None,
    )


def document_body(openapi: dict[str, Any]) -> None:
    """Put the upload's schema (read by `parse_upload`, not by FastAPI) in the OpenAPI
    document's components, where the route's request body refers to it."""
    _, schemas = models_json_schema(
        [(SampleUpload, "validation")], ref_template="#/components/schemas/{model}"
    )
    openapi.setdefault("components", {}).setdefault("schemas", {}).update(schemas["$defs"])


def _series(request: Request) -> Series:
    """The inventory's series, derived once per inventory generation."""
    store: Store = request.app.state.store
    return store.current.derive(Series)
