"""The reason arrays of the vectorised path: `Encoded` reasons for many (site, app) pairs, and
the `ReasonWriter` that puts them into the next state (codes as in state.RULES/METRICS)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from policies.compiled import FloatArray, IntArray
from policies.reasons import Metric, Rule
from policies.state import METRIC_CODE, RULE_CODE, BatchState


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
        metric: Metric | IntArray,
        value: FloatArray,
        threshold: FloatArray,
    ) -> Encoded:
        """Reasons of a measurement: one metric for all, or a code (state.METRICS) each."""
        out = cls.blank(len(link), rule, link)
        out.metric[:] = METRIC_CODE[metric] if isinstance(metric, Metric) else metric
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
