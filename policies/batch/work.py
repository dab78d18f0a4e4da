"""Working data of one vectorised step, shared by the phases in policies/batch/."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from policies.batch.encoded import ReasonWriter
from policies.compiled import BoolArray, Compiled, FloatArray, IntArray
from policies.observations import BatchObservations
from policies.reasons import Metric
from policies.sla import quality_score
from policies.state import METRIC_CODE

ELIGIBLE, FALLBACK, NONE = 0, 1, 2


@dataclass
class Work:
    """The arrays of one step (mutable scratch shared by the phases)."""

    cx: Compiled
    now: float
    obs: BatchObservations
    bad: BoolArray  # (S, L, K) this sample is bad for the class
    violated: BoolArray  # (S, L, K)
    last_bad: FloatArray  # (S, L, K)
    hold: FloatArray  # (S, L, K) current hold-down
    eligible: IntArray  # (S, P) bitmask of the eligible links of each profile
    home: IntArray  # (S, A)
    kind: IntArray  # (S, A)
    load: FloatArray  # (S, L)
    hub_led: BoolArray  # (S, L) the hub's utilization on the link's path is its load
    relief: FloatArray  # (S, L) what a move off divides demand by (observations.path_load)
    link: IntArray  # (S, A)
    off: IntArray  # (S, A)
    reasons: ReasonWriter

    def eligible_at(self, rows: IntArray, apps: IntArray, slots: IntArray) -> BoolArray:
        """Whether link `slots` is eligible for app `apps` at site `rows` (False if slot < 0)."""
        prof = self.cx.profile[apps]
        bits = self.eligible[rows, prof] >> np.maximum(slots, 0).astype(np.uint8)
        return (slots >= 0) & (bits & 1).astype(np.bool_)

    def eligible_links(self, rows: IntArray, apps: IntArray) -> BoolArray:
        """(n, L) eligible links of app `apps` at site `rows`."""
        bits = self.eligible[rows, self.cx.profile[apps]][:, None]
        slots = np.arange(self.obs.up.shape[1], dtype=np.uint8)
        mask: BoolArray = ((bits >> slots) & 1).astype(np.bool_)
        return mask

    def load_metric(self, rows: IntArray, slots: IntArray) -> IntArray:
        """The metric codes of links' loads: their own utilization, or their hub's."""
        codes: IntArray = np.where(
            self.hub_led[rows, slots],
            METRIC_CODE[Metric.HUB_UTILIZATION],
            METRIC_CODE[Metric.UTILIZATION],
        )
        return codes

    def share(self, rows: IntArray, apps: IntArray, slots: IntArray) -> FloatArray:
        """demand / capacity of app `apps` on link `slots` at site `rows`."""
        d: FloatArray = self.obs.demand_mbps[rows, apps] / self.obs.capacity_mbps[rows, slots]
        return d

    def move(
        self, rows: IntArray, apps: IntArray, to: IntArray, *, plan_first: bool = False
    ) -> None:
        """Move app `apps` of site `rows` to `to`, keeping the load books (rows are unique).
        A first placement changes no load unless `plan_first`, as in reference.py."""
        cur = self.link[rows, apps]
        placed = cur >= 0
        r, a, c = rows[placed], apps[placed], cur[placed]
        self.load[r, c] -= self.obs.demand_mbps[r, a] / self.relief[r, c]
        counted = placed | plan_first
        r, a, t = rows[counted], apps[counted], to[counted]
        self.load[r, t] += self.share(r, a, t)
        self.link[rows, apps] = to


def class_scores(
    cx: Compiled, obs: BatchObservations, rows: IntArray, classes: IntArray
) -> FloatArray:
    """(n, L) quality score (policies.sla) of every link of site `rows` for SLA class `classes`."""
    limits = (
        cx.max_latency[classes][:, None],
        cx.max_jitter[classes][:, None],
        cx.max_loss[classes][:, None],
    )
    return quality_score(obs.latency_ms[rows], obs.jitter_ms[rows], obs.loss_pct[rows], limits)
