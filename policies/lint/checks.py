"""Checks of the policy alone: thresholds, dampening timers, modes that can never act.

Each check returns its findings; `policies.lint` runs them in order. With an inventory, "which
applications use a mode" means the inventory's applications; without one, the default and every
override are assumed to be in use.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from policies.lint.report import Code, Finding, Severity, Timing
from policies.lint.timing import flap_dampening_engages
from policies.policy import AppPolicy, Mode, Policy
from sites.enums import LinkRole
from sites.inventory import Inventory

MIN_BAND = 0.10
"""A band narrower than 10 points is crossed by normal load wobble (docs/policies.md: the
default 20-point band absorbs a 55 %↔68 % oscillation)."""

DETECT_BUDGET_S = 10.0
"""Issue 3: a clear violation moves the affected apps within 10 s."""

# Comparisons of user-entered floats: 0.7 - 0.6 is 0.0999…, which is a 10-point band.
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class AppGroup:
    """Applications that share one `AppPolicy`: the default, or one override."""

    field: str
    """Where it lives in the policy: `default` or `applications.<name>`."""
    policy: AppPolicy
    preference: tuple[LinkRole, ...]
    apps: tuple[str, ...]
    """The inventory's applications it governs; empty without an inventory."""

    def uses(self, mode: Mode) -> bool:
        """Whether this group's applications run `mode`."""
        return mode in self.policy.modes

    def describe(self) -> str:
        """'hd-video, file-transfer' or, without an inventory, 'the default'."""
        if self.apps:
            return name_list(self.apps)
        return "the default apps" if self.field == "default" else self.field.split(".", 1)[1]


def app_groups(policy: Policy, inventory: Inventory | None) -> list[AppGroup]:
    """The app policies in effect. Overrides of unknown applications govern nothing: they are
    left out (and reported by the unknown-application check)."""
    if inventory is None:
        groups = [AppGroup("default", policy.default, policy.link_preference, ())]
        for name, override in policy.applications.items():
            groups.append(
                AppGroup(f"applications.{name}", override, policy.preference_of(name), ())
            )
        return groups
    names = [a.name for a in inventory.applications]
    by_default = tuple(n for n in names if n not in policy.applications)
    groups = []
    if by_default:
        groups.append(AppGroup("default", policy.default, policy.link_preference, by_default))
    for name in names:
        if name in policy.applications:
            groups.append(
                AppGroup(
                    f"applications.{name}",
                    policy.applications[name],
                    policy.preference_of(name),
                    (name,),
                )
            )
    return groups


def check_thresholds(policy: Policy, groups: list[AppGroup]) -> Iterator[Finding]:
    """Bands too narrow to absorb wobble, and upper thresholds that can never be exceeded."""
    hysteresis = [g for g in groups if g.uses(Mode.HYSTERESIS)]
    for role, band in policy.utilization.items():
        where = f"utilization.{role.value}"
        width = band.upper - band.lower
        if hysteresis and width < MIN_BAND - _EPS:
            yield Finding(
                Severity.WARNING,
                Code.BAND_TOO_NARROW,
                where,
                f"the {role.value} band {band.lower:.2f}-{band.upper:.2f} is only "
                f"{width * 100:.0f} points wide: normal load wobble crosses it, so offloaded "
                f"apps return and leave again; keep at least {MIN_BAND * 100:.0f} points "
                "(the default 0.50-0.70 has 20)",
            )
        if band.upper >= 1.0 - _EPS:
            yield _never_triggers(role, where, [g for g in hysteresis if g.preference[0] is role])


def _never_triggers(role: LinkRole, where: str, homed: list[AppGroup]) -> Finding:
    # Measured utilization is a fraction of capacity and never exceeds 1.0, and the rule offloads
    # only above upper. It matters most where hysteresis apps make this role their home.
    fix = "lower it (the case study offloads above 0.70)"
    if homed:
        apps = ", ".join(g.describe() for g in homed)
        return Finding(
            Severity.ERROR,
            Code.UPPER_NEVER_TRIGGERS,
            f"{where}.upper",
            f"upper 1.0 is never exceeded (utilization cannot pass 100 %), so the 70/50 rule "
            f"never offloads from {role.value} links, the home of {apps}; {fix}",
        )
    return Finding(
        Severity.WARNING,
        Code.UPPER_NEVER_TRIGGERS,
        f"{where}.upper",
        f"upper 1.0 is never exceeded: nothing is offloaded from {role.value} links and "
        f"bandwidth share fills them to 100 % before using another link; {fix}",
    )


def check_dampening(policy: Policy, timing: Timing) -> Iterator[Finding]:
    """Hold-downs the probes cannot resolve, flap dampening that never engages, slow detection."""
    d = policy.sla_dampening
    p = timing.probe_interval_s
    if d.hold_down_s < p - _EPS:
        yield Finding(
            Severity.ERROR,
            Code.HOLD_DOWN_BELOW_PROBE,
            "sla_dampening.hold_down_s",
            f"hold-down {d.hold_down_s:g} s is shorter than the probe interval {p:g} s: it can "
            f"never hold a link down (good_samples={d.good_samples} decides alone) and flap "
            f"doubling starts from almost nothing; set it to at least {p:g} s "
            "(Versa holds 60 s, the default)",
        )
    if not flap_dampening_engages(d):
        if d.hold_down_s <= 0:
            field, why = "hold_down_s", "doubling a 0 s hold-down stays 0 s"
        elif d.flap_window_s <= 0:
            field, why = "flap_window_s", "a 0 s window never counts a re-entry as a flap"
        else:
            field, why = "max_hold_down_s", "max_hold_down_s equals hold_down_s"
        yield Finding(
            Severity.WARNING,
            Code.FLAP_DAMPENING_OFF,
            f"sla_dampening.{field}",
            f"flap dampening never engages ({why}): a borderline link flips ~100 times an hour "
            "with counting alone (DESIGN §5); e.g. hold_down_s 60, flap_window_s 900, "
            "max_hold_down_s 900",
        )
    samples_s = d.bad_samples * p
    if timing.detect_sla_s > DETECT_BUDGET_S + _EPS and samples_s > DETECT_BUDGET_S + _EPS:
        yield Finding(
            Severity.WARNING,
            Code.DETECT_SLOW,
            "sla_dampening.bad_samples",
            f"a brown-out moves traffic only after {d.bad_samples} bad samples x {p:g} s = "
            f"{samples_s:g} s, over the {DETECT_BUDGET_S:g} s target; lower "
            f"bad_samples to {max(1, int(DETECT_BUDGET_S // p))} or probe more often",
        )
    elif timing.detect_sla_s > DETECT_BUDGET_S + _EPS:
        yield Finding(
            Severity.WARNING,
            Code.DETECT_SLOW,
            "probe",
            f"a brown-out that only just crosses an SLA threshold moves traffic after "
            f"{timing.detect_sla_s:g} s: it must fill the probes' measurement window first, "
            f"then {d.bad_samples} bad samples x {p:g} s; over the {DETECT_BUDGET_S:g} s "
            "target; shorten the window (poll_s, buckets) where the CPE allows it",
        )


def check_modes(
    policy: Policy, groups: list[AppGroup], inventory: Inventory | None
) -> Iterator[Finding]:
    """Hysteresis configured where the offload rule has nothing it may move."""
    hysteresis = [g for g in groups if g.uses(Mode.HYSTERESIS)]
    if not hysteresis:
        return
    names = ", ".join(g.describe() for g in hysteresis)
    if not policy.offload_priorities:
        yield Finding(
            Severity.ERROR,
            Code.HYSTERESIS_MOVES_NOTHING,
            "offload_priorities",
            f"offload_priorities is empty, so the 70/50 rule may move no application, yet "
            f"{names} use hysteresis mode; add low (and medium if wanted) or drop the mode",
        )
        return
    if inventory is None:
        return
    priority = {a.name: a.priority for a in inventory.applications}
    movable = [n for g in hysteresis for n in g.apps if priority[n] in policy.offload_priorities]
    if not movable:
        allowed = ", ".join(p.value for p in policy.offload_priorities)
        yield Finding(
            Severity.ERROR,
            Code.HYSTERESIS_MOVES_NOTHING,
            "offload_priorities",
            f"no application in hysteresis mode ({names}) has an offload priority ({allowed}), "
            "so the 70/50 rule can move nothing in this network; give a low-priority app the "
            "mode or widen offload_priorities",
        )


def name_list(names: Sequence[str], limit: int = 4) -> str:
    """'a, b, c' or 'a, b, c, d and 12 more'."""
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"
