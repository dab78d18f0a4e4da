"""Reasons of the vectorised path, encoded as codes and numbers (see state.RULES/METRICS).

`why` mirrors `reference.why` for many (site, app) pairs at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from policies.batch.work import FALLBACK, Work, quality_score
from policies.compiled import FloatArray, IntArray
from policies.reasons import Metric, Rule
from policies.state import METRIC_CODE, RULE_CODE, BatchState

SLA_METRIC_CODES = np.array([METRIC_CODE[m] for m in (Metric.LATENCY, Metric.JITTER, Metric.LOSS)])


@dataclass
class Encoded:
    """Reasons for n (site, app) pairs; -1 and NaN mean "none"."""

    rule: IntArray
    link: IntArray
    metric: IntArray
    value: FloatArray
    threshold: FloatArray
    predicted: FloatArray
    ceiling: FloatArray

    @classmethod
    def blank(cls, n: int, rule: Rule, link: IntArray) -> Encoded:
        nan = np.full(n, np.nan)
        return cls(
            rule=np.full(n, RULE_CODE[rule], dtype=np.int64),
            link=np.array(link, dtype=np.int64),
            metric=np.full(n, -1, dtype=np.int64),
            value=nan.copy(),
            threshold=nan.copy(),
            predicted=nan.copy(),
            ceiling=nan,
        )

    @classmethod
    def measured(
        cls,
        rule: Rule,
        link: IntArray,
        metric: Metric,
        value: FloatArray,
        threshold: FloatArray,
    ) -> Encoded:
        out = cls.blank(len(link), rule, link)
        out.metric[:] = METRIC_CODE[metric]
        out.value[:] = value
        out.threshold[:] = threshold
        return out


class ReasonWriter:
    """The reason arrays of the next state. Copied from the previous state only on the first
    write: most steps move nothing, and a state's arrays are never changed in place."""

    FIELDS = ("rule", "link", "metric", "value", "threshold", "predicted", "ceiling")
    ATTRS = ("rule", "r_link", "r_metric", "r_value", "r_threshold", "r_predicted", "r_ceiling")

    def __init__(self, state: BatchState) -> None:
        self._state = state
        self._arrays: dict[str, npt.NDArray[Any]] | None = None  # copied on the first write

    def write(self, rows: IntArray, apps: IntArray, reasons: Encoded) -> None:
        if len(rows) == 0:
            return
        if self._arrays is None:
            self._arrays = {a: getattr(self._state, a).copy() for a in self.ATTRS}
        for f, a in zip(self.FIELDS, self.ATTRS, strict=True):
            self._arrays[a][rows, apps] = getattr(reasons, f)

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """The next state's reason arrays, keyed by their BatchState field names."""
        if self._arrays is None:
            return {a: getattr(self._state, a) for a in self.ATTRS}
        return self._arrays


def why(w: Work, rows: IntArray, apps: IntArray, cur: IntArray, to: IntArray) -> Encoded:
    """Why app `apps` of site `rows` leaves `cur` (-1: not placed) for `to` (phases 2-3)."""
    cx = w.cx
    n = len(rows)
    classes = cx.app_class[apps]
    out = Encoded.blank(n, Rule.RECOVERED, to)
    curc = np.maximum(cur, 0)
    kind = w.kind[rows, apps]
    fallback = kind == FALLBACK
    placed = ~fallback & (cur < 0)
    down = ~fallback & ~placed & ~w.obs.up[rows, curc]
    violated = (
        ~fallback & ~placed & ~down & w.violated[rows, curc, classes] & w.bad[rows, curc, classes]
    )
    recovered = ~(fallback | placed | down | violated)

    if fallback.any():
        i = np.nonzero(fallback)[0]
        score = quality_score(cx, w.obs, rows[i], classes[i])[np.arange(len(i)), to[i]]
        _put(
            out,
            i,
            rule=Rule.BEST_EFFORT,
            link=to[i],
            metric=METRIC_CODE[Metric.QUALITY_SCORE],
            value=score,
            threshold=1.0,
        )
    _put(out, np.nonzero(placed)[0], rule=Rule.PLACED, link=to[placed])
    _put(out, np.nonzero(down)[0], rule=Rule.LINK_DOWN, link=cur[down])
    if violated.any():
        i = np.nonzero(violated)[0]
        r, c, k = rows[i], curc[i], classes[i]
        metrics = np.stack(
            [w.obs.latency_ms[r, c], w.obs.jitter_ms[r, c], w.obs.loss_pct[r, c]], axis=1
        )
        limits = np.stack([cx.max_latency[k], cx.max_jitter[k], cx.max_loss[k]], axis=1)
        worst = (metrics / limits).argmax(axis=1)
        j = np.arange(len(i))
        _put(
            out,
            i,
            rule=Rule.SLA_VIOLATION,
            link=c,
            metric=SLA_METRIC_CODES[worst],
            value=metrics[j, worst],
            threshold=limits[j, worst],
        )
    if recovered.any():
        i = np.nonzero(recovered)[0]
        clean = w.now - w.last_bad[rows[i], to[i], classes[i]]
        finite = np.isfinite(clean)
        hold = w.hold[rows[i], to[i], classes[i]]
        metric = np.where(finite, METRIC_CODE[Metric.CLEAN_S], -1)
        _put(
            out,
            i,
            rule=Rule.RECOVERED,
            link=to[i],
            metric=metric,
            value=np.where(finite, clean, np.nan),
            threshold=np.where(finite, hold, np.nan),
        )
    return out


def _put(
    out: Encoded,
    i: IntArray,
    *,
    rule: Rule,
    link: IntArray,
    metric: IntArray | int = -1,
    value: FloatArray | float = np.nan,
    threshold: FloatArray | float = np.nan,
) -> None:
    out.rule[i] = RULE_CODE[rule]
    out.link[i] = link
    out.metric[i] = metric
    out.value[i] = value
    out.threshold[i] = threshold
