"""Configurations given to CPEs, and the push jobs that gave them.

A job's devices are written as they go: queued, `committed` between the device's commit and its
confirm, then their outcome. A controller that stops mid-job leaves the job `running` and some
devices `committed`; at the next start `interrupt_running` marks them `interrupted`, saying that
the device reverts by itself (its session ended, or its trial timer runs out). Each device that
got a configuration (or was found already running one the controller had not recorded) gets a
new version, in the same transaction as its result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from controller.db.engine import for_writing
from controller.db.tables import ConfigVersionRow, PushJobRow, PushResultRow
from controller.errors import NotFoundError

INTERRUPTED_COMMITTED = (
    "the controller stopped between this device's commit and its confirm: the device goes back "
    "by itself to what it ran before (when the session ended, or when its trial timer ran out)"
)
INTERRUPTED_QUEUED = "the controller stopped before this device's turn: nothing was sent to it"


class JobState(StrEnum):
    RUNNING = "running"
    DONE = "done"  # every device runs its configuration
    FAILED = "failed"  # some did not get it
    INTERRUPTED = "interrupted"  # the controller stopped before the job ended


class DeviceState(StrEnum):
    QUEUED = "queued"
    COMMITTED = "committed"  # committed, not yet confirmed
    PUSHED = "pushed"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True, slots=True)
class Version:
    id: int
    serial: str
    site: str
    version: int
    platform: str
    text: str
    diff: str
    created_at: datetime
    created_by: str
    job_id: int | None


@dataclass(frozen=True, slots=True)
class DeviceOutcome:
    """What a job records of one device (`controller.devices.push.DeviceResult`, plus the
    configuration it was given)."""

    serial: str
    state: DeviceState
    diff: str = ""
    error: str | None = None
    error_kind: str | None = None
    attempts: int = 0
    seconds: float = 0.0
    text: str | None = None
    """The configuration the device now runs (pushed or found unchanged), to keep as a version."""
    platform: str = ""


@dataclass(frozen=True, slots=True)
class JobResult:
    serial: str
    site: str
    state: DeviceState
    diff: str
    error: str | None
    error_kind: str | None
    attempts: int
    seconds: float
    version_id: int | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    actor: str
    reason: str
    state: JobState
    created_at: datetime
    finished_at: datetime | None
    results: tuple[JobResult, ...] = ()

    def count(self, state: DeviceState) -> int:
        return sum(r.state is state for r in self.results)


class Configs:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = for_writing(engine)

    # -- versions

    def latest(self, serial: str) -> Version | None:
        with Session(self._engine) as session:
            row = session.scalars(
                select(ConfigVersionRow)
                .where(ConfigVersionRow.serial == serial)
                .order_by(ConfigVersionRow.version.desc())
                .limit(1)
            ).first()
            return None if row is None else _version(row)

    def latest_of(self, serials: Iterable[str]) -> dict[str, Version]:
        wanted = list(serials)
        newest = (
            select(ConfigVersionRow.serial, func.max(ConfigVersionRow.version).label("v"))
            .where(ConfigVersionRow.serial.in_(wanted))
            .group_by(ConfigVersionRow.serial)
            .subquery()
        )
        query = select(ConfigVersionRow).join(
            newest,
            (ConfigVersionRow.serial == newest.c.serial) & (ConfigVersionRow.version == newest.c.v),
        )
        with Session(self._engine) as session:
            return {row.serial: _version(row) for row in session.scalars(query)}

    def version(self, serial: str, version: int) -> Version:
        with Session(self._engine) as session:
            row = session.scalars(
                select(ConfigVersionRow).where(
                    ConfigVersionRow.serial == serial, ConfigVersionRow.version == version
                )
            ).first()
            if row is None:
                raise NotFoundError(f"device {serial!r} has no configuration version {version}")
            return _version(row)

    def history(self, serial: str | None = None, site: str | None = None,
                limit: int = 50) -> list[Version]:  # fmt: skip
        """Newest first."""
        query = select(ConfigVersionRow).order_by(ConfigVersionRow.id.desc()).limit(limit)
        if serial is not None:
            query = query.where(ConfigVersionRow.serial == serial)
        if site is not None:
            query = query.where(ConfigVersionRow.site_id == site)
        with Session(self._engine) as session:
            return [_version(row) for row in session.scalars(query)]

    # -- jobs

    def start(self, kind: str, actor: str, reason: str, devices: Iterable[tuple[str, str]]) -> int:
        """A new running job over `devices` ((serial, site) pairs), each queued."""
        now = datetime.now(UTC)
        with Session(self._writer) as session, session.begin():
            job = PushJobRow(kind=kind, actor=actor, reason=reason[:500],
                             state=JobState.RUNNING.value, created_at=now)  # fmt: skip
            session.add(job)
            session.flush()
            session.add_all(
                PushResultRow(
                    job_id=job.id,
                    serial=serial,
                    site_id=site,
                    state=DeviceState.QUEUED.value,
                    diff="",
                    attempts=0,
                    seconds=0.0,
                    updated_at=now,
                )
                for serial, site in devices
            )
            return job.id

    def committed(self, job_id: int, serial: str) -> None:
        self._set_state(job_id, serial, DeviceState.COMMITTED)

    def record(self, job_id: int, outcome: DeviceOutcome, actor: str) -> Version | None:
        """A device's outcome, and its new version when it now runs a configuration the
        controller had not recorded for it; one transaction."""
        now = datetime.now(UTC)
        with Session(self._writer) as session, session.begin():
            row = session.get(PushResultRow, (job_id, outcome.serial))
            if row is None:
                raise NotFoundError(f"job {job_id} has no device {outcome.serial!r}")
            made = None
            if outcome.text is not None:
                made = self._new_version(session, row.site_id, outcome, actor, job_id, now=now)
            row.state, row.diff = outcome.state.value, outcome.diff
            row.error, row.error_kind = outcome.error, outcome.error_kind
            row.attempts, row.seconds, row.updated_at = outcome.attempts, outcome.seconds, now
            row.version_id = made.id if made is not None else None
            return made

    def finish(self, job_id: int) -> Job:
        with Session(self._writer) as session, session.begin():
            job = session.get(PushJobRow, job_id)
            if job is None:
                raise NotFoundError(f"no push job {job_id}")
            states = set(session.scalars(
                select(PushResultRow.state).where(PushResultRow.job_id == job_id)
            ))  # fmt: skip
            bad = {DeviceState.FAILED.value, DeviceState.SKIPPED.value, DeviceState.QUEUED.value}
            job.state = (JobState.FAILED if states & bad else JobState.DONE).value
            job.finished_at = datetime.now(UTC)
        return self.job(job_id)

    def interrupt_running(self) -> list[int]:
        """Mark the jobs a stopped controller left running as interrupted (see module)."""
        now = datetime.now(UTC)
        with Session(self._writer) as session, session.begin():
            ids = list(session.scalars(
                select(PushJobRow.id).where(PushJobRow.state == JobState.RUNNING.value)
            ))  # fmt: skip
            if not ids:
                return []
            for state, why in ((DeviceState.COMMITTED, INTERRUPTED_COMMITTED),
                               (DeviceState.QUEUED, INTERRUPTED_QUEUED)):  # fmt: skip
                session.execute(
                    update(PushResultRow)
                    .where(PushResultRow.job_id.in_(ids), PushResultRow.state == state.value)
                    .values(
                        state=DeviceState.INTERRUPTED.value,
                        error=why,
                        error_kind="Interrupted",
                        updated_at=now,
                    )
                )
            session.execute(
                update(PushJobRow).where(PushJobRow.id.in_(ids))
                .values(state=JobState.INTERRUPTED.value, finished_at=now)
            )  # fmt: skip
            return ids

    def job(self, job_id: int) -> Job:
        with Session(self._engine) as session:
            row = session.get(PushJobRow, job_id)
            if row is None:
                raise NotFoundError(f"no push job {job_id}")
            results = session.scalars(
                select(PushResultRow).where(PushResultRow.job_id == job_id)
                .order_by(PushResultRow.site_id, PushResultRow.serial)
            )  # fmt: skip
            return _job(row, tuple(_result(r) for r in results))

    def jobs(self, limit: int = 20) -> list[Job]:
        """The newest jobs, without their devices."""
        with Session(self._engine) as session:
            rows = session.scalars(select(PushJobRow).order_by(PushJobRow.id.desc()).limit(limit))
            return [_job(row, ()) for row in rows]

    # -- helpers

    def _set_state(self, job_id: int, serial: str, state: DeviceState) -> None:
        with Session(self._writer) as session, session.begin():
            session.execute(
                update(PushResultRow)
                .where(PushResultRow.job_id == job_id, PushResultRow.serial == serial)
                .values(state=state.value, updated_at=datetime.now(UTC))
            )

    @staticmethod
    def _new_version(
        session: Session, site: str, outcome: DeviceOutcome, actor: str, job_id: int, *,
        now: datetime,
    ) -> Version | None:  # fmt: skip
        last = session.scalars(
            select(ConfigVersionRow).where(ConfigVersionRow.serial == outcome.serial)
            .order_by(ConfigVersionRow.version.desc()).limit(1)
        ).first()  # fmt: skip
        if last is not None and last.text == outcome.text:
            return None
        assert outcome.text is not None
        row = ConfigVersionRow(
            serial=outcome.serial, site_id=site, version=1 if last is None else last.version + 1,
            platform=outcome.platform, text=outcome.text, diff=outcome.diff, created_at=now,
            created_by=actor, job_id=job_id,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return _version(row)


def _version(row: ConfigVersionRow) -> Version:
    return Version(row.id, row.serial, row.site_id, row.version, row.platform, row.text, row.diff,
                   row.created_at, row.created_by, row.job_id)  # fmt: skip


def _result(row: PushResultRow) -> JobResult:
    return JobResult(row.serial, row.site_id, DeviceState(row.state), row.diff, row.error,
                     row.error_kind, row.attempts, row.seconds, row.version_id,
                     row.updated_at)  # fmt: skip


def _job(row: PushJobRow, results: tuple[JobResult, ...]) -> Job:
    return Job(row.id, row.kind, row.actor, row.reason, JobState(row.state), row.created_at,
               row.finished_at, results)  # fmt: skip
