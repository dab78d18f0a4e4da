"""The Policy model: defaults, validation messages that name the field, serialisation,
and the errors the engine raises for a policy or observations that do not fit."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from policies.engine import PolicyEngine
from policies.errors import ObservationError, PolicyError
from policies.network import Network
from policies.observations import LinkObservation, SiteObservation
from policies.policy import AppPolicy, Mode, Policy, SlaDampening, UtilizationThresholds
from policies.reasons import Decision, Metric, Reason, Rule
from sites.enums import LinkRole, Priority
from sites.errors import BranchlineError
from tests.policies.scenario import branch, small_apps


def _error_fields(exc: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in exc.errors()}


def test_defaults_are_the_documented_ones() -> None:
    p = Policy()
    assert {r: (t.upper, t.lower) for r, t in p.utilization.items()} == dict.fromkeys(
        LinkRole, (0.7, 0.5)
    )
    assert (p.sla_dampening.bad_samples, p.sla_dampening.good_samples) == (5, 10)
    assert p.sla_dampening.hold_down_s == 60.0
    assert p.predictive_return is True
    assert p.metered_last_resort_only is True
    assert p.offload_priorities == (Priority.LOW,)
    assert p.link_preference == (LinkRole.PRIMARY, LinkRole.BACKUP, LinkRole.LAST_RESORT)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"utilization": {"backup": {"upper": 0.5, "lower": 0.6}}}, "utilization.backup"),
        ({"utilization": {"primary": {"upper": 1.2}}}, "utilization.primary"),
        ({"utilization": {"primary": {"lower": 0.0}}}, "utilization.primary"),
        ({"sla_dampening": {"bad_samples": 0}}, "sla_dampening.bad_samples"),
        ({"sla_dampening": {"max_hold_down_s": 10}}, "sla_dampening"),
        ({"link_preference": ["primary", "backup"]}, "link_preference"),
        ({"offload_priorities": ["high"]}, "offload_priorities"),
        ({"applications": {"hd-video": {"modes": []}}}, "applications.hd-video.modes"),
        ({"applications": {"hd-video": {"modes": ["sla", "sla"]}}}, "applications.hd-video.modes"),
        ({"predictive_retrun": False}, "predictive_retrun"),
    ],
)
def test_invalid_policies_name_the_field(raw: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        Policy.model_validate(raw)
    assert field in _error_fields(info.value)


def test_band_message_states_the_rule() -> None:
    with pytest.raises(ValidationError, match=r"need 0 < lower < upper <= 1"):
        UtilizationThresholds(upper=0.5, lower=0.5)


def test_policy_round_trips_through_json_and_is_frozen() -> None:
    p = Policy.reference().model_copy(update={"predictive_return": False})
    again = Policy.model_validate_json(p.model_dump_json())
    assert again == p
    with pytest.raises(ValidationError):
        p.predictive_return = True  # type: ignore[misc]  # frozen: the assignment must fail


def test_partial_utilization_keeps_defaults_for_other_roles_and_modes_are_canonical() -> None:
    p = Policy.model_validate({"utilization": {"backup": {"upper": 0.9, "lower": 0.6}}})
    assert p.utilization[LinkRole.PRIMARY] == UtilizationThresholds()
    assert AppPolicy(modes=(Mode.SHARE, Mode.SLA)) == AppPolicy(modes=(Mode.SLA, Mode.SHARE))


def test_policy_naming_an_unknown_application_is_refused() -> None:
    policy = Policy(applications={"no-such-app": AppPolicy()})
    with pytest.raises(PolicyError, match="no-such-app") as info:
        PolicyEngine(policy, Network((branch(),), small_apps()))
    assert isinstance(info.value, BranchlineError)


def test_observations_must_match_the_site() -> None:
    engine = PolicyEngine(Policy(), Network((branch(),), small_apps()))
    state = engine.initial_site_state("br-test-001")
    with pytest.raises(ObservationError, match="mpls-1"):
        engine.step(state, SiteObservation({"inet-1": LinkObservation(True)}), 0.0)
    with pytest.raises(ObservationError, match="loss_pct"):
        LinkObservation(True, loss_pct=float("nan"))


def test_reason_reads_like_the_issue_example() -> None:
    d = Decision(
        site="br-x",
        app="hd-video",
        link="lte-1",
        previous="inet-1",
        reason=Reason(Rule.OFFLOAD, "inet-1", Metric.UTILIZATION, 0.74, 0.70),
    )
    assert d.explain() == (
        "hd-video moved inet-1 → lte-1: inet-1 utilization 0.74 > 0.70 (offload low priority)"
    )


def test_reason_never_prints_a_false_comparison() -> None:
    r = Reason(Rule.RETURN, "mpls-1", Metric.UTILIZATION, 0.4996, 0.5, predicted=0.6, ceiling=0.7)
    assert r.describe() == "mpls-1 utilization 0.4996 < 0.5000, predicted 0.60 < 0.70 (return)"


def test_sla_dampening_accepts_a_zero_hold_down() -> None:
    assert SlaDampening(hold_down_s=0, max_hold_down_s=0).hold_down_s == 0
