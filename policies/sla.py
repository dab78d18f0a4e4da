"""The SLA check and the link quality score: the one definition of each.

Both take a link's latency, jitter and loss and an SLA class's limits (`max_latency_ms`,
`max_jitter_ms`, `max_loss_pct`, in that order), as numbers or as numpy arrays that broadcast
together, so the per-site path, the vectorised path and telemetry's health read one formula:

- `meets_sla`: every metric within its limit (`<=`); NaN (no sample) meets nothing.
- `quality_score`: the worst ratio of a metric to its limit; <= 1 meets the SLA, lower is
  better, and an infinite limit (the `reach` pseudo-class) contributes 0.

`meets_sla` works on numbers and arrays alike; `quality_score_one`, the score of one link for
one class, calls `quality_score`, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np

from policies.compiled import BoolArray, FloatArray

Values = FloatArray | float
Limits = tuple[Values, Values, Values]  # max latency_ms, jitter_ms, loss_pct


@overload
def meets_sla(latency_ms: float, jitter_ms: float, loss_pct: float, limits: Limits) -> bool: ...


@overload
def meets_sla(
    latency_ms: FloatArray, jitter_ms: FloatArray, loss_pct: FloatArray, limits: Limits
) -> BoolArray: ...


def meets_sla(latency_ms: Any, jitter_ms: Any, loss_pct: Any, limits: Limits) -> Any:
    """Whether every metric is within its limit, element-wise (a bool for numbers).

    Plain operators rather than numpy functions, so that the per-site path checks Python floats
    at Python speed (it runs once per link and class)."""
    max_latency, max_jitter, max_loss = limits
    return (latency_ms <= max_latency) & (jitter_ms <= max_jitter) & (loss_pct <= max_loss)


def quality_score(
    latency_ms: Values, jitter_ms: Values, loss_pct: Values, limits: Limits
) -> FloatArray:
    """The worst metric/limit ratio, element-wise."""
    max_latency, max_jitter, max_loss = limits
    score: FloatArray = np.maximum(
        np.maximum(np.divide(latency_ms, max_latency), np.divide(jitter_ms, max_jitter)),
        np.divide(loss_pct, max_loss),
    )
    return score


def quality_score_one(metrics: tuple[float, float, float], limits: Limits) -> float:
    """`quality_score` of one link for one class."""
    return float(quality_score(*metrics, limits))
