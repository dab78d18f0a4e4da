"""/api/v1/simulations: run a scenario as a background job; fetch status, results and report.

A simulation runs over a whole network, so its results are network-wide: a site-scoped token
may neither submit nor read them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from controller.api.auth import BrowserNetworkViewer, NetworkOperator, NetworkViewer
from controller.api.deps import running
from controller.simulations.jobs import Job, Jobs, JobStatus

router = APIRouter(prefix="/api/v1/simulations", tags=["simulations"])

SCENARIO_DOCUMENT = {
    "type": "object",
    "description": "a scenario in the format of docs/simulator.md",
}


class JobRead(BaseModel):
    id: str
    status: JobStatus
    submitted_by: str
    submitted_at: datetime
    finished_at: datetime | None
    error: str | None
    results: dict[str, Any] | None = None
    report: str | None = None


def _jobs(request: Request) -> Jobs:
    jobs: Jobs = running(request, "simulations")
    return jobs


def _read(job: Job, with_results: bool = False) -> JobRead:
    done = job.status is JobStatus.DONE
    return JobRead(
        id=job.id, status=job.status, submitted_by=job.submitted_by,
        submitted_at=job.submitted_at, finished_at=job.finished_at, error=job.error,
        results=job.results() if with_results and done else None,
        report=f"{router.prefix}/{job.id}/files/report.html" if done else None,
    )  # fmt: skip


def _job(request: Request, job_id: str) -> Job:
    try:
        return _jobs(request).get(job_id)
    except KeyError:
        raise HTTPException(404, f"no simulation with id {job_id!r}") from None


YAML_BODY = {"required": True, "content": {"application/yaml": {"schema": SCENARIO_DOCUMENT}}}


@router.post("", status_code=202, openapi_extra={"requestBody": YAML_BODY})
async def submit(request: Request, who: NetworkOperator) -> JobRead:
    """Queue a scenario (YAML body). It is validated first: every problem comes back at once
    with its field and line (422), and nothing is queued."""
    text = (await request.body()).decode("utf-8", errors="replace")
    # Validating a scenario parses it and may read the inventory it names: off the event loop.
    job = await run_in_threadpool(_jobs(request).submit, text, who.name)
    return _read(job)


@router.get("")
def list_jobs(request: Request, _: NetworkViewer) -> list[JobRead]:
    return [_read(job) for job in _jobs(request).all()]


@router.get("/{job_id}")
def get_job(request: Request, _: NetworkViewer, job_id: str) -> JobRead:
    """Status; once done, the results document and where the HTML report is."""
    return _read(_job(request, job_id), with_results=True)


@router.post("/{job_id}/cancel")
def cancel_job(request: Request, _: NetworkOperator, job_id: str) -> JobRead:
    """Cancel a queued or running simulation (its worker process is stopped); a finished one
    is answered as it is."""
    try:
        return _read(_jobs(request).cancel(job_id))
    except KeyError:
        raise HTTPException(404, f"no simulation with id {job_id!r}") from None


@router.get("/{job_id}/files/{name}", response_class=FileResponse)
def get_file(request: Request, _: BrowserNetworkViewer, job_id: str, name: str) -> FileResponse:
    """The report (report.html), its plots (*.png) and results.json of a finished run. A
    browser signed in at /login opens them with its session cookie (no token in the address,
    and the report's relative plot links work)."""
    job = _job(request, job_id)
    if job.outdir is None or job.status is not JobStatus.DONE:
        raise HTTPException(404, f"simulation {job_id!r} has no files yet ({job.status})")
    path = (job.outdir / name).resolve()
    if path.parent != job.outdir.resolve() or not path.is_file():
        raise HTTPException(404, f"no file {name!r} in simulation {job_id!r}")
    return FileResponse(path)
