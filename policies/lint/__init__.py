"""The policy linter: policies that validate but cannot behave, and how fast they react.

Pydantic already refuses malformed policies (lower >= upper, unknown roles, bad counts). This
finds the ones that pass validation yet cannot do what they say: a band too narrow to absorb
wobble, an upper threshold never exceeded, a hold-down the probes cannot resolve, a mode with
nothing to move, an SLA class no link can meet, traffic stuck on metered links. It also states
the worst-case time to detect a failure and to fail back, for the operator to compare with the
anchors of DESIGN §6 (`ANCHORS`).

Pure: no I/O, no clock. The probe interval is the telemetry cadence, not part of the policy,
so it is a parameter. See docs/policies.md, "The policy linter".

    report = lint_policy(Policy(), inventory, probe_interval_s=1.0)
    for finding in report.errors: ...
    report.timing.detect_sla_s  # 5.0
"""

from __future__ import annotations

from policies.lint.checks import app_groups, check_dampening, check_modes, check_thresholds
from policies.lint.network import (
    TRANSPORT_FLOORS,
    check_application_names,
    check_share,
    check_sla_physics,
)
from policies.lint.report import Code, Finding, LintReport, Severity, Timing
from policies.lint.timing import ANCHORS, Anchor, timing_of
from policies.policy import Policy
from policies.probe_timers import ProbeTimers, every
from sites.inventory import Inventory

__all__ = [
    "ANCHORS",
    "TRANSPORT_FLOORS",
    "Anchor",
    "Code",
    "Finding",
    "LintReport",
    "Severity",
    "Timing",
    "lint_policy",
]


def lint_policy(
    policy: Policy, inventory: Inventory | None = None, probe_interval_s: float = 1.0, *,
    probe: ProbeTimers | None = None,
) -> LintReport:  # fmt: skip
    """Check a policy (against an inventory, if given) with these probes (`probe`: a preset's
    timers; else samples every `probe_interval_s` seconds that say up or down as they are).

    Checks that need the network (application names, SLA physics, metered links, single-link
    sites) run only with an inventory. Findings come errors first, then in check order.
    Raises ValueError if the probe interval is not a positive number.
    """
    timing = timing_of(policy.sla_dampening, probe or every(probe_interval_s))
    groups = app_groups(policy, inventory)
    findings: list[Finding] = [
        *check_thresholds(policy, groups),
        *check_dampening(policy, timing),
        *check_modes(policy, groups, inventory),
    ]
    if inventory is not None:
        findings += [
            *check_application_names(policy, inventory),
            *check_sla_physics(policy, inventory),
            *check_share(groups, inventory),
        ]
    # Stable sort: errors first, each severity in check order.
    findings.sort(key=lambda f: f.severity is not Severity.ERROR)
    return LintReport(findings=tuple(findings), timing=timing)
