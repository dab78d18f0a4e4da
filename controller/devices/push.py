"""Pushing intended configurations to many devices: a bounded pool of sessions, waves, retries
for connection failures only, and a report in which one failure never stops or hides another.

Each device goes through the driver's lifecycle (controller/devices/base.py): stage the whole
intended configuration, compare (nothing to change: nothing is committed), commit with a confirm
timer, check from a second session that the device still answers its management address, and
only then confirm. A device that stops answering after the commit is rolled back, or reverts by
itself when the timer runs out: no device is left half-configured.

Waves: the CPEs of one site are never touched at once (a hub's two CPEs carry every branch's
tunnels; a two-CPE branch keeps one up). A site's n-th CPE goes in wave n, and a CPE whose peer
failed in an earlier wave is left as it is, reported as skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from enum import StrEnum

from controller.devices.base import DeviceDriver, Endpoint
from controller.devices.errors import DeviceError
from controller.devices.registry import open_driver
from sites.enums import Platform
from sites.errors import BranchlineError

Opener = Callable[[Platform, Endpoint], DeviceDriver]
Committed = Callable[["PushTarget"], None]
"""Told of a device whose commit is made and not yet confirmed (to record it before the
confirm: a controller that stops there leaves a device that reverts by itself)."""


@dataclass(frozen=True, slots=True)
class PushTarget:
    """One device and the configuration it should run (in its platform's dialect)."""

    device: str
    site: str
    platform: Platform
    endpoint: Endpoint
    config: str


class Outcome(StrEnum):
    PUSHED = "pushed"
    UNCHANGED = "unchanged"  # already runs the intended configuration: nothing sent
    FAILED = "failed"
    SKIPPED = "skipped"  # a CPE of the same site failed in an earlier wave


@dataclass(frozen=True, slots=True)
class DeviceResult:
    device: str
    site: str
    outcome: Outcome
    diff: str = ""
    """What changed (or would have): the driver's comparison."""
    error: str | None = None
    """Why it failed, or was skipped; never a secret."""
    error_kind: str | None = None
    """The error's class (`ConnectError`, `CandidateRejectedError`, ...)."""
    attempts: int = 0
    seconds: float = 0.0
    host_key: str | None = None
    """The SSH host key the device showed (to pin, when none was pinned yet)."""


class PushFailedError(BranchlineError):
    """Some devices did not get their configuration; `report` says which and why."""

    def __init__(self, report: PushReport) -> None:
        failed = report.failed
        names = ", ".join(f"{r.device} ({r.error_kind})" for r in failed[:10])
        more = f" and {len(failed) - 10} more" if len(failed) > 10 else ""
        super().__init__(f"{len(failed)} of {len(report.results)} devices failed: {names}{more}")
        self.report = report


@dataclass(frozen=True, slots=True)
class PushReport:
    results: tuple[DeviceResult, ...]

    @property
    def failed(self) -> tuple[DeviceResult, ...]:
        """Devices that did not get their configuration (failed, or skipped for a peer)."""
        return tuple(r for r in self.results if r.outcome in (Outcome.FAILED, Outcome.SKIPPED))

    def count(self, outcome: Outcome) -> int:
        return sum(r.outcome is outcome for r in self.results)

    def raise_for_status(self) -> None:
        if self.failed:
            raise PushFailedError(self)


@dataclass(frozen=True, slots=True)
class PushOptions:
    workers: int = 32
    confirm_timeout_s: int = 60
    retries: int = 2
    """Further tries of a device whose error is retryable (it could not be reached, or its
    configuration was locked); other errors are final at once."""
    backoff_s: float = 1.0
    """Wait before the first retry; doubled before each next one."""


def waves(targets: Sequence[PushTarget]) -> list[list[PushTarget]]:
    """The targets in waves: a site's n-th device (by name) in wave n."""
    by_site: dict[str, list[PushTarget]] = {}
    for target in targets:
        by_site.setdefault(target.site, []).append(target)
    planned: list[list[PushTarget]] = []
    for site_targets in by_site.values():
        for n, target in enumerate(sorted(site_targets, key=lambda t: t.device)):
            if n == len(planned):
                planned.append([])
            planned[n].append(target)
    return planned


def push(
    targets: Sequence[PushTarget],
    options: PushOptions | None = None,
    *,
    opener: Opener = open_driver,
    progress: Callable[[int], None] | None = None,
    committed: Committed | None = None,
    done: Callable[[DeviceResult], None] | None = None,
) -> PushReport:
    """Push every target's configuration (see module); `progress(n)` after each device,
    `committed(target)` between a device's commit and its confirm, `done(result)` with each
    device's result as it comes (from the pool's threads)."""
    options = options or PushOptions()
    results: dict[str, DeviceResult] = {}
    failed_sites: set[str] = set()
    count = 0
    with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
        for wave in waves(targets):
            runnable = [t for t in wave if t.site not in failed_sites]
            for target in wave:
                if target.site in failed_sites:
                    skipped = DeviceResult(
                        target.device, target.site, Outcome.SKIPPED,
                        error="another CPE of its site failed in an earlier wave: not touched",
                    )  # fmt: skip
                    results[target.device] = skipped
                    if done is not None:
                        done(skipped)
                    count += 1

            def one(target: PushTarget) -> DeviceResult:
                result = _push_one(target, options, opener, committed)
                if done is not None:
                    done(result)
                return result

            for result in pool.map(one, runnable):
                results[result.device] = result
                if result.outcome is Outcome.FAILED:
                    failed_sites.add(result.site)
                count += 1
                if progress is not None:
                    progress(count)
    return PushReport(tuple(results[t.device] for t in targets))


def _push_one(
    target: PushTarget, options: PushOptions, opener: Opener, committed: Committed | None
) -> DeviceResult:
    began = time.perf_counter()
    attempt = 0
    while True:
        attempt += 1
        try:
            outcome, diff, key = _apply(target, options, opener, committed)
        except DeviceError as exc:
            if exc.retryable and attempt <= options.retries:
                time.sleep(options.backoff_s * 2 ** (attempt - 1))
                continue
            return DeviceResult(
                target.device, target.site, Outcome.FAILED, error=str(exc),
                error_kind=type(exc).__name__, attempts=attempt,
                seconds=time.perf_counter() - began,
            )  # fmt: skip
        return DeviceResult(target.device, target.site, outcome, diff, attempts=attempt,
                            seconds=time.perf_counter() - began, host_key=key)  # fmt: skip


def _apply(
    target: PushTarget, options: PushOptions, opener: Opener, committed: Committed | None
) -> tuple[Outcome, str, str | None]:
    with opener(target.platform, target.endpoint) as driver:
        driver.load_candidate(target.config)
        diff = driver.compare()
        if not diff:
            driver.discard()
            return Outcome.UNCHANGED, "", driver.host_key
        driver.commit(confirm_timeout_s=options.confirm_timeout_s)
        if committed is not None:
            committed(target)
        try:
            # From a new session: the device still answers on its management address.
            # (pinned to the key the first session saw, at a first contact too)
            pinned = replace(target.endpoint, host_key=driver.host_key)
            with opener(target.platform, pinned) as check:
                check.get_running()
        except DeviceError:
            driver.rollback()
            raise
        driver.confirm()
        return Outcome.PUSHED, diff, driver.host_key
