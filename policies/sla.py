"""The SLA check and the link quality score: the one definition of each.

Both take a link's latency, jitter and loss and an SLA class's limits (`max_latency_ms`,
`max_jitter_ms`, `max_loss_pct`, in that order), as numbers or as numpy arrays that broadcast
together, so the per-site path, the vectorised path and telemetry's health read one formula:

- `meets_sla`: every metric within its limit (`<=`); NaN (no sample) meets nothing.
- `quality_score`: the worst ratio of a metric to its limit (`sla_ratios`); <= 1 meets the
  SLA, lower is better, and an infinite limit (the `reach` pseudo-class) contributes 0.
  `worst_metric` says which metric that is (an SLA violation's reason names it).

`meets_sla` works on numbers and arrays alike; `quality_score_one`, the score of one link for
one class, calls `quality_score`, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np

from policies.compiled import BoolArray, FloatArray, IntArray

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


def sla_ratios(
    latency_ms: Values, jitter_ms: Values, loss_pct: Values, limits: Limits
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Each metric over its limit, element-wise: latency, jitter, loss."""
    max_latency, max_jitter, max_loss = limits
    return (
        np.divide(latency_ms, max_latency),
        np.divide(jitter_ms, max_jitter),
        np.divide(loss_pct, max_loss),
    )


def quality_score(
    latency_ms: Values, jitter_ms: Values, loss_pct: Values, limits: Limits
) -> FloatArray:
    """The worst metric/limit ratio, element-wise."""
    lat, jit, loss = sla_ratios(latency_ms, jitter_ms, loss_pct, limits)
    score: FloatArray = np.maximum(np.maximum(lat, jit), loss)
    return score


def worst_metric(
    latency_ms: Values, jitter_ms: Values, loss_pct: Values, limits: Limits
) -> IntArray:
    """Which metric sets the score, element-wise: 0 latency, 1 jitter, 2 loss (first on a tie)."""
    ratios = np.broadcast_arrays(*sla_ratios(latency_ms, jitter_ms, loss_pct, limits))
    worst: IntArray = np.stack(ratios, axis=-1).argmax(axis=-1)
    return worst


def quality_score_one(metrics: tuple[float, float, float], limits: Limits) -> float:
    """`quality_score` of one link for one class."""
    return float(quality_score(*metrics, limits))
