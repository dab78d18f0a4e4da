"""/api/v1/devices and /api/v1/config: enrolled CPEs, their configurations' previews, pushes
(jobs run in the background: 202 with the job, then poll it), versions, rollback and drift.

Reading or changing devices is an operator's; a site-scoped operator names sites of theirs.
Enrolling a device (where the controller logs in to) is an administrator's. A device's own
login (`credentials_ref`) is set from the controller's command line, not here: it names a file
or a variable on the controller's machine."""

from __future__ import annotations

import ipaddress
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, Field, field_validator

from controller.api.auth import Admin, NetworkViewer, Operator, Viewer, check_site
from controller.api.deps import StoreDep, running
from controller.auth.principal import Principal
from controller.configs.deploy import Deployer, Plan
from controller.errors import NotFoundError
from controller.store.config_store import Job, Version
from controller.store.device_store import DeviceEndpoint

router = APIRouter(prefix="/api/v1", tags=["configurations"])

Serial = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{4,40}$", description="a CPE's serial")]
MAX_SITES = 10_000
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9-]{1,63})*$")
_HOST_KEY = re.compile(
    r"^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/=]{16,2000}$"
)


class DeviceRead(BaseModel):
    serial: str
    host: str
    port: int
    host_key: str | None
    enrolled_at: datetime
    enrolled_by: str


class Enrolment(BaseModel):
    host: str = Field(max_length=253, description="management address or DNS name")
    port: int = Field(default=22, ge=1, le=65535)
    host_key: str | None = Field(
        default=None, max_length=2100,
        description='SSH host key to pin ("ssh-ed25519 AAAA..."); none: learned at first contact',
    )  # fmt: skip

    @field_validator("host")
    @classmethod
    def _address_or_name(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            if not _HOSTNAME.match(value):
                raise ValueError("an IP address or a DNS name") from None
        return value

    @field_validator("host_key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value is not None and not _HOST_KEY.match(value):
            raise ValueError('an OpenSSH public key line: "ssh-ed25519 AAAA..."')
        return value


class Sites(BaseModel):
    sites: list[Annotated[str, Field(max_length=64)]] | None = Field(
        default=None, max_length=MAX_SITES, description="these sites only; none: every site"
    )


class PreviewRead(BaseModel):
    serial: str
    site: str
    diff: str
    error: str | None


class ResultRead(BaseModel):
    serial: str
    site: str
    state: str
    diff: str
    error: str | None
    error_kind: str | None
    attempts: int
    seconds: float
    version_id: int | None


class JobRead(BaseModel):
    id: int
    kind: str
    actor: str
    reason: str
    state: str
    created_at: datetime
    finished_at: datetime | None
    results: list[ResultRead]


class VersionRead(BaseModel):
    serial: str
    site: str
    version: int
    platform: str
    created_at: datetime
    created_by: str
    job_id: int | None
    diff: str
    text: str | None = Field(description="the configuration (only when one version is asked)")


class Rollback(BaseModel):
    version: int = Field(ge=1, le=2**31)


class DriftRead(BaseModel):
    serial: str
    site: str
    state: str
    version: int | None
    diff: str
    error: str | None


# -- enrolled devices


@router.get("/devices")
def list_devices(store: StoreDep, who: NetworkViewer) -> list[DeviceRead]:
    return [_device(d) for d in store.devices.all().values()]


@router.put("/devices/{serial}")
def enroll_device(store: StoreDep, who: Admin, serial: Serial, body: Enrolment) -> DeviceRead:
    """Enrol a CPE of the inventory (or move it): the controller manages it from now on."""
    _, inventory = store.current.get()
    if not any(cpe.serial == serial for site in inventory.sites for cpe in site.cpes):
        raise NotFoundError(f"no CPE {serial!r} in the inventory")
    return _device(store.devices.enroll(serial, body.host, body.port, body.host_key, who.name))


@router.delete("/devices/{serial}", status_code=status.HTTP_204_NO_CONTENT)
def remove_device(store: StoreDep, who: Admin, serial: Serial) -> None:
    store.devices.remove(serial, who.name)


# -- configurations


@router.post("/config/preview")
def preview(request: Request, who: Operator, body: Sites) -> list[PreviewRead]:
    """Each enrolled CPE's diff, read from the device (staged, compared, discarded)."""
    deployer = _deployer(request)
    found = deployer.preview(deployer.plan(_sites(who, body)))
    return [PreviewRead(serial=p.serial, site=p.site, diff=p.diff, error=p.error) for p in found]


@router.post("/config/push", status_code=status.HTTP_202_ACCEPTED)
def push(request: Request, who: Operator, body: Sites) -> JobRead:
    """Push the enrolled CPEs' intended configurations as a job, in the background: the answer
    is the job as it starts; `GET /api/v1/config/jobs/{id}` follows it."""
    deployer = _deployer(request)
    return _start(request, deployer, deployer.plan(_sites(who, body)), who, "operator",
                  "API push")  # fmt: skip


@router.get("/config/jobs")
def list_jobs(
    store: StoreDep, who: NetworkViewer, limit: Annotated[int, Query(ge=1, le=500)] = 20
) -> list[JobRead]:
    """The newest jobs, without their devices."""
    return [_job(j) for j in store.configs.jobs(limit)]


@router.get("/config/jobs/{push_job}")
def get_job(
    store: StoreDep, who: Viewer, push_job: Annotated[int, Path(ge=1, le=2**31)]
) -> JobRead:
    job = store.configs.job(push_job)
    if who.scoped and not all(who.sees(r.site) for r in job.results):
        raise HTTPException(403, f"job {push_job} touches sites outside {who.name}'s scope")
    return _job(job)


@router.get("/devices/{serial}/versions")
def versions(
    store: StoreDep, who: Viewer, serial: Serial,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[VersionRead]:  # fmt: skip
    found = store.configs.history(serial=serial, limit=limit)
    for v in found[:1]:
        check_site(who, v.site)
    return [_version(v, with_text=False) for v in found]


@router.get("/devices/{serial}/versions/{version}")
def version(
    store: StoreDep, who: Viewer, serial: Serial,
    version: Annotated[int, Path(ge=1, le=2**31)],
) -> VersionRead:  # fmt: skip
    found = store.configs.version(serial, version)
    check_site(who, found.site)
    return _version(found, with_text=True)


@router.post("/devices/{serial}/rollback", status_code=status.HTTP_202_ACCEPTED)
def rollback(request: Request, who: Operator, serial: Serial, body: Rollback) -> JobRead:
    """Push an earlier version of a CPE's configuration back to it, as a job."""
    deployer = _deployer(request)
    check_site(who, deployer.store.configs.version(serial, body.version).site)
    plan = deployer.rollback_plan(serial, body.version)
    return _start(request, deployer, plan, who, "rollback",
                  f"rollback of {serial} to version {body.version}")  # fmt: skip


@router.post("/config/drift")
def drift(request: Request, who: Operator, body: Sites) -> list[DriftRead]:
    """What each enrolled CPE runs against the version it was last given (read from it)."""
    found = _deployer(request).drift(_sites(who, body))
    return [DriftRead(serial=d.serial, site=d.site, state=d.state.value, version=d.version,
                      diff=d.diff, error=d.error) for d in found]  # fmt: skip


# -- helpers


def _deployer(request: Request) -> Deployer:
    deployer: Deployer = running(request, "deployer")
    return deployer


def _sites(who: Principal, body: Sites) -> list[str] | None:
    if body.sites is None:
        if who.scoped:
            raise HTTPException(403, f"{who.name} is site-scoped: name the sites")
        return None
    for site in body.sites:
        check_site(who, site)
    return body.sites


def _start(
    request: Request, deployer: Deployer, plan: Plan, who: Principal, kind: str, reason: str
) -> JobRead:
    job_id = deployer.begin(plan, kind=kind, actor=who.name, reason=reason)
    runner: ThreadPoolExecutor = running(request, "config_jobs")
    runner.submit(deployer.run, job_id, plan, who.name)
    return _job(deployer.store.configs.job(job_id))


def _device(d: DeviceEndpoint) -> DeviceRead:
    return DeviceRead(serial=d.serial, host=d.host, port=d.port, host_key=d.host_key,
                      enrolled_at=d.enrolled_at, enrolled_by=d.enrolled_by)  # fmt: skip


def _job(job: Job) -> JobRead:
    results: list[Any] = [
        ResultRead(serial=r.serial, site=r.site, state=r.state.value, diff=r.diff, error=r.error,
                   error_kind=r.error_kind, attempts=r.attempts, seconds=r.seconds,
                   version_id=r.version_id)
        for r in job.results
    ]  # fmt: skip
    return JobRead(id=job.id, kind=job.kind, actor=job.actor, reason=job.reason,
                   state=job.state.value, created_at=job.created_at,
                   finished_at=job.finished_at, results=results)  # fmt: skip


def _version(v: Version, *, with_text: bool) -> VersionRead:
    return VersionRead(serial=v.serial, site=v.site, version=v.version, platform=v.platform,
                       created_at=v.created_at, created_by=v.created_by, job_id=v.job_id,
                       diff=v.diff, text=v.text if with_text else None)  # fmt: skip
