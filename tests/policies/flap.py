"""The flap-budget scenario: a borderline primary, one hour of 1 s samples.

Latency and loss hover around the trading SLA limits (80 ms, 0.5 %) as AR(1) noise: each
sample keeps `memory` of the previous deviation, so bad samples come in short bursts as on
a real congested link. The noise comes from the Generator passed in.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from policies.policy import Policy
from tests.policies.scenario import Cond, Run, run, small_apps

HOUR = 3600
LATENCY_LIMIT, LOSS_LIMIT = 80.0, 0.5  # the trading class of the catalogue


def borderline(
    rng: np.random.Generator, seconds: int, level: float = 1.0, memory: float = 0.7
) -> list[tuple[float, float]]:
    """(latency ms, loss %) per second, centred on `level` x the limits, ~15 % noise."""
    out = []
    dev_lat = dev_loss = 0.0
    for _ in range(seconds + 1):
        dev_lat = memory * dev_lat + rng.normal(0, 0.15)
        dev_loss = memory * dev_loss + rng.normal(0, 0.15)
        out.append(
            (
                max(0.0, LATENCY_LIMIT * (level + dev_lat)),
                max(0.0, LOSS_LIMIT * (level + dev_loss)),
            )
        )
    return out


@dataclass(frozen=True)
class FlapCount:
    raw_flips: int  # changes of "this sample is over a limit"
    dampened_changes: int  # changes of the engine's SLA state of the link for trading
    moves: int  # path changes of the trading app after its first placement


def count(samples: list[tuple[float, float]], policy: Policy | None = None) -> FlapCount:
    """Drive the engine through the samples (on mpls-1) and count state changes."""
    policy = policy or Policy()
    result = run(policy, _timeline(samples), len(samples) - 1, apps=small_apps())
    raw = [lat > LATENCY_LIMIT or loss > LOSS_LIMIT for lat, loss in samples]
    links = [d.link for _, ds in result.decisions for d in ds if d.app == "o32-trading"]
    return FlapCount(
        raw_flips=sum(a != b for a, b in itertools.pairwise(raw)),
        dampened_changes=sum(a != b for a, b in itertools.pairwise(links)),
        moves=len(result.moves("o32-trading", after=0)),
    )


def _timeline(samples: list[tuple[float, float]]) -> Callable[[float], dict[str, Cond]]:
    def at(t: float) -> dict[str, Cond]:
        lat, loss = samples[int(t)]
        return {"mpls-1": Cond(latency_ms=lat, loss_pct=loss, background=0.2)}

    return at


def clear_violation(onset: int, end: int, seconds: int) -> Run:
    """Loss jumps to 10 % on the primary from `onset` to `end` (clean otherwise)."""

    def at(t: float) -> dict[str, Cond]:
        loss = 10.0 if onset <= t < end else 0.0
        return {"mpls-1": Cond(loss_pct=loss, background=0.2)}

    return run(Policy(), at, seconds, apps=small_apps())
