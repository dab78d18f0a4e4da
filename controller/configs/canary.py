"""Canary rollout of a configuration change: a chosen set of sites first, their SLA figures
watched for a while, and then either the rest of the network or those sites rolled back.

The SLA figure of a site over a window is the share of its applications' measured time within
their SLA class (`telemetry.health.apps.sla_share`: a window within SLA when its mean latency,
jitter and loss meet the class). A canary site is worse when its share after the push is lower
than before by more than `worse_by`, or when it reported nothing after the push while it did
before (a branch gone silent after a change is the failure a canary is for). A canary push that
fails on any device stops the rollout too. Stopping rolls the canary devices that got the new
configuration back to the version they had; the other sites are not touched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from controller.configs.deploy import Deployer, Plan
from controller.store.config_store import DeviceState, Job, JobState, Version
from telemetry.health.apps import sla_share
from telemetry.health.layout import HealthLayout
from telemetry.store.base import Selector, TelemetryStore

WINDOW = timedelta(seconds=10)
"""The telemetry windows the SLA figures are computed over."""


@dataclass(frozen=True, slots=True)
class CanaryOptions:
    sites: tuple[str, ...]
    """The canary sites, pushed first."""
    watch_s: float = 300.0
    """How long their SLA figures are watched after the push (and compared with as long before)."""
    worse_by: float = 0.05
    """A drop of the share of time within SLA larger than this (0.05: five points) is worse."""


@dataclass(frozen=True, slots=True)
class Figure:
    """A site's share of measured application time within SLA over a window; None: no data."""

    site: str
    share: float | None
    samples: int


@dataclass(frozen=True, slots=True)
class CanaryReport:
    verdict: str
    """"continued" (the rest was pushed), "rolled-back" or "stopped" (nothing to roll back)."""
    reason: str
    canary_job: Job
    before: tuple[Figure, ...] = ()
    after: tuple[Figure, ...] = ()
    rest_job: Job | None = None
    rollback_jobs: tuple[Job, ...] = field(default=())


def split(plan: Plan, sites: Sequence[str]) -> tuple[Plan, Plan]:
    """The plan's canary part (devices of `sites`) and the rest."""
    chosen = set(sites)

    def part(inside: bool) -> Plan:
        return replace(
            plan,
            targets=tuple(t for t in plan.targets if (t.site in chosen) is inside),
            problems=tuple(p for p in plan.problems if (p.site in chosen) is inside),
        )

    return part(True), part(False)


def figures(
    telemetry: TelemetryStore, layout: HealthLayout, sites: Sequence[str], start: datetime,
    end: datetime,
) -> tuple[Figure, ...]:  # fmt: skip
    found = []
    for site in sites:
        windows = telemetry.query(Selector(site=site), start, end, WINDOW)
        shares = sla_share(windows, layout).values()
        total = sum(s.samples for s in shares)
        within = sum(s.within_share * s.samples for s in shares)
        found.append(Figure(site, within / total if total else None, total))
    return tuple(found)


def rollout(
    deployer: Deployer,
    telemetry: TelemetryStore,
    layout: Callable[[], HealthLayout],
    plan: Plan,
    options: CanaryOptions,
    *,
    actor: str,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> CanaryReport:
    """Push `plan` canaries first (see module)."""
    canaries, rest = split(plan, options.sites)
    watch = timedelta(seconds=options.watch_s)
    sites = sorted({t.site for t in canaries.targets})
    previous = deployer.store.configs.latest_of(t.device for t in canaries.targets)
    started = clock()
    before = figures(telemetry, layout(), sites, started - watch, started)
    job = deployer.push(canaries, kind="canary", actor=actor,
                        reason=f"canary of {len(sites)} site(s): {', '.join(sites)}")  # fmt: skip
    if job.state is not JobState.DONE:
        return _back(
            deployer, job, previous, actor, reason="the canary push failed", seen=(before, ())
        )
    sleep(options.watch_s)
    ended = clock()
    after = figures(telemetry, layout(), sites, max(started, ended - watch), ended)
    worse = _worse(before, after, options.worse_by)
    if worse:
        return _back(deployer, job, previous, actor, reason="; ".join(worse), seen=(before, after))
    rest_job = deployer.push(rest, kind="rollout", actor=actor,
                             reason=f"after canary job {job.id}")  # fmt: skip
    return CanaryReport("continued", "every canary site kept its SLA figures", job, before,
                        after, rest_job)  # fmt: skip


def _worse(before: Sequence[Figure], after: Sequence[Figure], worse_by: float) -> list[str]:
    found = []
    for was, now in zip(before, after, strict=True):
        if was.share is None:
            continue  # nothing to compare with
        if now.share is None:
            found.append(f"{now.site} reported nothing after the push")
        elif now.share < was.share - worse_by:
            found.append(f"{now.site} within SLA {now.share:.0%} after, {was.share:.0%} before")
    return found


def _back(
    deployer: Deployer, job: Job, previous: Mapping[str, Version], actor: str, *, reason: str,
    seen: tuple[tuple[Figure, ...], tuple[Figure, ...]],
) -> CanaryReport:  # fmt: skip
    """Roll the canary devices that got the new configuration back to their version before."""
    rolled = []
    for result in job.results:
        was = previous.get(result.serial)
        if result.state is DeviceState.PUSHED and was is not None:  # else: nothing to go back to
            rolled.append(deployer.rollback(result.serial, was.version, actor))
    verdict = "rolled-back" if rolled else "stopped"
    return CanaryReport(verdict, reason, job, *seen, rollback_jobs=tuple(rolled))
