"""Scenario files: every mistake is named with its field and its line."""

from __future__ import annotations

import pytest

from policies.policy import Policy
from policies.probe_timers import PRESETS, PresetName
from simulator.durations import parse_seconds
from simulator.errors import ScenarioError
from simulator.scenario.load import load_scenario_text

BASE = "name: t\nnetwork: {reference: {branches: 5, seed: 7}}\nduration: 10m\n"


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, source="s.yaml")
    return [p.render() for p in caught.value.problems]


def test_a_valid_scenario_loads_with_defaults() -> None:
    setup = load_scenario_text(BASE)
    assert setup.scenario.duration == 600.0
    assert setup.scenario.probe.timers() == PRESETS[PresetName.CISCO_BFD]
    assert len(setup.net.spokes) == 5
    assert setup.policy.applications  # the reference policy: the catalogue's apps are there


def test_unknown_keys_are_refused_with_their_line() -> None:
    assert problems(BASE + "probe:\n  preset: fortinet\n  intervall_s: 2\n") == [
        "s.yaml:6: probe.intervall_s: Extra inputs are not permitted (got 2)"
    ]


def test_a_fault_field_is_located_without_the_union_tag() -> None:
    text = (
        BASE
        + "faults:\n  - kind: brown-out\n    site: x\n    link: y\n    at: 1m\n    loss_pct: 120\n"
    )
    (found,) = problems(text)
    assert found.startswith(
        "s.yaml:9: faults[0].loss_pct: Input should be less than or equal to 100"
    )


def test_faults_naming_unknown_branches_and_links_are_located() -> None:
    text = BASE + (
        "faults:\n"
        "  - {kind: link-down, site: br-nowhere-001, link: mpls-1, at: 60}\n"
        "  - {kind: carrier-outage, carrier: Acme Telecom, at: 20m}\n"
    )
    found = problems(text)
    assert found[0] == "s.yaml:5: faults[0].site: no branch 'br-nowhere-001' in the network"
    assert found[1].startswith(
        "s.yaml:6: faults[1].carrier: no branch link of carrier 'Acme Telecom'"
    )
    assert found[2] == "s.yaml:6: faults[1].at: starts at 1200 s, after the end of the run (600 s)"


def test_a_probe_off_the_tick_grid_is_refused() -> None:
    (found,) = problems(BASE + "probe: {preset: fortinet}\n")
    assert "probe interval (0.5 s) must be a whole multiple of the tick (1 s)" in found
    load_scenario_text(BASE + "tick: 500ms\nprobe: {preset: fortinet}\n")


def test_network_needs_exactly_one_source_and_a_readable_inventory() -> None:
    (found,) = problems("network: {}\nduration: 60\n")
    assert found.startswith("s.yaml:1: network: Value error, give exactly one of inventory")
    (found,) = problems("network: {inventory: missing.yaml}\nduration: 60\n")
    assert found.startswith("s.yaml:1: network.inventory: ") and "cannot read file" in found


def test_yaml_syntax_errors_have_a_line() -> None:
    (found,) = problems(BASE + "faults: [\n")
    assert found.startswith("s.yaml:") and "not valid YAML" in found


@pytest.mark.parametrize(
    ("text", "seconds"),
    [(90, 90.0), ("90s", 90.0), ("10m", 600.0), ("1h30m", 5400.0), ("500ms", 0.5)],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_seconds(text) == seconds


def test_bad_durations_say_why() -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_seconds("ten minutes")
    (found,) = problems("network: {reference: {branches: 5}}\nduration: soon\n")
    assert found.startswith("s.yaml:2: duration: Value error, 'soon' is not a duration")


def test_a_stored_policy_version_needs_a_lookup_and_a_known_scope() -> None:
    stored = BASE + "policy_version: {scope: 'class:B', version: 2}\n"
    [found] = problems(stored)
    assert found.startswith(
        "s.yaml:4: policy_version: a stored policy version needs the controller"
    )
    setup = load_scenario_text(
        stored, stored=lambda scope, version: (Policy(), f"{scope}@{version}")
    )
    assert (setup.policy, setup.policy_label) == (Policy(), "class:B@2")
    assert problems(BASE + "policy_version: {scope: 'class:D'}\n") == [
        "s.yaml:4: policy_version.scope: Value error, use 'default', 'class:A', 'class:B', "
        "'class:C' or 'site:<site id>' (got 'class:D')"
    ]
    [both] = problems(BASE + "policy: {}\npolicy_version: {scope: default}\n")
    assert "give policy (inline) or policy_version (stored), not both" in both


def test_the_network_and_the_policy_store_tell_their_problems_in_one_run() -> None:
    text = (BASE + "policy_version: {scope: 'class:B', version: 2}\n"
            "faults:\n  - {kind: link-down, site: br-nowhere-001, link: x, at: 1m, duration: 1m}\n"
            "report: {sites: [br-atlantis-001]}\n")  # fmt: skip
    found = problems(text)
    assert len(found) == 3, found
    assert any("s.yaml:7: report.sites[0]: no branch 'br-atlantis-001'" in f for f in found)
    assert any("s.yaml:6: faults[0].site: no branch 'br-nowhere-001'" in f for f in found)
    assert any("policy_version: a stored policy version needs the controller" in f for f in found)
