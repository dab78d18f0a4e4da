"""Reasons of the vectorised path, encoded as codes and numbers (see state.RULES/METRICS).

`why` mirrors `reference.why` for many (site, app) pairs at once.
"""

from __future__ import annotations

import numpy as np

from policies.batch.encoded import Encoded
from policies.batch.work import FALLBACK, Work, class_scores
from policies.compiled import FloatArray, IntArray
from policies.reasons import Metric, Rule
from policies.sla import worst_metric
from policies.state import METRIC_CODE, RULE_CODE

SLA_METRIC_CODES = np.array([METRIC_CODE[m] for m in (Metric.LATENCY, Metric.JITTER, Metric.LOSS)])


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
        score = class_scores(cx, w.obs, rows[i], classes[i])[np.arange(len(i)), to[i]]
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
        limits = (cx.max_latency[k], cx.max_jitter[k], cx.max_loss[k])
        worst = worst_metric(metrics[:, 0], metrics[:, 1], metrics[:, 2], limits)
        j = np.arange(len(i))
        _put(
            out,
            i,
            rule=Rule.SLA_VIOLATION,
            link=c,
            metric=SLA_METRIC_CODES[worst],
            value=metrics[j, worst],
            threshold=np.stack(limits, axis=1)[j, worst],
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
