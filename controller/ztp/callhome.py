"""A factory-default CPE calling home: only a serial bound to a claimed, unused invitation (a
link's, or a USB bundle's) gets its signed day-0 bootstrap (`controller.ztp.day0`).

The device is enrolled at the address it called from, with the host key it showed pinned. The
invitation is used up and the site is `provisioning`. Then, in the background, the controller
waits until it can log in with that login, pushes the configuration with the drivers, and
confirms it. The site is then `online`, or `failed` with the reason and a `ztp-failure` alarm.

A serial with no claimed invitation gets 403 (and its site, if the inventory knows it, a
`ztp-failure` alarm). A device that called home already (a replay) gets 409.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from controller.configs.deploy import Deployer, Plan
from controller.settings import Settings
from controller.store.config_store import DeviceState, Job
from controller.store.facade import Store
from controller.store.ztp_store import SiteState, Step
from controller.ztp.day0 import ACTOR, Day0Error, Day0Signer
from sites.bootstrap import Signed
from telemetry.alarms.model import AlarmKind

log = logging.getLogger("branchline.ztp")

BOOTSTRAP_TTL = timedelta(hours=1)

Report = Callable[[AlarmKind, str, str | None, datetime], None]


class CallHomeRefusedError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class CallHomeRequest:
    serial: str
    address: str
    """Where the controller reaches the device: the address it called from."""
    port: int
    host_key: str


class CallHome:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        deployer: Deployer,
        *,
        submit: Callable[[Callable[[], None]], object],
        report: Report | None = None,
        wait_s: float = 60.0,
    ) -> None:
        self.store = store
        self.settings = settings
        self.deployer = deployer
        self.day0 = Day0Signer(store, settings)
        self._submit = submit
        self._report = report
        self.wait_s = wait_s
        self._stopping = threading.Event()

    def close(self) -> None:
        """The controller stops: a branch still waiting for its device's login fails now,
        saying so, rather than holding the stop up to `wait_s`."""
        self._stopping.set()

    def bootstrap(self, request: CallHomeRequest) -> Signed:
        now = datetime.now(UTC)
        serial = request.serial
        invite = self.store.ztp.claimed_by(serial, now)
        site = self._site_of(serial)
        if invite is None:
            if self.store.ztp.used_by(serial) is not None:
                again = (f"{serial} called home again from {request.address}: it was "
                         "provisioned already")  # fmt: skip
                if site:
                    self._note_once(site, again)
                raise CallHomeRefusedError(409, "this device called home already")
            why = f"call-home from {serial} at {request.address}: no claimed invitation"
            if not site:
                log.warning("%s (a serial of no site)", why)
            else:
                self._note_once(site, why)
                self._alarm(site, why)
            raise CallHomeRefusedError(403, "no claimed invitation for this device")
        try:
            day0 = self.day0.sign(invite.site, serial, now, now + BOOTSTRAP_TTL)
        except Day0Error as exc:
            self._fail(invite.site, f"{exc}. Fix the site's inventory or policy, then invite "
                                    "the branch again")  # fmt: skip
            raise CallHomeRefusedError(409, "the device's configuration cannot be built") from None
        self.store.devices.enroll(serial, request.address, request.port, request.host_key, ACTOR,
                                  credentials_ref=day0.credentials_ref)  # fmt: skip
        self.store.ztp.consume(invite.id, f"{serial} called home from {request.address}; its "
                               "signed day-0 bootstrap was sent", ACTOR)  # fmt: skip
        self._submit(lambda: self.provision(invite.site, serial))
        return day0.signed

    def refused(self, serial: str, address: str, detail: str) -> None:
        """The device `serial` says it refused its bootstrap: its site's timeline says so (once
        for the same words) and a `ztp-failure` alarm is raised. An unknown serial: 403."""
        site = self._site_of(serial)
        if site is None:
            raise CallHomeRefusedError(403, "no such device")
        why = (
            f"{serial} at {address} refused its bootstrap: {detail}. If the signature did "
            "not verify, give the device the controller's key (branchline ztp key show)"
        )
        log.warning("%s", why)
        last = self.store.ztp.timeline(site)[-1:]
        if not last or last[0].detail != why:
            self.store.ztp.note(site, "bootstrap refused", why, ACTOR)
        self._alarm(site, why)

    def provision(self, site: str, serial: str) -> None:
        """Log in as soon as the device allows it, push its configuration, and say how it
        went (see module)."""
        plan = self.deployer.plan([site])
        target = next((t for t in plan.targets if t.device == serial), None)
        if target is None:
            self._fail(site, f"{serial}: not enrolled any more (removed meanwhile?): invite the "
                             "branch again")  # fmt: skip
            return
        deadline = time.monotonic() + self.wait_s
        while (problem := self.deployer.probe(target)) is not None:
            if time.monotonic() > deadline:
                self._fail(site, f"{serial}: the controller could not log in within "
                                 f"{self.wait_s:g} s: {problem.reason}. Check that the device "
                                 f"took its day-0 (its console) and that the controller reaches "
                                 f"it at {target.endpoint.host}:{target.endpoint.port}, then "
                                 "invite the branch again")  # fmt: skip
                return
            # The device authorizes the login as it applies day-0.
            if self._stopping.wait(0.25):
                self._fail(site, f"{serial}: the controller stopped before it could configure "
                                 "the device: invite the branch again")  # fmt: skip
                return
        job = self.deployer.push(
            Plan((target,), (), ()), kind="ztp", actor=ACTOR, reason=f"opening {site}"
        )
        result = job.results[0]
        if job.state.value != "done":
            fix = f"then push again (branchline config push --site {site})"
            self._fail(site, f"{serial}: the configuration push failed (job {job.id}): "
                             f"{result.error}. It runs its day-0 and is enrolled: fix what the "
                             f"job says, {fix}")  # fmt: skip
            return
        self.store.ztp.advance(site, Step(SiteState.ONLINE, "online",
                                          f"{serial} runs its configuration (job {job.id})",
                                          ACTOR, datetime.now(UTC)))  # fmt: skip
        if self._report is not None:
            self._report(AlarmKind.ZTP_FAILURE, site, None, datetime.now(UTC))

    def on_job(self, job: Job) -> None:
        """A push job that gives a device of a site whose opening failed its configuration
        brings the site online (the operator fixed what the failure said, and pushed)."""
        for result in job.results:
            if result.state not in (DeviceState.PUSHED, DeviceState.UNCHANGED):
                continue
            state = self.store.ztp.state(result.site)
            if state is None or state[0] is not SiteState.FAILED:
                continue
            self.store.ztp.advance(result.site, Step(
                SiteState.ONLINE, "online", f"{result.serial} runs its configuration (job "
                f"{job.id}, {job.kind} by {job.actor})", ACTOR, datetime.now(UTC)))  # fmt: skip
            if self._report is not None:
                self._report(AlarmKind.ZTP_FAILURE, result.site, None, datetime.now(UTC))

    # -- helpers

    def _site_of(self, serial: str) -> str | None:
        _, inventory = self.store.current.get()
        return next((s.id for s in inventory.sites for c in s.cpes if c.serial == serial), None)

    def _fail(self, site: str, why: str) -> None:
        log.warning("opening %s failed: %s", site, why)
        self.store.ztp.advance(site, Step(SiteState.FAILED, "failed", why, ACTOR,
                                          datetime.now(UTC), reason=why))  # fmt: skip
        self._alarm(site, why)

    def _note_once(self, site: str, why: str) -> None:
        """A refused call-home in the site's timeline. A CPE switched on before its branch is
        claimed calls again and again: its timeline says so once, not at every call."""
        last = self.store.ztp.timeline(site)[-1:]
        if not last or last[0].detail != why:
            log.warning("%s", why)
            self.store.ztp.note(site, "call-home refused", why, ACTOR)

    def _alarm(self, site: str, why: str) -> None:
        if self._report is not None:
            self._report(AlarmKind.ZTP_FAILURE, site, why, datetime.now(UTC))
