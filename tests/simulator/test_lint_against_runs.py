"""The linter's worst-case reaction times against runs of the simulator, for every probe
preset: a primary line down for 5 minutes is detected, and traffic fails back, no later than
the linter says. Nor earlier than one probe before the linter's time for the same probes with
a window of one probe: a window only delays."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from policies.lint import lint_policy
from policies.probe_timers import PRESETS, PresetName
from simulator.model import simulate
from simulator.scenario.load import load_scenario_text

SCENARIO = """name: reaction
network: {{reference: {{branches: 20, seed: 7}}}}
duration: {duration}s
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
    # Long enough for the slowest return the linter allows (a window of an hour), plus a poll.
    duration = 360 + 60 * math.ceil((timers.window_s + timers.poll_s) / 60) + 120
    setup = load_scenario_text(SCENARIO.format(tick=min(1.0, timers.interval_s),
                                               preset=preset.value, duration=duration))  # fmt: skip
    run = simulate(setup)
    (fault,) = run.results["faults"]
    end = fault["at_s"] + fault["duration_s"]
    switched = fault["time_to_switch_s"]
    back = sorted({round(m.t - end, 6) for m in run.world.rec.moves if m.t >= end})
    timing = lint_policy(setup.policy, probe=timers).timing
    p = timers.interval_s + 1e-6
    assert fault["switched"] == fault["apps_caught"] > 0
    assert timing.detect_down_s - p <= switched["max"] <= timing.detect_down_s
    assert back and back[-1] <= timing.fail_back_s
    unwindowed = lint_policy(setup.policy, probe=replace(timers, poll=1, buckets=1)).timing
    assert unwindowed.fail_back_s - p <= back[-1]
