"""Getting the intended configurations onto the enrolled CPEs, as recorded jobs: plan (what
each device should run and how to reach it), preview (each device's diff, nothing changed),
push (a job: `controller.devices.push` with every device's progress and outcome written as it
comes, a new version for each device that got a configuration, host keys pinned at first
contact), rollback to a version, and drift (what a device runs against the version it was
given).

A CPE is reached at its enrolment (`Store.devices`), logged in to with what its inventory
`credentials_ref` resolves to; a CPE not enrolled is left alone and listed as such.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum

from controller.configs.intended import Intended, intended_configs
from controller.devices.base import Endpoint
from controller.devices.credentials import CredentialsError, resolve
from controller.devices.errors import DeviceError
from controller.devices.push import (
    DeviceResult,
    Opener,
    Outcome,
    PushOptions,
    PushTarget,
    push,
)
from controller.devices.registry import open_driver
from controller.errors import NotFoundError
from controller.settings import Settings
from controller.store.config_store import DeviceOutcome, DeviceState, Job
from controller.store.device_store import DeviceEndpoint
from controller.store.facade import Store
from sites.config.render import compare
from sites.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Problem:
    serial: str
    site: str
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class Plan:
    """What to push: a target per enrolled device that can be reached, and why the others
    cannot (`problems`) or are not managed (`not_enrolled`)."""

    targets: tuple[PushTarget, ...]
    problems: tuple[Problem, ...]
    not_enrolled: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.targets and not self.problems


@dataclass(frozen=True, slots=True)
class Preview:
    serial: str
    site: str
    diff: str
    """What pushing would change ("" when the device already runs it)."""
    error: str | None = None


class DriftState(StrEnum):
    IN_SYNC = "in-sync"
    DRIFTED = "drifted"  # runs something else than the version it was given
    NO_VERSION = "no-version"  # never given a configuration by this controller
    UNREACHABLE = "unreachable"


@dataclass(frozen=True, slots=True)
class Drift:
    serial: str
    site: str
    state: DriftState
    version: int | None
    diff: str = ""
    """From what it was given to what it runs."""
    error: str | None = None


class Deployer:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        opener: Opener = open_driver,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self._opener = opener
        self._environ = environ
        self.on_job: Callable[[Job], None] | None = None
        """Told of every job as it finishes (the app raises and clears push alarms)."""

    # -- planning

    def managed_sites(self) -> set[str]:
        """The sites with at least one enrolled CPE."""
        enrolled = self.store.devices.all()
        if not enrolled:
            return set()
        _, inventory = self.store.current.get()
        return {site.id for site in inventory.sites for cpe in site.cpes if cpe.serial in enrolled}

    def plan(self, sites: Iterable[str] | None = None) -> Plan:
        """Every CPE of `sites` (all when None) with what it should run now."""
        intended, unbuildable = intended_configs(self.store, self.settings, sites)
        return self._plan({s: (i, i.text) for s, i in intended.items()}, unbuildable)

    def _plan(
        self,
        wanted: Mapping[str, tuple[Intended, str]],
        unbuildable: Mapping[str, tuple[str, str]],
    ) -> Plan:
        enrolled = self.store.devices.all()
        targets, problems, absent = [], [], []
        for serial, (intended, text) in wanted.items():
            entry = enrolled.get(serial)
            if entry is None:
                absent.append(serial)
                continue
            try:
                endpoint = self._endpoint(entry, entry.credentials_ref or intended.credentials_ref)
            except CredentialsError as exc:
                problems.append(Problem(serial, intended.site, "CredentialsError", str(exc)))
                continue
            targets.append(PushTarget(serial, intended.site, intended.platform, endpoint, text))
        for serial, (site, why) in unbuildable.items():
            if serial in enrolled:
                problems.append(Problem(serial, site, "ConfigError", why))
        return Plan(tuple(targets), tuple(problems), tuple(sorted(absent)))

    def _endpoint(self, entry: DeviceEndpoint, credentials_ref: str) -> Endpoint:
        return Endpoint(entry.host, entry.port, resolve(credentials_ref, self._environ),
                        host_key=entry.host_key,
                        timeout_s=self.settings.devices.timeout_s)  # fmt: skip

    # -- reading devices

    def probe(self, target: PushTarget) -> DeviceError | None:
        """Log in to the device and out again: None, or why that failed."""
        try:
            with self._opener(target.platform, target.endpoint):
                return None
        except DeviceError as exc:
            return exc

    def preview(self, plan: Plan) -> list[Preview]:
        """Each planned device's diff, read from the device (staged, compared, discarded)."""

        def one(target: PushTarget) -> Preview:
            try:
                with self._opener(target.platform, target.endpoint) as driver:
                    driver.load_candidate(target.config)
                    diff = driver.compare()
                    driver.discard()
            except DeviceError as exc:
                return Preview(target.device, target.site, "", str(exc))
            return Preview(target.device, target.site, diff)

        found = [Preview(p.serial, p.site, "", p.message) for p in plan.problems]
        with ThreadPoolExecutor(max_workers=self.settings.devices.workers) as pool:
            found += pool.map(one, plan.targets)
        return sorted(found, key=lambda p: (p.site, p.serial))

    def drift(self, sites: Iterable[str] | None = None) -> list[Drift]:
        """What each enrolled CPE of `sites` runs, against the last version it was given."""
        plan = self.plan(sites)
        versions = self.store.configs.latest_of(t.device for t in plan.targets)

        def one(target: PushTarget) -> Drift:
            given = versions.get(target.device)
            try:
                with self._opener(target.platform, target.endpoint) as driver:
                    running = driver.get_running()
            except DeviceError as exc:
                number = given.version if given else None
                return Drift(target.device, target.site, DriftState.UNREACHABLE, number,
                             error=str(exc))  # fmt: skip
            if given is None:
                return Drift(target.device, target.site, DriftState.NO_VERSION, None)
            try:
                diff = compare(target.platform, running, given.text)
            except ConfigError as exc:
                diff = f"the device's configuration cannot be read: {exc}"
            state = DriftState.DRIFTED if diff else DriftState.IN_SYNC
            return Drift(target.device, target.site, state, given.version, diff)

        with ThreadPoolExecutor(max_workers=self.settings.devices.workers) as pool:
            found = list(pool.map(one, plan.targets))
        return sorted(found, key=lambda d: (d.site, d.serial))

    # -- changing devices

    def push(
        self,
        plan: Plan,
        *,
        kind: str,
        actor: str,
        reason: str,
        progress: Callable[[int], None] | None = None,
    ) -> Job:
        """Push `plan` as one job (see module); every device's outcome is in the job."""
        return self.run(self.begin(plan, kind=kind, actor=actor, reason=reason), plan, actor,
                        progress=progress)  # fmt: skip

    def begin(self, plan: Plan, *, kind: str, actor: str, reason: str) -> int:
        """Record the job of `plan` (every device queued) before it runs; its id."""
        devices = [(t.device, t.site) for t in plan.targets]
        devices += [(p.serial, p.site) for p in plan.problems]
        return self.store.configs.start(kind, actor, reason, devices)

    def run(
        self,
        job_id: int,
        plan: Plan,
        actor: str,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> Job:
        """Run a job `begin` recorded; its outcome."""
        configs = self.store.configs
        for problem in plan.problems:
            configs.record(job_id, DeviceOutcome(problem.serial, DeviceState.FAILED,
                                                 error=problem.message,
                                                 error_kind=problem.kind), actor)  # fmt: skip
        by_serial = {t.device: t for t in plan.targets}
        pinned = {t.device for t in plan.targets if t.endpoint.host_key is not None}

        def done(result: DeviceResult) -> None:
            target = by_serial[result.device]
            runs = result.outcome in (Outcome.PUSHED, Outcome.UNCHANGED)
            configs.record(job_id, DeviceOutcome(
                result.device, DeviceState(result.outcome.value), result.diff, result.error,
                result.error_kind, result.attempts, result.seconds,
                text=target.config if runs else None, platform=target.platform.value,
            ), actor)  # fmt: skip
            if result.host_key is not None and result.device not in pinned:
                self.store.devices.pin(result.device, result.host_key)

        devices_settings = self.settings.devices
        options = PushOptions(workers=devices_settings.workers,
                              confirm_timeout_s=devices_settings.confirm_timeout_s)  # fmt: skip
        push(plan.targets, options, opener=self._opener, progress=progress,
             committed=lambda t: configs.committed(job_id, t.device), done=done)  # fmt: skip
        job = configs.finish(job_id)
        if self.on_job is not None:
            self.on_job(job)
        return job

    def rollback_plan(self, serial: str, version: int) -> Plan:
        """The plan that pushes version `version` of `serial`'s configuration back to it."""
        given = self.store.configs.version(serial, version)
        intended, _ = intended_configs(self.store, self.settings, [given.site])
        if serial not in intended:
            raise NotFoundError(f"device {serial!r} is not in site {given.site!r} any more")
        plan = self._plan({serial: (intended[serial], given.text)}, {})
        if plan.not_enrolled:
            raise NotFoundError(f"device {serial!r} is not enrolled")
        return plan

    def rollback(self, serial: str, version: int, actor: str) -> Job:
        """Push version `version` of `serial`'s configuration back to it, as a job."""
        return self.push(self.rollback_plan(serial, version), kind="rollback", actor=actor,
                         reason=f"rollback of {serial} to version {version}")  # fmt: skip

    def recover(self) -> list[int]:
        """At start: the jobs a stopped controller left running, marked interrupted."""
        return self.store.configs.interrupt_running()
