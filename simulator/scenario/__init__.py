"""A simulation scenario as written in YAML: network, time, traffic, links, probes, faults, policy.

Validated at the edge (unknown keys are errors) and frozen. `simulator.scenario.load` reads a
file and reports every problem with its field path and line. See docs/simulator.md for the format.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from policies.governance import SCOPE
from policies.policy import Policy
from policies.probe_timers import PRESETS, PresetName, ProbeTimers
from simulator.durations import Seconds
from simulator.faults_spec import Fault
from sites.base import Identifier
from sites.enums import BranchClass, Transport


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReferenceNetwork(_Model):
    """The generated reference network (sites.generator)."""

    branches: int = Field(ge=1, le=50_000)
    seed: int = 7


class NetworkSource(_Model):
    """Exactly one of an inventory file (relative to the scenario file) or the reference."""

    inventory: str | None = None
    reference: ReferenceNetwork | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.inventory is None) == (self.reference is None):
            raise ValueError(
                "give exactly one of inventory (a file) or reference: {branches, seed}"
            )
        return self


class Shape(StrEnum):
    """How an application's demand follows the (Beijing) time of day."""

    FLAT = "flat"  # constant
    DIURNAL = "diurnal"  # office hours 09:00-18:00, ramps an hour either side, low at night
    TRADING = "trading"  # A-share sessions 09:30-11:30 and 13:00-15:00
    POINTS = "points"  # piecewise linear through (seconds from start, level) points


class TrafficProfile(_Model):
    """Demand of one application at one branch: expected_kbps x scale x level(t) x noise."""

    shape: Shape = Shape.DIURNAL
    scale: float = Field(default=1.0, ge=0, le=1000)
    off_hours: float = Field(default=0.1, ge=0, le=1, description="level outside the hours")
    points: tuple[tuple[Seconds, float], ...] = ()

    @model_validator(mode="after")
    def _points(self) -> Self:
        if (self.shape is Shape.POINTS) != bool(self.points):
            raise ValueError("shape 'points' needs points: [[seconds, level], ...], others none")
        times = [t for t, _ in self.points]
        if times != sorted(times) or any(level < 0 for _, level in self.points):
            raise ValueError("points need increasing times and levels >= 0")
        return self


def _class_scales() -> dict[BranchClass, float]:
    return {BranchClass.A: 0.5, BranchClass.B: 0.3, BranchClass.C: 0.2}


class Traffic(_Model):
    """Profiles per application (`default` for the rest), per-class site size, noise."""

    default: TrafficProfile = TrafficProfile()
    applications: dict[Identifier, TrafficProfile] = Field(default_factory=dict)
    class_scale: dict[BranchClass, float] = Field(
        default_factory=_class_scales, description="a C branch has fewer desks than an A branch"
    )
    noise: float = Field(default=0.1, ge=0, le=1, description="relative spread of demand")
    noise_period_s: Seconds = Field(
        default=10.0, gt=0, description="demand noise redrawn this often"
    )

    def for_app(self, name: str) -> TrafficProfile:
        """The profile of one application."""
        return self.applications.get(name, self.default)


class TransportModel(_Model):
    """Quality of an idle link of one transport, before distance and load are added."""

    latency_ms: float = Field(ge=0, le=10_000, description="round trip, at zero distance")
    jitter_ms: float = Field(ge=0, le=10_000)
    loss_pct: float = Field(ge=0, le=100, description="mean random loss")


def _transports() -> dict[Transport, TransportModel]:
    return {
        Transport.MSTP: TransportModel(latency_ms=2.0, jitter_ms=0.3, loss_pct=0.005),
        Transport.MPLS: TransportModel(latency_ms=4.0, jitter_ms=0.8, loss_pct=0.01),
        Transport.INTERNET: TransportModel(latency_ms=12.0, jitter_ms=3.0, loss_pct=0.05),
        Transport.LTE: TransportModel(latency_ms=35.0, jitter_ms=8.0, loss_pct=0.3),
    }


class LinkModels(_Model):
    """Latency from transport and distance; queueing delay and loss as a link fills."""

    transports: dict[Transport, TransportModel] = Field(default_factory=_transports)
    km_per_ms: float = Field(
        default=100.0, gt=0, description="round-trip: light in fibre, 200 km/ms each way"
    )
    route_factor: float = Field(default=1.4, ge=1, description="fibre path / great circle")
    queue_ms: float = Field(
        default=2.0, ge=0, le=1000, description="queueing delay at 50 % utilization (M/M/1)"
    )
    max_queue_ms: float = Field(default=300.0, ge=0, description="the buffer: delay cap")
    loss_knee: float = Field(
        default=0.9, gt=0, lt=1, description="above this utilization, loss grows to 1 % at 100 %"
    )

    @field_validator("transports")
    @classmethod
    def _every_transport(
        cls, given: dict[Transport, TransportModel]
    ) -> dict[Transport, TransportModel]:
        # A partial mapping overrides some transports; the others keep their defaults.
        return {**_transports(), **given}


class Probe(_Model):
    """Probe timers and measurement window: a preset, or explicit values (which override the
    preset's). Without a preset the window is one probe (each probe is a sample)."""

    preset: PresetName | None = PresetName.CISCO_BFD
    interval_s: Seconds | None = Field(default=None, gt=0)
    multiplier: int | None = Field(default=None, ge=1, le=1000)
    recover: int | None = Field(default=None, ge=1, le=1000)
    poll_s: Seconds | None = Field(
        default=None, gt=0, description="loss, latency and jitter recomputed this often"
    )
    buckets: int | None = Field(
        default=None, ge=1, le=1000, description="polls averaged (the window is poll_s x buckets)"
    )

    def timers(self) -> ProbeTimers:
        """The effective timers."""
        base = PRESETS[self.preset] if self.preset else None
        interval = self.interval_s or (base.interval_s if base else None)
        multiplier = self.multiplier or (base.multiplier if base else None)
        if interval is None or multiplier is None:
            raise ValueError("without a preset, give interval_s and multiplier")
        recover = self.recover or (base.recover if base else 1)
        if self.poll_s is None:
            poll = base.poll if base else 1
        else:
            poll = round(self.poll_s / interval)
            if poll < 1 or abs(self.poll_s / interval - poll) > 1e-6:
                raise ValueError(
                    f"poll_s ({self.poll_s:g} s) must be a whole multiple of the probe "
                    f"interval ({interval:g} s)"
                )
        buckets = self.buckets or (base.buckets if base else 1)
        if base and (interval, multiplier, recover, poll, buckets) == (
            base.interval_s,
            base.multiplier,
            base.recover,
            base.poll,
            base.buckets,
        ):
            return base
        source = f"custom, from {self.preset}" if base else "custom"
        return ProbeTimers(interval, multiplier, recover, source, poll=poll, buckets=buckets)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        self.timers()
        return self


class Multiplier(_Model):
    """Demand x `factor` for the branches and applications it names (every one when it names
    none), between two times of day (all day when it names none)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    factor: float = Field(ge=0, le=100)
    branch: Identifier | None = None
    branch_class: BranchClass | None = Field(default=None, alias="class")
    application: Identifier | None = None
    from_: str | None = Field(default=None, alias="from", description="'HH:MM', Beijing time")
    until: str | None = Field(default=None, description="'HH:MM' (before from: past midnight)")

    @field_validator("from_", "until")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        if value is not None and not _CLOCK.match(value):
            raise ValueError(f"expected a time of day 'HH:MM', got {value!r}")
        return value


class Growth(_Model):
    """Demand grown by `per_month_pct` a month, compounded, for `months` months."""

    per_month_pct: float = Field(ge=-50, le=100)
    months: int = Field(ge=0, le=120)

    @property
    def factor(self) -> float:
        """What every demand is multiplied by."""
        return float((1.0 + self.per_month_pct / 100.0) ** self.months)


class CapacityOverride(_Model):
    """A branch link's bandwidth as it would be (an upgrade, or a cut)."""

    site: Identifier
    link: Identifier
    mbps: float = Field(gt=0, le=1_000_000)


class LtePlan(_Model):
    """A metered (LTE) link's data plan: a monthly fee with data included, a price beyond."""

    monthly_fee_cny: float = Field(ge=0, le=1_000_000)
    included_gb: float = Field(ge=0, le=1_000_000, description="per month")
    over_cny_per_gb: float = Field(ge=0, le=1_000_000)


class Planning(_Model):
    """Capacity planning: what if demand grows or shifts, and links change; what LTE costs."""

    growth: Growth | None = None
    lte_plan: LtePlan | None = None
    multipliers: tuple[Multiplier, ...] = Field(default=(), max_length=1000)
    capacity: tuple[CapacityOverride, ...] = Field(default=(), max_length=100_000)


class Report(_Model):
    """Which branches get their own plots (default: the faulted ones, else the first ones)."""

    sites: tuple[Identifier, ...] = ()
    max_sites: int = Field(default=4, ge=0, le=50)


_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class StoredPolicy(_Model):
    """A policy version kept by the controller, resolved when the scenario is loaded there."""

    scope: str = Field(description="default, class:A|B|C or site:<id>")
    version: int | None = Field(default=None, ge=0, description="None: the current version")

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        if not SCOPE.match(value):
            raise ValueError("use 'default', 'class:A', 'class:B', 'class:C' or 'site:<site id>'")
        return value


class Scenario(_Model):
    """One simulation run."""

    name: str = Field(default="scenario", min_length=1, max_length=200)
    description: str = ""
    network: NetworkSource
    duration: Seconds = Field(gt=0, le=31 * 86_400)
    tick: Seconds = Field(default=1.0, gt=0, le=3600)
    seed: int = 0
    start: str = Field(default="09:00", description="Beijing time of day at t = 0, 'HH:MM'")
    traffic: Traffic = Traffic()
    links: LinkModels = LinkModels()
    probe: Probe = Probe()
    planning: Planning = Planning()
    faults: tuple[Fault, ...] = ()
    policy: Policy | None = Field(
        default=None, description="None: the reference policy if the apps match, else defaults"
    )
    policy_version: StoredPolicy | None = Field(
        default=None, description="a version stored in the controller, instead of policy"
    )
    report: Report = Report()

    @field_validator("start")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f"expected a time of day 'HH:MM', got {value!r}")
        return value

    @property
    def start_s(self) -> float:
        """Seconds after Beijing midnight at t = 0."""
        hours, minutes = self.start.split(":")
        return int(hours) * 3600.0 + int(minutes) * 60.0

    @model_validator(mode="after")
    def _time_grid(self) -> Self:
        # Probes run on the tick grid: a probe between two ticks would see a stale world.
        interval = self.probe.timers().interval_s
        ratio = interval / self.tick
        if ratio < 1 - 1e-9 or abs(ratio - round(ratio)) > 1e-6:
            raise ValueError(
                f"the probe interval ({interval:g} s) must be a whole multiple of the tick "
                f"({self.tick:g} s); set tick: {min(interval, self.tick):g} or change the probe"
            )
        if self.policy is not None and self.policy_version is not None:
            raise ValueError("give policy (inline) or policy_version (stored), not both")
        if self.duration < self.tick:
            raise ValueError(f"duration ({self.duration:g} s) is shorter than one tick")
        return self
