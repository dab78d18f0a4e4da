"""The linter's worst-case reaction times against runs of the simulator, for every probe
preset: a primary line down for 5 minutes is detected, and traffic fails back, no later than
the linter says, and at most one probe interval earlier. The runs put the failure on the probe
grid, one probe after the worst case."""

from __future__ import annotations

import pytest

from policies.lint import lint_policy
from policies.probe_timers import PRESETS, PresetName
from simulator.model import simulate
from simulator.scenario.load import load_scenario_text

SCENARIO = """name: reaction
network: {{reference: {{branches: 20, seed: 7}}}}
duration: 10m
tick: {tick}
seed: 3
start: "10:00"
probe: {{preset: {preset}}}
faults:
  - {{kind: link-down, site: br-shenyang-001, link: mstp-1, at: 1m, duration: 5m}}
report: {{sites: [br-shenyang-001]}}
"""


@pytest.mark.parametrize("preset", list(PresetName))
def test_the_linter_s_worst_case_bounds_the_simulated_reaction(preset: PresetName) -> None:
    timers = PRESETS[preset]
    setup = load_scenario_text(SCENARIO.format(tick=min(1.0, timers.interval_s),
                                               preset=preset.value))  # fmt: skip
    run = simulate(setup)
    (fault,) = run.results["faults"]
    end = fault["at_s"] + fault["duration_s"]
    detected = fault["time_to_switch_s"]["max"]
    [back] = sorted({round(m.t - end, 6) for m in run.world.rec.moves if m.t >= end})
    timing = lint_policy(setup.policy, probe=timers).timing
    p = timers.interval_s + 1e-6
    assert timing.detect_down_s - p <= detected <= timing.detect_down_s
    assert timing.fail_back_s - p <= back <= timing.fail_back_s
