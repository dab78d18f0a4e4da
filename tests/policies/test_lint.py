"""The policy linter: every check fires on a policy that cannot behave and stays quiet on one
that can; the timing it reports; the report's shape."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable

import pytest

from policies.lint import Code, LintReport, Severity, lint_policy
from policies.lint.network import great_circle_km
from policies.policy import AppPolicy, Mode, Policy, SlaDampening, UtilizationThresholds
from policies.probe_timers import PRESETS, PresetName
from sites.enums import LinkRole, Priority
from sites.inventory import Inventory
from sites.loader import load_inventory_text

LHASA_INET = (
    "      - {id: inet-1, transport: Internet, carrier: China Telecom, down_mbps: 100, "
    "up_mbps: 20, role: primary, cpe: LS-0001, monthly_cost_cny: 400}\n"
)
LHASA_LTE = (
    "      - {id: lte-1, transport: LTE, carrier: China Mobile, down_mbps: 50, up_mbps: 20, "
    "role: last-resort, cpe: LS-0001, metered: true, cost_per_gb_cny: 8}\n"
)


def edited(text: str, *changes: tuple[str, str]) -> Inventory:
    """The small inventory with text replaced; each old text must be there (no silent no-op)."""
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return load_inventory_text(text)


def lte_only(small_yaml: str) -> Inventory:
    """Lhasa keeps its metered LTE link only (now its primary)."""
    return edited(small_yaml, (LHASA_INET, ""), ("role: last-resort", "role: primary"))


def single_link(small_yaml: str) -> Inventory:
    """Lhasa keeps its Internet link only."""
    return edited(small_yaml, (LHASA_LTE, ""))


def damp(**fields: float) -> Policy:
    return Policy(sla_dampening=SlaDampening.model_validate(fields))


def band(role: LinkRole, upper: float, lower: float, **policy: object) -> Policy:
    thresholds = {role: UtilizationThresholds(upper=upper, lower=lower)}
    return Policy.model_validate({"utilization": thresholds, **policy})


SLA_ONLY = AppPolicy(modes=(Mode.SLA,))
SHARE = AppPolicy(modes=(Mode.SHARE,))

Case = Callable[[str], LintReport]

# Per check: a policy (and network) that makes it fire, and a close one that keeps it quiet.
CASES: dict[Code, tuple[Case, Case]] = {
    Code.BAND_TOO_NARROW: (
        lambda _: lint_policy(band(LinkRole.PRIMARY, 0.70, 0.65)),
        lambda _: lint_policy(band(LinkRole.PRIMARY, 0.70, 0.60)),  # exactly 10 points
    ),
    Code.UPPER_NEVER_TRIGGERS: (
        lambda _: lint_policy(band(LinkRole.PRIMARY, 1.0, 0.5)),
        lambda _: lint_policy(band(LinkRole.PRIMARY, 0.95, 0.5)),
    ),
    Code.HOLD_DOWN_BELOW_PROBE: (
        lambda _: lint_policy(damp(hold_down_s=0.5), probe_interval_s=1.0),
        lambda _: lint_policy(damp(hold_down_s=0.5), probe_interval_s=0.5),
    ),
    Code.FLAP_DAMPENING_OFF: (
        lambda _: lint_policy(damp(flap_window_s=0)),
        lambda _: lint_policy(damp(flap_window_s=1)),
    ),
    Code.DETECT_SLOW: (
        lambda _: lint_policy(Policy(), probe_interval_s=10.0),  # mwan3's cadence: 50 s
        lambda _: lint_policy(damp(bad_samples=10), probe_interval_s=1.0),  # exactly 10 s
    ),
    Code.HYSTERESIS_MOVES_NOTHING: (
        lambda _: lint_policy(Policy(offload_priorities=())),
        lambda _: lint_policy(Policy(offload_priorities=(), default=SLA_ONLY)),
    ),
    Code.UNKNOWN_APPLICATION: (
        lambda y: lint_policy(
            Policy(applications={"o32-tradng": SLA_ONLY}), load_inventory_text(y)
        ),
        lambda y: lint_policy(
            Policy(applications={"o32-trading": SLA_ONLY}), load_inventory_text(y)
        ),
    ),
    Code.SLA_UNMEETABLE: (
        lambda y: lint_policy(Policy(), edited(y, ("max_latency_ms: 80", "max_latency_ms: 20"))),
        lambda y: lint_policy(Policy(), edited(y, ("max_latency_ms: 80", "max_latency_ms: 40"))),
    ),
    Code.ONLY_METERED_LINKS: (
        lambda y: lint_policy(Policy(), lte_only(y)),
        lambda y: lint_policy(Policy(), load_inventory_text(y)),
    ),
    Code.SHARE_SINGLE_LINK: (
        lambda y: lint_policy(Policy(default=SHARE), single_link(y)),
        lambda y: lint_policy(Policy(default=SHARE), load_inventory_text(y)),
    ),
}


def test_every_check_has_a_case() -> None:
    assert set(CASES) == set(Code)


@pytest.mark.parametrize("code", list(Code))
def test_check_fires(code: Code, small_yaml: str) -> None:
    report = CASES[code][0](small_yaml)
    assert code in report.codes(), report.findings


@pytest.mark.parametrize("code", list(Code))
def test_check_stays_quiet(code: Code, small_yaml: str) -> None:
    report = CASES[code][1](small_yaml)
    assert code not in report.codes(), report.findings


def test_defaults_are_clean_alone_and_on_the_reference_network(reference_340: Inventory) -> None:
    assert lint_policy(Policy()).findings == ()
    assert lint_policy(Policy(), reference_340).findings == ()


def test_reference_policy_only_notes_share_at_single_link_branches(
    reference_340: Inventory,
) -> None:
    report = lint_policy(Policy.reference(), reference_340)
    assert report.ok
    assert {(f.code, f.field) for f in report.findings} == {
        (Code.SHARE_SINGLE_LINK, "applications.hd-video.modes"),
        (Code.SHARE_SINGLE_LINK, "applications.file-transfer.modes"),
    }


# --- each check in detail: severity, field, what the message tells the operator ---------------


def only(report: LintReport, code: Code) -> list[tuple[Severity, str, str]]:
    return [(f.severity, f.field, f.message) for f in report.findings if f.code is code]


def test_narrow_band_is_a_warning_and_only_matters_with_hysteresis() -> None:
    [(severity, field, message)] = only(
        lint_policy(band(LinkRole.BACKUP, 0.70, 0.65)), Code.BAND_TOO_NARROW
    )
    assert (severity, field) == (Severity.WARNING, "utilization.backup")
    assert "0.65-0.70 is only 5 points wide" in message
    quiet = lint_policy(band(LinkRole.BACKUP, 0.70, 0.65, default=SLA_ONLY))
    assert Code.BAND_TOO_NARROW not in quiet.codes()


def test_upper_one_is_an_error_on_a_home_role_and_a_warning_elsewhere() -> None:
    [(severity, field, message)] = only(
        lint_policy(band(LinkRole.PRIMARY, 1.0, 0.5)), Code.UPPER_NEVER_TRIGGERS
    )
    assert (severity, field) == (Severity.ERROR, "utilization.primary.upper")
    assert "never offloads from primary links" in message
    [(severity, _, _)] = only(
        lint_policy(band(LinkRole.LAST_RESORT, 1.0, 0.5)), Code.UPPER_NEVER_TRIGGERS
    )
    assert severity is Severity.WARNING
    # An app preferring the backup makes the backup its home.
    bulk_first = AppPolicy(
        modes=(Mode.HYSTERESIS,),
        link_preference=(LinkRole.BACKUP, LinkRole.PRIMARY, LinkRole.LAST_RESORT),
    )
    policy = band(LinkRole.BACKUP, 1.0, 0.5, applications={"file-transfer": bulk_first})
    [(severity, _, message)] = only(lint_policy(policy), Code.UPPER_NEVER_TRIGGERS)
    assert severity is Severity.ERROR
    assert "the home of file-transfer" in message


def test_hold_down_below_probe_is_an_error_naming_both_figures() -> None:
    [(severity, field, message)] = only(
        lint_policy(damp(hold_down_s=2), probe_interval_s=5), Code.HOLD_DOWN_BELOW_PROBE
    )
    assert (severity, field) == (Severity.ERROR, "sla_dampening.hold_down_s")
    assert "hold-down 2 s is shorter than the probe interval 5 s" in message


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"hold_down_s": 0}, "sla_dampening.hold_down_s"),
        ({"flap_window_s": 0}, "sla_dampening.flap_window_s"),
        ({"hold_down_s": 120, "max_hold_down_s": 120}, "sla_dampening.max_hold_down_s"),
    ],
)
def test_flap_dampening_off_names_the_field_that_disables_it(
    fields: dict[str, float], where: str
) -> None:
    [(severity, field, _)] = only(lint_policy(damp(**fields)), Code.FLAP_DAMPENING_OFF)
    assert (severity, field) == (Severity.WARNING, where)


def test_slow_detection_suggests_a_sample_count() -> None:
    [(severity, field, message)] = only(
        lint_policy(Policy(), probe_interval_s=10.0), Code.DETECT_SLOW
    )
    assert (severity, field) == (Severity.WARNING, "sla_dampening.bad_samples")
    assert "5 bad samples x 10 s = 50 s" in message
    assert "lower bad_samples to 1" in message


def test_slow_detection_from_a_long_measurement_window_names_the_window() -> None:
    fortinet = PRESETS[PresetName.FORTINET]  # 0.5 s probes, 5 bad samples, the last 30 probes
    assert lint_policy(Policy(), probe=fortinet).timing.detect_sla_s == 17.0
    [(severity, field, message)] = only(lint_policy(Policy(), probe=fortinet), Code.DETECT_SLOW)
    assert (severity, field) == (Severity.WARNING, "probe")
    assert "after 17 s: it must fill the probes' measurement window first" in message
    assert "shorten the window (poll_s, buckets)" in message
    windowless = dataclasses.replace(fortinet, buckets=1)
    assert only(lint_policy(Policy(), probe=windowless), Code.DETECT_SLOW) == []


def test_hysteresis_with_nothing_movable_in_the_network(small_yaml: str) -> None:
    inventory = load_inventory_text(small_yaml)
    # office-web (low) is on SLA alone: only o32-trading (high) is left in hysteresis mode.
    policy = Policy(applications={"office-web": SLA_ONLY})
    [(severity, field, message)] = only(
        lint_policy(policy, inventory), Code.HYSTERESIS_MOVES_NOTHING
    )
    assert (severity, field) == (Severity.ERROR, "offload_priorities")
    assert "(o32-trading)" in message
    assert Code.HYSTERESIS_MOVES_NOTHING not in lint_policy(policy).codes()  # needs the network
    widened = Policy(applications={"office-web": SLA_ONLY}, offload_priorities=(Priority.MEDIUM,))
    assert Code.HYSTERESIS_MOVES_NOTHING in lint_policy(widened, inventory).codes()


def test_unknown_application_suggests_the_close_name(small_yaml: str) -> None:
    policy = Policy(applications={"o32-tradng": SLA_ONLY, "zzz": SLA_ONLY})
    found = only(lint_policy(policy, load_inventory_text(small_yaml)), Code.UNKNOWN_APPLICATION)
    assert [(s, f) for s, f, _ in found] == [
        (Severity.ERROR, "applications.o32-tradng"),
        (Severity.ERROR, "applications.zzz"),
    ]
    assert "did you mean 'o32-trading'?" in found[0][2]
    assert "known: o32-trading, office-web" in found[1][2]
    assert Code.UNKNOWN_APPLICATION not in lint_policy(policy).codes()  # needs the network


def test_great_circle_shanghai_to_lhasa(small_inventory: Inventory) -> None:
    sites = small_inventory.site_by_id
    # About 2,910 km as the crow flies between the two cities.
    assert great_circle_km(sites["dc-shanghai"], sites["br-lhasa-001"]) == pytest.approx(
        2912, abs=5
    )


def test_sla_below_light_speed_reports_the_worst_site(small_yaml: str) -> None:
    inventory = edited(small_yaml, ("max_latency_ms: 80", "max_latency_ms: 20"))
    [(severity, field, message)] = only(lint_policy(Policy(), inventory), Code.SLA_UNMEETABLE)
    assert (severity, field) == (Severity.ERROR, "inventory.sla_classes.trading.max_latency_ms")
    assert "at 1 of 3 sites; worst br-lhasa-001 via inet-1" in message
    assert "to dc-shanghai (2,912 km) is at least 33.1 ms" in message
    assert "max_latency_ms >= 34" in message
    assert "used by o32-trading" in message


def test_sla_below_the_transport_jitter_floor(small_yaml: str) -> None:
    # Hangzhou's MPLS (0.5 ms floor) meets 0.8 ms; Lhasa has only Internet (1 ms) and LTE (5 ms).
    inventory = edited(small_yaml, ("max_jitter_ms: 15", "max_jitter_ms: 0.8"))
    [(_, field, message)] = only(lint_policy(Policy(), inventory), Code.SLA_UNMEETABLE)
    assert field == "inventory.sla_classes.trading.max_jitter_ms"
    assert "worst br-lhasa-001 via inet-1: Internet jitter is at least 1 ms" in message


def test_metered_only_site_is_a_warning_unless_metered_links_are_ordinary(
    small_yaml: str,
) -> None:
    inventory = lte_only(small_yaml)
    [(severity, field, message)] = only(lint_policy(Policy(), inventory), Code.ONLY_METERED_LINKS)
    assert (severity, field) == (Severity.WARNING, "metered_last_resort_only")
    assert "at 1 site (br-lhasa-001) the only links that can carry every application" in message
    assert "(lte-1 at br-lhasa-001)" in message
    relaxed = Policy(metered_last_resort_only=False)
    assert Code.ONLY_METERED_LINKS not in lint_policy(relaxed, inventory).codes()


def test_share_on_a_single_link_site_names_the_mode_field(small_yaml: str) -> None:
    policy = Policy(applications={"office-web": SHARE})
    [(severity, field, message)] = only(
        lint_policy(policy, single_link(small_yaml)), Code.SHARE_SINGLE_LINK
    )
    assert (severity, field) == (Severity.WARNING, "applications.office-web.modes")
    assert "at 1 of 3 sites (br-lhasa-001)" in message


# --- timing ----------------------------------------------------------------------------------


def test_default_timing_matches_the_documented_figures() -> None:
    t = lint_policy(Policy()).timing
    assert (t.detect_down_s, t.detect_sla_s, t.fail_back_s) == (1.0, 5.0, 60.0)
    assert (t.fail_back_flapping_s, t.flaps_to_max) == (900.0, 4)  # 60, 120, 240, 480, 900


@pytest.mark.parametrize(
    ("probe", "fields", "back"),
    [
        (0.3, {}, 60.0),  # 200 probes, not 201
        (7.0, {"good_samples": 2}, 63.0),  # the hold-down ends between probes: the 9th sees it
        (10.0, {}, 100.0),  # sparse probes: M x interval dominates the hold-down
    ],
)
def test_fail_back_counts_whole_probes(probe: float, fields: dict[str, float], back: float) -> None:
    t = lint_policy(damp(**fields), probe_interval_s=probe).timing
    assert t.fail_back_s == back
    assert t.detect_down_s == probe


def test_without_flap_dampening_fail_back_never_grows() -> None:
    t = lint_policy(damp(flap_window_s=0)).timing
    assert (t.fail_back_flapping_s, t.flaps_to_max) == (t.fail_back_s, 0)


@pytest.mark.parametrize("probe", [0.0, -1.0, math.nan, math.inf])
def test_probe_interval_must_be_positive(probe: float) -> None:
    with pytest.raises(ValueError, match="probe_interval_s"):
        lint_policy(Policy(), probe_interval_s=probe)


# --- the report ------------------------------------------------------------------------------


def test_report_puts_errors_first_and_serialises() -> None:
    policy = band(LinkRole.PRIMARY, 0.70, 0.65, sla_dampening={"hold_down_s": 0.5})
    report = lint_policy(policy)
    assert [f.severity for f in report.findings] == [Severity.ERROR, Severity.WARNING]
    assert report.errors == report.findings[:1]
    assert report.warnings == report.findings[1:]
    assert not report.ok
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False
    assert (data["errors"], data["warnings"]) == (1, 1)
    assert data["findings"][0]["code"] == "hold-down-below-probe"
    assert data["timing"]["fail_back_s"] == 10.0


def test_report_is_frozen() -> None:
    report = lint_policy(Policy())
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.findings = ()  # type: ignore[misc]  # proving the assignment is refused
