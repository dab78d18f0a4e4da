"""The measurement model (issue 15): each link probes with its own phase, so detection spreads
between (multiplier - 1) and multiplier intervals whatever instant a fault is written at; loss,
latency and jitter are averaged over the preset's window of probes, so a light loss shows only
once probes are actually lost."""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from policies.probe_timers import PRESETS, PresetName
from simulator.estimates import WindowEstimates
from simulator.model import simulate
from simulator.scenario.load import load_scenario_text

OUTAGE = """name: detection
network: {{reference: {{branches: 60, seed: 7}}}}
duration: 4m
tick: {tick}
seed: 5
start: "10:00"
probe: {{preset: {preset}}}
faults:
  - {{kind: carrier-outage, carrier: China Telecom, transport: Internet, at: {at}, duration: 2m}}
"""


@pytest.mark.parametrize("preset", list(PresetName))
def test_detection_spreads_over_one_probe_interval_for_faults_at_whole_minutes(
    preset: PresetName,
) -> None:
    timers = PRESETS[preset]
    text = OUTAGE.format(tick=min(1.0, timers.interval_s), preset=preset.value, at="1m")
    results = simulate(load_scenario_text(text)).results
    (fault,) = results["faults"]
    earliest, latest = results["scenario"]["probe"]["detect_range_s"]
    p = timers.interval_s
    assert earliest == pytest.approx(timers.detect_min_s)
    assert latest == pytest.approx(timers.detect_s)
    assert fault["outages"] >= 15 and fault["outages_detected"] == fault["outages"]
    took = fault["time_to_detect_s"]
    assert earliest - 1e-6 <= took["min"] <= took["mean"] <= took["p95"] <= took["max"] <= latest
    # Uniform phases: the whole interval is used and the mean sits near its middle.
    assert took["max"] - took["min"] >= 0.6 * p
    assert abs(took["mean"] - (earliest + latest) / 2) <= 0.2 * p
    # The run's figures over all its faults say the same.
    assert results["totals"]["time_to_detect_s"] == took


def test_the_anchors_figures_cisco_fortinet_velocloud_mwan3() -> None:
    ranges = {p: (PRESETS[p].detect_min_s, PRESETS[p].detect_s) for p in PresetName}
    assert ranges[PresetName.CISCO_BFD] == (6.0, 7.0)
    assert ranges[PresetName.FORTINET] == (2.0, 2.5)
    assert ranges[PresetName.VELOCLOUD] == pytest.approx((0.2, 0.3))
    assert ranges[PresetName.MWAN3] == (40.0, 50.0)


def test_a_fault_between_two_ticks_is_detected_from_its_own_instant() -> None:
    text = OUTAGE.format(tick=1.0, preset="cisco-bfd", at="61.37")
    results = simulate(load_scenario_text(text)).results
    (fault,) = results["faults"]
    took = fault["time_to_detect_s"]
    assert fault["at_s"] == 61.37
    assert took["min"] >= 6.0 - 1e-6
    assert took["max"] <= 7.0 + 1e-6
    assert took["max"] - took["min"] >= 0.6


BROWN = """name: light loss
network: {{reference: {{branches: 20, seed: 7}}}}
duration: 30m
seed: {seed}
start: "10:00"
probe: {{preset: flexiwan}}
faults:
{faults}
"""


def test_a_light_loss_is_seen_only_once_probes_are_lost() -> None:
    """0.8 % loss at 1 s probes over a window of 100: a probe is lost about every 125 s, and
    only then does the window show 1 % (over the 0.5 % and 0.2 % of two SLA classes). The
    engine's 5 bad samples follow. Loss handed to the engine exactly moved them after 4 s."""
    net = load_scenario_text(BROWN.format(seed=11, faults="  []")).net
    primaries = [(spoke.id, spoke.links[0].id) for spoke in net.spokes[:12]]
    text = BROWN.format(seed=11, faults="\n".join(
        f"  - {{kind: brown-out, site: {site}, link: {link}, at: 1m, loss_pct: 0.8}}"
        for site, link in primaries
    ))  # fmt: skip
    run = simulate(load_scenario_text(text))
    times = [t for f in run.world.switches.records for t in f.times]
    assert len(times) >= 12
    assert min(times) > 4.0  # never on the 5th sample of a loss known exactly
    # Waiting for the first lost probe: a geometric wait with a mean of 125 s.
    assert 20.0 <= statistics.median(times) <= 400.0, times


FLAP = """name: micro-flap
network: {{reference: {{branches: 20, seed: 7}}}}
duration: {duration}
seed: 3
start: "10:00"
tick: {tick}
probe: {{preset: {preset}}}
faults:
  - {{kind: flapping, site: br-shenyang-001, link: mstp-1, at: 1m, period_s: 20, down_s: 4}}
"""


def test_a_micro_flap_is_caught_by_probes_faster_than_it() -> None:
    """Down 4 s in every 20: Fortinet-like probes (2.0-2.5 s) declare every flap down."""
    text = FLAP.format(duration="5m", tick="500ms", preset="fortinet")
    results = simulate(load_scenario_text(text)).results
    (fault,) = results["faults"]
    assert fault["outages"] == 12 and fault["outages_detected"] == 12
    assert fault["outages_missed"] == 0
    assert 2.0 - 1e-6 <= fault["time_to_detect_s"]["min"] <= fault["time_to_detect_s"]["max"] <= 2.5
    site = next(s for s in results["sites"] if s["site"] == "br-shenyang-001")
    assert site["path_changes"] > 0


def test_a_micro_flap_shorter_than_detection_still_shows_as_loss() -> None:
    """Cisco-like BFD (6-7 s) never declares a 4 s outage down, but each loses about four
    hellos in twenty: the app-route window, polled every 10 minutes, shows the loss and moves
    the applications that cannot take it."""
    text = FLAP.format(duration="25m", tick="1s", preset="cisco-bfd")
    results = simulate(load_scenario_text(text)).results
    (fault,) = results["faults"]
    assert fault["outages"] > 0 and fault["outages_detected"] == 0
    assert fault["outages_missed"] == fault["outages"]
    assert fault["switched"] > 0
    assert 60 <= fault["time_to_switch_s"]["min"] <= 20 * 60 + 7


def test_the_window_slides_by_each_probe_when_a_poll_is_one_probe() -> None:
    w = WindowEstimates((1, 1), poll=1, buckets=4, offset=np.zeros((1, 1), dtype=np.int64))
    w.start(np.array([[10.0]]), np.array([[1.0]]), np.array([[0.0]]))
    lat, jit = np.array([[30.0]]), np.array([[3.0]])
    w.add(np.array([[True]]), lat, jit)
    assert (w.loss_pct[0, 0], w.latency_ms[0, 0]) == (25.0, 10.0)
    w.add(np.array([[False]]), lat, jit)
    assert w.loss_pct[0, 0] == 25.0 and w.latency_ms[0, 0] == pytest.approx(50 / 3)
    for _ in range(3):
        w.add(np.array([[False]]), lat, jit)
    assert (w.loss_pct[0, 0], w.latency_ms[0, 0], w.jitter_ms[0, 0]) == (0.0, 30.0, 3.0)


def test_a_window_of_polls_changes_only_when_a_poll_ends() -> None:
    offset = np.array([[0, 2]], dtype=np.int64)  # the second link is 2 probes into its poll
    w = WindowEstimates((1, 2), poll=3, buckets=2, offset=offset)
    w.start(np.full((1, 2), 10.0), np.zeros((1, 2)), np.zeros((1, 2)))
    lost = np.array([[True, True]])
    w.add(lost, np.full((1, 2), 10.0), np.zeros((1, 2)))
    assert w.loss_pct.tolist() == [[0.0, 100.0 / 6]]  # the second link's poll ended
    w.add(~lost, np.full((1, 2), 10.0), np.zeros((1, 2)))
    assert w.loss_pct.tolist() == [[0.0, 100.0 / 6]]
    w.add(~lost, np.full((1, 2), 10.0), np.zeros((1, 2)))
    assert w.loss_pct.tolist() == [[100.0 / 6, 100.0 / 6]]


def test_a_window_that_lost_everything_keeps_its_last_latency() -> None:
    w = WindowEstimates((1, 1), poll=1, buckets=2, offset=np.zeros((1, 1), dtype=np.int64))
    w.start(np.array([[12.0]]), np.array([[2.0]]), np.array([[0.0]]))
    for _ in range(3):
        w.add(np.array([[True]]), np.array([[99.0]]), np.array([[9.0]]))
    assert (w.loss_pct[0, 0], w.latency_ms[0, 0], w.jitter_ms[0, 0]) == (100.0, 12.0, 2.0)
