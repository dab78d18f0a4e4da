"""POST /api/v1/telemetry: CPEs report samples; the reconcile loop turns them into decisions."""

from __future__ import annotations

import time
from datetime import datetime

import numpy as np
from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from controller.api.auth import Operator, check_site
from controller.api.deps import running
from controller.metrics import Metrics
from controller.settings import Settings
from controller.store.inventory_store import Store
from telemetry.admission import Series, admit
from telemetry.batch import SampleBatch
from telemetry.samples import Sample, to_ms
from telemetry.store.base import TelemetryStore

router = APIRouter(prefix="/api/v1/telemetry", tags=["telemetry"])

MAX_SAMPLES = 10_000
"""Samples per request: the reference load (10,000 sites × 4 links at 1 s) arrives as many
small batches from many CPEs, never as one."""
MAX_BYTES = MAX_SAMPLES * 400  # a sample is about 200 bytes of JSON

"""Enforced by controller.api.limits.BodyLimit before the body is parsed."""


class SampleUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    samples: list[Sample] = Field(min_length=1)


class Accepted(BaseModel):
    accepted: int = Field(description="samples stored")
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


@router.post("", status_code=202)
def ingest(request: Request, who: Operator, upload: SampleUpload) -> Accepted:
    """Store a batch of samples (413 beyond 10,000). A site-scoped token may report only its
    own sites. The batch is validated whole: one bad sample refuses all of it (422). Samples
    older than the store keeps (the embedded store: 6 h of raw samples) are counted in
    `too_old` and not stored, so a CPE replaying a long outage knows what did not land."""
    if len(upload.samples) > MAX_SAMPLES:
        raise HTTPException(413, f"at most {MAX_SAMPLES} samples per request")
    for site in sorted({s.site for s in upload.samples}):
        check_site(who, site)
    store: TelemetryStore = running(request, "telemetry")
    settings: Settings = request.app.state.settings
    admitted = admit(
        SampleBatch.from_samples(upload.samples),
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
        refused=admitted.refused,
        examples=list(admitted.examples),
        ahead_s=admitted.ahead_ms / 1000,
        too_old=too_old,
        kept_from=horizon if too_old else None,
    )


def _series(request: Request) -> Series:
    """The inventory's series, derived once per inventory generation."""
    store: Store = request.app.state.store
    return store.current.derive(Series)
