"""What a run keeps: per (site, app) totals for every branch, and full timelines for a few
watched branches (the report's plots). Per-tick timelines of every branch would be
86,400 x sites x links numbers a day: the totals are what scale."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from policies.compiled import BoolArray, FloatArray, IntArray
from policies.decisions import BatchDecisions
from policies.state import RULES
from simulator.faults_spec import CarrierOutage, HubCpeFailure
from simulator.network import SimNetwork
from simulator.scenario import Scenario
from simulator.targets import link_targets

LOAD_BINS = 201  # 0 %, 1 %, ..., 199 % of a link's capacity, and 200 % or more


@dataclass(frozen=True, slots=True)
class Move:
    """One path change at a watched branch."""

    t: float
    site: int  # index into Recorder.watched
    app: int
    previous: int
    link: int
    rule: str


class Recorder:
    """Accumulators filled by World."""

    def __init__(self, scenario: Scenario, net: SimNetwork, n_ticks: int, n_classes: int) -> None:
        n_sites, n_links = net.shape
        n_apps = len(net.network.apps)
        self.dt = scenario.tick
        self.out_ticks: IntArray = np.zeros((n_sites, n_apps), dtype=np.int64)
        self.path_changes: IntArray = np.zeros((n_sites, n_apps), dtype=np.int64)
        self.metered_mbit: FloatArray = np.zeros((n_sites, n_apps))
        self.util_max: FloatArray = np.zeros((n_sites, n_links))
        self.class_out: IntArray = np.zeros((n_ticks, n_classes), dtype=np.int32)
        self.watched: IntArray = np.array(_watched(scenario, net), dtype=np.int64)
        w = len(self.watched)
        self.util_hist = np.zeros((n_ticks, w, n_links), dtype=np.float32)
        self.out_hist: BoolArray = np.zeros((n_ticks, w, n_apps), dtype=np.bool_)
        self.moves: list[Move] = []
        self.fault_spans: list[tuple[int, float, BoolArray]] = []
        self.fault_durations: list[float | None] = [f.duration for f in scenario.faults]
        """Each fault's duration (None: until the end), by its index in `fault_spans`."""
        self.fault_out: list[IntArray | None] = [None] * len(scenario.faults)
        """Per fault, the (site, app) ticks out of SLA while it lasted (once it is over)."""
        self._fault_out_from: dict[int, IntArray] = {}
        # Per link, ticks at each level of the load its own applications would put on it
        # (1 % bins to 200 %, the last also holds more): capacity planning's p95 and time above
        # a threshold.
        self.load_hist: IntArray = np.zeros((n_sites * n_links, LOAD_BINS), dtype=np.int32)
        self._load_bin: IntArray = np.zeros(n_sites * n_links, dtype=np.int64)
        self._all_links: IntArray = np.arange(n_sites * n_links)
        n_hub = len(net.hub_links)
        self.hub_util_max: FloatArray = np.zeros(n_hub)
        self.hub_over_ticks: IntArray = np.zeros(n_hub, dtype=np.int64)
        self.hub_util_sum: FloatArray = np.zeros(n_hub)  # utilization x ticks
        self._util_w = np.zeros((w, n_links), dtype=np.float32)
        self._w_rows = self.watched[:, None]
        self._w_link: IntArray = np.zeros((w, n_apps), dtype=np.int64)
        self._w_cls: IntArray = np.zeros((1, n_apps), dtype=np.int64)
        self._w_lost: BoolArray = np.zeros((w, n_apps), dtype=np.bool_)
        self._w_use: BoolArray = np.zeros((w, n_apps), dtype=np.bool_)
        self._n_sites, self._n_links = n_sites, n_links
        self._w_k: IntArray = np.zeros((w, n_apps), dtype=np.int64)
        self._w_base: IntArray = np.zeros((1, n_apps), dtype=np.int64)

    def steady(
        self,
        util: FloatArray,
        wanted: FloatArray,
        link: IntArray,
        in_use: BoolArray,
        app_class: IntArray,
    ) -> None:
        """A new steady state: utilization, the load over capacity each link's applications
        would put on it (`wanted`), placement and which apps are in use."""
        np.maximum(self.util_max, util, out=self.util_max)
        bins = np.minimum((wanted.ravel() * 100.0).astype(np.int64), LOAD_BINS - 1)
        self._load_bin = bins
        if len(self.watched):
            self._util_w = util[self.watched].astype(np.float32)
            lw = link[self.watched]
            self._w_link = np.maximum(lw, 0)
            self._w_k = self._w_rows * self._n_links + self._w_link  # site x slot index
            self._w_lost = lw < 0
            self._w_cls = app_class[None, :]
            self._w_base = self._w_cls * (self._n_sites * self._n_links)
            self._w_use = in_use[self.watched]

    def ticks(
        self,
        start: int,
        bad: BoolArray,
        bad_f: FloatArray,
        class_count_t: FloatArray,
        unplaced: IntArray,
    ) -> None:
        """The out-of-SLA verdicts of ticks start.. under one steady state: `bad` is laid out
        (class, tick, site x slot), `bad_f` is the same as float64, `class_count_t` is
        (class, site x slot, 1)."""
        _, n, n_flat = bad.shape
        counts = np.matmul(bad_f, class_count_t)[:, :, 0].T  # integers: exact in float64
        self.class_out[start : start + n] = counts + unplaced
        if len(self.watched):
            index = self._w_base * n + self._w_k + (np.arange(n) * n_flat)[:, None, None]
            verdict = bad.ravel().take(index) | self._w_lost
            self.out_hist[start : start + n] = verdict & self._w_use

    def fold(
        self, since: int, until: int, out: IntArray, metered: FloatArray, hub_util: FloatArray
    ) -> None:
        """Ticks [since, until) of one steady state: out-of-SLA tick counts per (site, app),
        metered traffic, and the hub links' utilization."""
        self.out_ticks += out
        self.metered_mbit += metered * (self.dt * (until - since))
        self.load_hist[self._all_links, self._load_bin] += until - since
        np.maximum(self.hub_util_max, hub_util, out=self.hub_util_max)
        self.hub_over_ticks += (hub_util > 1.0) * (until - since)
        self.hub_util_sum += hub_util * (until - since)
        if len(self.watched):
            self.util_hist[since:until] = self._util_w

    def fault_began(self, index: int) -> None:
        """Fault `index` began (every tick before it folded in)."""
        self._fault_out_from[index] = self.out_ticks.copy()

    def fault_ended(self, index: int) -> None:
        """Fault `index` is over (every tick of it folded in)."""
        start = self._fault_out_from.pop(index, None)
        if start is not None:
            self.fault_out[index] = self.out_ticks - start

    def moved(self, now: float, moves: BoolArray, decisions: BatchDecisions) -> None:
        """Count path changes; list those of the watched branches."""
        self.path_changes += moves
        if not len(self.watched):
            return
        sub = moves[self.watched]
        for j, a in zip(*np.nonzero(sub), strict=True):
            s = int(self.watched[j])
            self.moves.append(
                Move(
                    t=now,
                    site=int(j),
                    app=int(a),
                    previous=int(decisions.previous[s, a]),
                    link=int(decisions.link[s, a]),
                    rule=RULES[int(decisions.state.rule[s, a])].value,
                )
            )

    def fault(self, index: int, now: float, hit: BoolArray) -> None:
        """A fault began; keep which watched links it hit."""
        self.fault_spans.append((index, now, hit[self.watched] if len(self.watched) else hit[:0]))


def _watched(scenario: Scenario, net: SimNetwork) -> list[int]:
    """The branches the report plots: named ones, else those faults hit, else the first."""
    limit = scenario.report.max_sites
    index = net.network.site_index
    if scenario.report.sites:
        return [index[s] for s in scenario.report.sites if s in index][:limit]
    chosen: list[int] = []
    for fault in scenario.faults:
        if isinstance(fault, HubCpeFailure):
            continue
        for s, _ in link_targets(fault, net)[: 1 if isinstance(fault, CarrierOutage) else None]:
            if s not in chosen:
                chosen.append(s)
    for s in range(len(net.spokes)):
        if len(chosen) >= limit:
            break
        if s not in chosen:
            chosen.append(s)
    return chosen[:limit]
