"""What the policy linter returns: findings an operator can act on, and the policy's timing.

Plain frozen dataclasses: the linter builds them, the CLI and the API render them
(`to_dict()` is the machine-readable form, stable field names, JSON types only).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """`error`: the policy contradicts itself or the network (a rule that is configured to act
    can never act, an SLA that cannot be kept, a name that does not exist). `warning`: it works,
    but will flap, cost money, or a setting has no effect."""

    ERROR = "error"
    WARNING = "warning"


class Code(StrEnum):
    """One code per check, stable across versions (scripts filter on them)."""

    BAND_TOO_NARROW = "band-too-narrow"
    UPPER_NEVER_TRIGGERS = "upper-never-triggers"
    HOLD_DOWN_BELOW_PROBE = "hold-down-below-probe"
    FLAP_DAMPENING_OFF = "flap-dampening-off"
    DETECT_SLOW = "detect-slow"
    HYSTERESIS_MOVES_NOTHING = "hysteresis-moves-nothing"
    UNKNOWN_APPLICATION = "unknown-application"
    SLA_UNMEETABLE = "sla-unmeetable"
    ONLY_METERED_LINKS = "only-metered-links"
    SHARE_SINGLE_LINK = "share-single-link"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong with a policy: how bad, which check, which field, and what to do."""

    severity: Severity
    code: Code
    field: str
    """Dotted path of the field it concerns: `sla_dampening.hold_down_s`; fields of the
    inventory start with `inventory.` (`inventory.sla_classes.trading.max_latency_ms`)."""
    message: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {
            "severity": self.severity.value,
            "code": self.code.value,
            "field": self.field,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Timing:
    """Worst-case reaction times of a policy, in seconds, for a given probe interval.

    Counted from the moment the link fails (or becomes healthy again) to the sample on which the
    engine moves traffic; the worst case is a change just after a probe.
    """

    probe_interval_s: float
    detect_multiplier: int
    """Lost probes in a row that declare a link down."""
    recover_probes: int
    """Good probes in a row that declare it up again."""
    detect_down_s: float
    """A down link is in violation on the first sample that says so: the multiplier's lost
    probes after the failure, at worst `multiplier` probe intervals."""
    detect_sla_s: float
    """A brown-out needs K (`bad_samples`) consecutive bad samples: K probe intervals, after
    the fault has filled the probes' measurement window (one that only just crosses the
    threshold needs all of it)."""
    fail_back_s: float
    """The link declared up (`recover` good probes) and its window clear of the bad probes,
    then M (`good_samples`) good samples and `hold_down_s` since the last bad sample, whichever
    is later, rounded up to the probe that sees it."""
    fail_back_flapping_s: float
    """The same when the link keeps flapping and its hold-down has doubled up to
    `max_hold_down_s`; equal to `fail_back_s` when flap dampening never engages."""
    flaps_to_max: int
    """Re-entries within `flap_window_s` until the hold-down reaches its cap (0: it never grows)."""

    def to_dict(self) -> dict[str, float | int]:
        """JSON-ready form."""
        return {
            "probe_interval_s": self.probe_interval_s,
            "detect_multiplier": self.detect_multiplier,
            "recover_probes": self.recover_probes,
            "detect_down_s": self.detect_down_s,
            "detect_sla_s": self.detect_sla_s,
            "fail_back_s": self.fail_back_s,
            "fail_back_flapping_s": self.fail_back_flapping_s,
            "flaps_to_max": self.flaps_to_max,
        }


@dataclass(frozen=True, slots=True)
class LintReport:
    """The linter's verdict on one policy (and, if given, one inventory)."""

    findings: tuple[Finding, ...]
    timing: Timing

    @property
    def errors(self) -> tuple[Finding, ...]:
        """Findings that make the policy unfit to apply."""
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Findings worth a look that do not block the policy."""
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not self.errors

    def codes(self) -> set[Code]:
        """The codes of every finding, for quick checks."""
        return {f.code for f in self.findings}

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: ok, counts, findings (errors first), timing."""
        return {
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.to_dict() for f in self.findings],
            "timing": self.timing.to_dict(),
        }
