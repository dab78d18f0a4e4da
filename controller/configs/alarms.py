"""Alarms about configurations, raised and cleared per site through the monitor (so they are
notified like the others): `push-failure` when a job leaves some CPE of a site without its
configuration (cleared by a later job that gives every CPE of the site its configuration), and
`config-drift` when the drift check finds a CPE running something else than the version it was
given (cleared once every CPE of the site it could read runs its version again)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime

from controller.configs.deploy import Drift, DriftState
from controller.store.config_store import DeviceState, Job
from telemetry.alarms.model import AlarmKind

Report = Callable[[AlarmKind, str, str | None, datetime], None]
"""`Monitor.report`: a failure raises the site's alarm of that kind; None clears it."""

_FAILED = (DeviceState.FAILED, DeviceState.SKIPPED, DeviceState.INTERRUPTED)


def job_alarms(report: Report, job: Job, now: datetime) -> None:
    by_site: dict[str, list[str]] = defaultdict(list)
    for result in job.results:
        by_site[result.site]  # every site of the job is reported, failed or not
        if result.state in _FAILED:
            by_site[result.site].append(f"{result.serial}: {result.error or result.state.value}")
    for site, failures in by_site.items():
        message = f"job {job.id}: " + "; ".join(failures) if failures else None
        report(AlarmKind.PUSH_FAILURE, site, message, now)


def drift_alarms(report: Report, drifts: Sequence[Drift], now: datetime) -> None:
    by_site: dict[str, list[Drift]] = defaultdict(list)
    for drift in drifts:
        by_site[drift.site].append(drift)
    for site, found in by_site.items():
        drifted = [d for d in found if d.state is DriftState.DRIFTED]
        if drifted:
            first = drifted[0].diff.splitlines()[0] if drifted[0].diff else ""
            devices = "; ".join(
                f"{d.serial} runs something else than version {d.version}" for d in drifted
            )
            message = devices + (f" ({first} ...)" if first else "")
            report(AlarmKind.CONFIG_DRIFT, site, message, now)
        elif any(d.state is DriftState.IN_SYNC for d in found):
            report(AlarmKind.CONFIG_DRIFT, site, None, now)
