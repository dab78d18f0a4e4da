"""The flap budget: a borderline link costs at most 6 state changes per link-hour, while a
clear violation still moves traffic within 10 s and the return waits for the hold-down."""

from __future__ import annotations

import numpy as np
import pytest

from policies.policy import Policy
from policies.reasons import Rule
from tests.policies.flap import HOUR, borderline, clear_violation, count

BUDGET = 6  # state changes per link-hour


@pytest.mark.slow
@pytest.mark.parametrize("level", [0.6, 0.65, 0.7, 1.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_borderline_link_stays_within_the_flap_budget(level: float, seed: int) -> None:
    samples = borderline(np.random.default_rng(seed), HOUR, level)
    flaps = count(samples)
    assert flaps.raw_flips >= 200, "the link must really be borderline for a raw threshold"
    assert flaps.moves <= BUDGET


def test_clear_violation_moves_within_10_s_and_returns_after_the_hold_down() -> None:
    onset, end = 100, 160
    result = clear_violation(onset, end, 400)
    moves = result.moves("o32-trading", after=0)
    assert len(moves) == 2
    (left_at, leave), (back_at, back) = moves
    assert leave.reason.rule is Rule.SLA_VIOLATION and leave.reason.value == 10.0
    assert onset <= left_at <= onset + 10
    assert back.link == "mpls-1" and back.reason.rule is Rule.RECOVERED
    last_bad = end - 1
    assert back_at - last_bad >= Policy().sla_dampening.hold_down_s >= 60
