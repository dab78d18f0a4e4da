"""Decisions and the reasons an operator reads: rule, metric, measured value, threshold.

Decisions are frozen and compare by value, so golden logs and the parity test can diff them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache


class Rule(StrEnum):
    """Why an application is on its link. Wire values: they appear in logs and the API."""

    PLACED = "placed"  # first placement on the most preferred usable link
    LINK_DOWN = "link-down"  # its link went down: moved at once
    SLA_VIOLATION = "sla-violation"  # its link entered SLA violation (after K bad samples)
    RECOVERED = "recovered"  # a more preferred link left violation (M good samples + hold-down)
    BEST_EFFORT = "best-effort"  # no link meets the SLA: the best quality score
    NO_LINK = "no-link"  # no link is up at all
    SHARE = "share"  # bandwidth share: placed where the planned load stays <= upper
    SHARE_OVERFLOW = "share-overflow"  # bandwidth share: no link had room, least loaded
    OFFLOAD = "offload"  # utilization above upper: low priority offloaded
    RETURN = "return"  # utilization below lower and the return is predicted to stay <= upper
    RETURN_LITERAL = "return-literal"  # utilization below lower (predictive_return=false)


class Metric(StrEnum):
    """What was measured."""

    UTILIZATION = "utilization"
    PREDICTED_UTILIZATION = "predicted utilization"
    LATENCY = "latency"
    JITTER = "jitter"
    LOSS = "loss"
    CLEAN_S = "clean for"
    QUALITY_SCORE = "quality score"
    HUB_UTILIZATION = "hub utilization"  # of the hub links the link's traffic rides


# Metric -> (format of a value, unit). Kept with the enum so logs stay uniform.
_FORMAT: dict[Metric, tuple[int, str]] = {
    Metric.UTILIZATION: (2, ""),
    Metric.PREDICTED_UTILIZATION: (2, ""),
    Metric.LATENCY: (1, " ms"),
    Metric.JITTER: (1, " ms"),
    Metric.LOSS: (2, " %"),
    Metric.CLEAN_S: (0, " s"),
    Metric.QUALITY_SCORE: (2, ""),
    Metric.HUB_UTILIZATION: (2, ""),
}


def _fmt(metric: Metric, value: float, extra: int = 0) -> str:
    decimals, unit = _FORMAT[metric]
    return f"{value:.{decimals + extra}f}{unit}"


def _distinct(metric: Metric, value: float, threshold: float) -> tuple[str, str]:
    # 0.4996 < 0.50 must not print as "0.50 < 0.50": add decimals until the two differ.
    for extra in range(5):
        a, b = _fmt(metric, value, extra), _fmt(metric, threshold, extra)
        if a != b or value == threshold:
            return a, b
    return a, b


@dataclass(frozen=True, slots=True)
class Reason:
    """The rule that put an application on its link, and the measurement that triggered it.

    `link` is the link the measurement was taken on (not necessarily the chosen one), `value`
    the measured value, `threshold` the limit it was compared with, `predicted` the predicted
    utilization of the link after a return and `ceiling` the limit that prediction had to
    respect (the upper threshold), `sla` the SLA class the rule applied.
    """

    rule: Rule
    link: str | None = None
    metric: Metric | None = None
    value: float | None = None
    threshold: float | None = None
    predicted: float | None = None
    ceiling: float | None = None
    sla: str | None = None

    def describe(self) -> str:
        """The reason as an operator reads it, without the application and the move."""
        return _described(self)

    def _describe(self) -> str:
        if self.rule is Rule.BEST_EFFORT and self.sla is None:
            return f"no link is out of hold-down; {self.link} is up (best effort)"
        if self.rule is Rule.RECOVERED and self.value is None:
            return f"{self.link} usable again"
        predicted = ""
        if self.predicted is not None and self.ceiling is not None:
            op = _compare(self.predicted, self.ceiling)
            predicted = f"predicted {self.predicted:.2f} {op} {self.ceiling:.2f}"
        return _TEMPLATES[self.rule].format(
            link=self.link, measured=self._measured(), sla=self.sla, predicted=predicted
        )

    def _measured(self) -> str:
        if self.metric is None or self.value is None:
            return ""
        if self.threshold is None:
            return f"{self.metric.value} {_fmt(self.metric, self.value)}"
        value, threshold = _distinct(self.metric, self.value, self.threshold)
        return f"{self.metric.value} {value} {_compare(self.value, self.threshold)} {threshold}"


@lru_cache(maxsize=4096)
def _described(reason: Reason) -> str:
    # Equal reasons are common: a placement tick describes 160,000, few of them distinct.
    return reason._describe()


_TEMPLATES: dict[Rule, str] = {
    Rule.PLACED: "{link} is the most preferred usable link",
    Rule.LINK_DOWN: "{link} down",
    Rule.SLA_VIOLATION: "{link} {measured} (SLA {sla}, dampened)",
    Rule.RECOVERED: "{link} usable again, {measured} (hold-down)",
    Rule.BEST_EFFORT: "no link meets SLA {sla}; {link} {measured} is the best",
    Rule.NO_LINK: "no link is up",
    Rule.SHARE: "{link} {measured} (bandwidth share)",
    Rule.SHARE_OVERFLOW: "no link has room (bandwidth share); {link} {measured}",
    Rule.OFFLOAD: "{link} {measured} (offload low priority)",
    Rule.RETURN: "{link} {measured}, {predicted} (return)",
    Rule.RETURN_LITERAL: "{link} {measured} (literal return)",
}


def _compare(value: float, threshold: float) -> str:
    # The operator is derived from the numbers, so a reason can never state a false comparison.
    return ">" if value > threshold else "<" if value < threshold else "="


@dataclass(frozen=True, slots=True)
class Decision:
    """Where one application of one site goes, where it was, and why."""

    site: str
    app: str
    link: str | None
    previous: str | None
    reason: Reason

    @property
    def changed(self) -> bool:
        """Whether the application moves (or is placed for the first time)."""
        return self.link != self.previous

    def explain(self) -> str:
        """E.g. 'hd-video moved inet-1 → lte-1: inet-1 utilization 0.74 > 0.70 (offload ...)'."""
        if self.link is None:
            action = "has no path"
        elif not self.changed:
            action = f"stays on {self.link}"
        elif self.previous is None:
            action = f"placed on {self.link}"
        else:
            verb = "returned" if self.reason.rule in _RETURNS else "moved"
            action = f"{verb} {self.previous} → {self.link}"
        return f"{self.app} {action}: {self.reason.describe()}"


_RETURNS = frozenset({Rule.RECOVERED, Rule.RETURN, Rule.RETURN_LITERAL})
