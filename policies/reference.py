"""The per-site path: the rules written plainly, one site at a time.

This is the readable definition of the engine. `policies/batch/` computes exactly the same
thing for many sites at once and the property tests hold the two equal, so every change to a
rule is made here first. Phases, in order (docs/policies.md explains each):

1. SLA dampening per (link, class): K bad samples enter violation, M good samples plus the
   hold-down leave it; a down link is violated at once.
2. Home link per app: the first eligible link in its preference order (eligible = up and not
   violated for the app's class; last-resort links only if no other link is eligible); if none
   is eligible, the up link with the best quality score (best effort).
3. Apps not in share-only mode go home, unless offloaded and still fine where they are.
4. Share-only apps: first-fit, high priority and large demand first, sticky while they fit.
5. Utilization hysteresis: offload over `upper`, return under `lower` (predictively).

Load bookkeeping: `load` starts at the measured utilization; every move subtracts the app's
share (demand / capacity) from its source and adds it to its destination, in the order the
moves are made; a first placement changes no load, except in the share rule, which plans it.
Both paths do the same float operations in the same order, so they agree exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from policies.compiled import RUN_CAP, Compiled
from policies.observations import SiteObservation, path_load
from policies.reasons import Decision, Metric, Reason, Rule
from policies.sla import meets_sla, quality_score_one, worst_metric
from policies.state import SiteState

ELIGIBLE, FALLBACK, NONE = 0, 1, 2  # how an app's home link was found
SLA_METRICS = (Metric.LATENCY, Metric.JITTER, Metric.LOSS)


@dataclass
class _Site:
    """The working data of one step at one site (mutable scratch, never returned)."""

    cx: Compiled
    s: int
    now: float
    ids: list[str]
    upper: list[float]
    lower: list[float]
    up: list[bool]
    metrics: list[tuple[float, float, float]]  # latency, jitter, loss per link
    util: list[float]
    cap: list[float]
    relief: list[float]  # what a move off a link divides demand by (observations.path_load)
    demand: list[float]
    violated: list[list[bool]]
    bad_now: list[list[bool]]
    last_bad: list[list[float]]
    hold: list[list[float]]
    last_clear: list[list[float]]
    load: list[float]
    hub_led: list[bool]  # the hub's utilization on the link's path is its load (path_load)
    link: list[int]
    off: list[int]
    reason: list[Reason]
    eligible: list[list[bool]]
    home: list[int]
    kind: list[int]

    def share(self, a: int, slot: int) -> float:
        return self.demand[a] / self.cap[slot]

    def load_metric(self, slot: int) -> Metric:
        """What a link's load measured: its own utilization, or its hub's."""
        return Metric.HUB_UTILIZATION if self.hub_led[slot] else Metric.UTILIZATION

    def move(self, a: int, to: int, reason: Reason, *, plan_first: bool = False) -> None:
        cur = self.link[a]
        # A first placement (cur < 0) changes no load: the measured utilization already holds
        # the traffic, wherever the network carried it before the engine's first step. The
        # share rule plans its first placements (`plan_first`): it fills links one app at a
        # time, and counting a demand twice is safer than overfilling a link.
        if cur >= 0:
            self.load[cur] -= self.demand[a] / self.relief[cur]
        if cur >= 0 or plan_first:
            self.load[to] += self.share(a, to)
        self.link[a] = to
        self.reason[a] = reason

    def ranked(self, a: int) -> list[int]:
        """Eligible links of app a, most preferred first."""
        rank = self.cx.pref_rank[self.s, a]
        return sorted((i for i, ok in enumerate(self.eligible[a]) if ok), key=lambda i: rank[i])


def step_site(
    cx: Compiled, state: SiteState, obs: SiteObservation, now: float
) -> tuple[SiteState, tuple[Decision, ...]]:
    """One evaluation of one site. Pure: the result depends only on the arguments."""
    network = cx.network
    s = network.site_index[state.site]
    spec = network.sites[s]
    obs.checked(spec, network)
    ids = [link.id for link in spec.links]
    samples = [obs.links[i] for i in ids]
    path = path_load(
        np.array([o.utilization for o in samples]),
        np.array([o.capacity_mbps for o in samples]),
        np.array([o.hub_utilization for o in samples]),
        cx.policy.hub_utilization,
    )
    slot_of = {link_id: i for i, link_id in enumerate(ids)}
    site = _Site(
        cx=cx,
        s=s,
        now=now,
        ids=ids,
        upper=[float(x) for x in cx.upper[s, : len(ids)]],
        lower=[float(x) for x in cx.lower[s, : len(ids)]],
        up=[o.up for o in samples],
        metrics=[(o.latency_ms, o.jitter_ms, o.loss_pct) for o in samples],
        util=[o.utilization for o in samples],
        cap=[o.capacity_mbps for o in samples],
        relief=[float(c) for c in path.relief_mbps],
        demand=[float(obs.demand_mbps.get(app.name, 0.0)) for app in network.apps],
        violated=[],
        bad_now=[],
        last_bad=[],
        hold=[],
        last_clear=[],
        load=[float(x) for x in path.load],
        hub_led=[bool(x) for x in path.hub_led],
        link=[-1 if x is None else slot_of[x] for x in state.link],
        off=[-1 if x is None else slot_of[x] for x in state.offload_from],
        reason=list(state.reason),
        eligible=[],
        home=[],
        kind=[],
    )
    bad_run, good_run = _dampen(site, state)
    _homes(site)
    _go_home(site)
    _share(site)
    _hysteresis(site)

    def link_id(slot: int) -> str | None:
        return ids[slot] if slot >= 0 else None

    new_state = SiteState(
        site=state.site,
        bad_run=bad_run,
        good_run=good_run,
        violated=tuple(tuple(row) for row in site.violated),
        last_bad=tuple(tuple(row) for row in site.last_bad),
        hold=tuple(tuple(row) for row in site.hold),
        last_clear=tuple(tuple(row) for row in site.last_clear),
        link=tuple(link_id(x) for x in site.link),
        offload_from=tuple(link_id(x) for x in site.off),
        reason=tuple(site.reason),
    )
    decisions = tuple(
        Decision(state.site, app.name, new_state.link[a], state.link[a], new_state.reason[a])
        for a, app in enumerate(network.apps)
    )
    return new_state, decisions


def _dampen(site: _Site, state: SiteState) -> tuple[tuple[tuple[int, ...], ...], ...]:
    cx = site.cx
    damp = cx.policy.sla_dampening
    bad_runs, good_runs = [], []
    for slot, (lat, jit, loss) in enumerate(site.metrics):
        up = site.up[slot]
        b_row, g_row, v_row, bn_row, lb_row, h_row, lc_row = [], [], [], [], [], [], []
        for c in range(cx.n_classes):
            bad = not up or not meets_sla(lat, jit, loss, _limits(cx, c))
            b = min(state.bad_run[slot][c] + 1, RUN_CAP) if bad else 0
            g = 0 if bad else min(state.good_run[slot][c] + 1, RUN_CAP)
            last = site.now if bad else state.last_bad[slot][c]
            violated = state.violated[slot][c]
            hold, cleared = state.hold[slot][c], state.last_clear[slot][c]
            if bad and (not up or b >= damp.bad_samples):
                if not violated:
                    # Flap dampening (Versa-like): back in violation soon after leaving it
                    # doubles the hold-down; a quiet spell resets it.
                    if site.now - cleared < damp.flap_window_s:
                        hold = min(hold * 2, damp.max_hold_down_s)
                    else:
                        hold = damp.hold_down_s
                violated = True
            elif violated and not bad and g >= damp.good_samples and site.now - last >= hold:
                violated = False
                cleared = site.now
            h_row.append(hold)
            lc_row.append(cleared)
            b_row.append(b)
            g_row.append(g)
            v_row.append(violated)
            bn_row.append(bad)
            lb_row.append(last)
        bad_runs.append(tuple(b_row))
        good_runs.append(tuple(g_row))
        site.violated.append(v_row)
        site.bad_now.append(bn_row)
        site.last_bad.append(lb_row)
        site.hold.append(h_row)
        site.last_clear.append(lc_row)
    return tuple(bad_runs), tuple(good_runs)


def _homes(site: _Site) -> None:
    cx = site.cx
    n = len(site.up)
    keep = 1.0 - cx.policy.best_effort_margin
    for a in range(len(cx.network.apps)):
        c = int(cx.app_class[a])
        usable = [site.up[i] and not site.violated[i][c] for i in range(n)]
        regular = [usable[i] and bool(cx.regular[site.s, i]) for i in range(n)]
        site.eligible.append(regular if any(regular) else usable)
        ranked = site.ranked(a)
        rank = [int(r) for r in cx.pref_rank[site.s, a]]
        if ranked:
            site.home.append(ranked[0])
            site.kind.append(ELIGIBLE)
        elif any(site.up):
            cur = site.link[a]

            def key(
                i: int, c: int = c, cur: int = cur, rank: list[int] = rank
            ) -> tuple[float, int]:
                score = quality_score_one(site.metrics[i], _limits(cx, c))
                # The current link gets a bonus so two failing links do not trade places on noise.
                return (score * keep if i == cur else score, rank[i])

            site.home.append(min((i for i in range(n) if site.up[i]), key=key))
            site.kind.append(FALLBACK)
        else:
            site.home.append(site.link[a])
            site.kind.append(NONE)


def why(site: _Site, a: int, cur: int, to: int) -> Reason:
    """Why app a leaves `cur` (-1: not placed yet) for `to`, found in phase 2 or 3."""
    cx = site.cx
    c = int(cx.app_class[a])
    if site.kind[a] == FALLBACK:
        sla = cx.class_names[c] if cx.has_sla[a] else None
        score = quality_score_one(site.metrics[to], _limits(cx, c))
        return Reason(Rule.BEST_EFFORT, site.ids[to], Metric.QUALITY_SCORE, score, 1.0, sla=sla)
    if cur < 0:
        return Reason(Rule.PLACED, site.ids[to])
    if not site.up[cur]:
        return Reason(Rule.LINK_DOWN, site.ids[cur])
    if site.violated[cur][c] and site.bad_now[cur][c]:
        limits = _limits(cx, c)
        worst = int(worst_metric(*site.metrics[cur], limits))
        return Reason(
            Rule.SLA_VIOLATION,
            site.ids[cur],
            SLA_METRICS[worst],
            site.metrics[cur][worst],
            limits[worst],
            sla=cx.class_names[c],
        )
    clean = site.now - site.last_bad[to][c]
    if math.isinf(clean):
        return Reason(Rule.RECOVERED, site.ids[to])
    return Reason(Rule.RECOVERED, site.ids[to], Metric.CLEAN_S, clean, site.hold[to][c])


def _limits(cx: Compiled, c: int) -> tuple[float, float, float]:
    """Class `c`'s SLA limits (infinite for the `reach` pseudo-class: its score is zero)."""
    return float(cx.max_latency[c]), float(cx.max_jitter[c]), float(cx.max_loss[c])


def _go_home(site: _Site) -> None:
    for a in range(len(site.cx.network.apps)):
        if site.cx.share_only[a]:
            continue
        cur, home = site.link[a], site.home[a]
        if site.off[a] >= 0:
            if site.off[a] == home and cur >= 0 and site.eligible[a][cur]:
                continue  # offloaded, and still fine where it is
            site.off[a] = -1
        if home != cur and home >= 0:
            site.move(a, home, why(site, a, cur, home))


def _share(site: _Site) -> None:
    cx = site.cx
    apps = [a for a in range(len(cx.network.apps)) if cx.share_only[a]]
    apps.sort(key=lambda a: (int(cx.priority_rank[a]), -site.demand[a], a))
    upper = site.upper
    for a in apps:
        cur = site.link[a]
        ranked = site.ranked(a)
        if not ranked:  # nothing eligible: the best-effort home, as for every app
            if site.home[a] != cur and site.home[a] >= 0:
                site.move(a, site.home[a], why(site, a, cur, site.home[a]))
            continue
        here = cur >= 0 and site.eligible[a][cur]
        if here and site.load[cur] <= upper[cur]:
            continue  # sticky: it fits where it is
        to = next((i for i in ranked if site.load[i] + site.share(a, i) <= upper[i]), -1)
        overflow = to < 0
        if overflow:
            to = cur if here else ranked[0]
        if to == cur:
            continue
        if cur >= 0 and not here:
            reason = why(site, a, cur, to)
        elif overflow:
            planned = site.load[to] + site.share(a, to)
            reason = Reason(
                Rule.SHARE_OVERFLOW, site.ids[to], Metric.PREDICTED_UTILIZATION, planned, upper[to]
            )
        elif cur < 0:
            planned = site.load[to] + site.share(a, to)
            reason = Reason(
                Rule.SHARE, site.ids[to], Metric.PREDICTED_UTILIZATION, planned, upper[to]
            )
        else:
            reason = Reason(
                Rule.SHARE, site.ids[cur], site.load_metric(cur), site.load[cur], upper[cur]
            )
        site.move(a, to, reason, plan_first=True)


def _hysteresis(site: _Site) -> None:
    cx = site.cx
    upper, lower = site.upper, site.lower
    start = list(site.load)
    apps = range(len(cx.network.apps))
    # A site that reports no application's demand (its CPEs send link samples only): moves
    # cannot be sized, so the apps go one priority tier per step, and the next step's measured
    # utilization says whether the next tier must go too (or, returning, may come back).
    blind = not any(d > 0 for d in site.demand)
    offload = [
        a
        for a in apps
        if cx.offloadable[a]
        and site.off[a] < 0
        and site.link[a] >= 0
        and site.link[a] == site.home[a]
        and site.kind[a] == ELIGIBLE
        and (site.demand[a] > 0 or blind)
    ]
    if blind:
        hot = [a for a in offload if site.load[site.link[a]] > upper[site.link[a]]]
        tier = max((int(cx.priority_rank[a]) for a in hot), default=-1)
        offload = [a for a in hot if int(cx.priority_rank[a]) == tier]
    # Lowest priority first, then the largest demand: the fewest moves that relieve the link.
    offload.sort(key=lambda a: (-int(cx.priority_rank[a]), -site.demand[a], a))
    moved: set[int] = set()
    for a in offload:
        home = site.link[a]
        if not site.load[home] > upper[home]:
            continue
        relief = site.demand[a] / site.relief[home]
        swing = site.load[home] - relief < lower[home]
        late = float(cx.hub_turn[site.s]) * relief >= site.load[home] - upper[home]
        if site.hub_led[home] and (swing or late):
            continue  # see policies/batch/load.py _offload_one
        others = [i for i in site.ranked(a) if i != home]
        if cx.has_share[a]:
            others = [i for i in others if site.load[i] + site.share(a, i) <= upper[i]]
        if not others:
            continue
        reason = Reason(
            Rule.OFFLOAD, site.ids[home], site.load_metric(home), site.load[home], upper[home]
        )
        site.move(a, others[0], reason)
        site.off[a] = home
        moved.add(a)
    back = [a for a in apps if site.off[a] >= 0 and a not in moved]
    if blind:
        cool = [a for a in back if start[site.off[a]] < lower[site.off[a]]]
        tier = min((int(cx.priority_rank[a]) for a in cool), default=-1)
        back = [a for a in cool if int(cx.priority_rank[a]) == tier]
    # Highest priority first, then the smallest demand: as many apps home as fit.
    back.sort(key=lambda a: (int(cx.priority_rank[a]), site.demand[a], a))
    for a in back:
        home = site.off[a]
        if not start[home] < lower[home]:
            continue
        if cx.policy.predictive_return:
            predicted = site.load[home] + site.share(a, home)
            if predicted > upper[home]:
                continue
            reason = Reason(
                Rule.RETURN,
                site.ids[home],
                site.load_metric(home),
                start[home],
                lower[home],
                predicted=predicted,
                ceiling=upper[home],
            )
        else:
            reason = Reason(
                Rule.RETURN_LITERAL,
                site.ids[home],
                site.load_metric(home),
                start[home],
                lower[home],
            )
        site.move(a, home, reason)
        site.off[a] = -1
