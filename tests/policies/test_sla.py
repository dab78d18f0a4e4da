"""The SLA check and the quality score (policies.sla): the number and array forms agree, and
they say what the docs say (each metric within its limit; the worst metric/limit ratio, and
which metric that is)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from policies.sla import meets_sla, quality_score, quality_score_one, sla_ratios, worst_metric

SETTINGS = settings(max_examples=200, deadline=None)
METRIC = st.floats(min_value=0.0, max_value=1e4, allow_nan=False)
LIMIT = st.one_of(st.floats(min_value=1e-3, max_value=1e4), st.just(math.inf))
N = 6


def column(values: st.SearchStrategy[float]) -> st.SearchStrategy[np.ndarray]:
    return arrays(np.float64, N, elements=values)


@SETTINGS
@given(
    lat=column(METRIC),
    jit=column(METRIC),
    loss=column(METRIC),
    limits=st.tuples(column(LIMIT), column(LIMIT), column(LIMIT)),
)
def test_the_array_forms_agree_with_the_one_link_forms(
    lat: np.ndarray, jit: np.ndarray, loss: np.ndarray, limits: tuple[np.ndarray, ...]
) -> None:
    scores = quality_score(lat, jit, loss, (limits[0], limits[1], limits[2]))
    meets = meets_sla(lat, jit, loss, (limits[0], limits[1], limits[2]))
    worst = worst_metric(lat, jit, loss, (limits[0], limits[1], limits[2]))
    for i in range(N):
        one = (float(limits[0][i]), float(limits[1][i]), float(limits[2][i]))
        metrics = (float(lat[i]), float(jit[i]), float(loss[i]))
        assert quality_score_one(metrics, one) == scores[i]
        assert meets_sla(*metrics, one) is bool(meets[i])
        assert int(worst_metric(*metrics, one)) == worst[i]


@SETTINGS
@given(metrics=st.tuples(METRIC, METRIC, METRIC), limits=st.tuples(LIMIT, LIMIT, LIMIT))
def test_the_score_is_the_worst_ratio_and_meeting_the_sla_keeps_it_at_most_one(
    metrics: tuple[float, float, float], limits: tuple[float, float, float]
) -> None:
    score = quality_score_one(metrics, limits)
    ratios = [m / lim for m, lim in zip(metrics, limits, strict=True)]
    assert score == max(ratios)
    assert list(sla_ratios(*metrics, limits)) == ratios
    assert int(worst_metric(*metrics, limits)) == ratios.index(max(ratios))
    meets = meets_sla(*metrics, limits)
    assert meets == all(m <= lim for m, lim in zip(metrics, limits, strict=True))
    if meets:
        assert score <= 1.0


def test_a_missing_sample_meets_no_sla_and_an_infinite_limit_scores_zero() -> None:
    nan = np.array([math.nan])
    assert not meets_sla(nan, nan, nan, (100.0, 10.0, 1.0))[0]
    assert quality_score_one((500.0, 90.0, 5.0), (math.inf, math.inf, math.inf)) == 0.0
