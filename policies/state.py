"""Engine state between steps: SLA dampening counters, where each app is, and why.

`SiteState` is the readable per-site form (link ids, Reason objects); `BatchState` holds the
same facts as arrays, with reasons encoded as codes so the hot path never builds objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from policies.compiled import BoolArray, Compiled, FloatArray, IntArray
from policies.errors import StateError
from policies.reasons import Metric, Reason, Rule

RULES: tuple[Rule, ...] = tuple(Rule)
METRICS: tuple[Metric, ...] = tuple(Metric)
RULE_CODE = {r: i for i, r in enumerate(RULES)}
METRIC_CODE = {m: i for i, m in enumerate(METRICS)}
SLA_NAMED = frozenset({Rule.SLA_VIOLATION, Rule.BEST_EFFORT})

Grid = tuple[tuple[int, ...], ...]


@dataclass(frozen=True, slots=True)
class SiteState:
    """One site. Dampening fields are indexed [link slot][class]; app fields by app index."""

    site: str
    bad_run: Grid
    good_run: Grid
    violated: tuple[tuple[bool, ...], ...]
    last_bad: tuple[tuple[float, ...], ...]
    hold: tuple[tuple[float, ...], ...]  # current hold-down, doubled by flapping
    last_clear: tuple[tuple[float, ...], ...]  # when the link last left violation
    link: tuple[str | None, ...]
    offload_from: tuple[str | None, ...]
    reason: tuple[Reason, ...]


@dataclass(frozen=True, eq=False)
class BatchState:
    """Every site of a network. Shapes: (S, L, K) dampening, (S, A) per app; -1 = none."""

    bad_run: IntArray
    good_run: IntArray
    violated: BoolArray
    last_bad: FloatArray
    hold: FloatArray
    last_clear: FloatArray
    link: IntArray
    offload_from: IntArray
    rule: IntArray
    r_link: IntArray
    r_metric: IntArray
    r_value: FloatArray
    r_threshold: FloatArray
    r_predicted: FloatArray
    r_ceiling: FloatArray


def initial_site_state(cx: Compiled, site_id: str) -> SiteState:
    """No link violated, no app placed yet."""
    site = cx.network.site(site_id)
    links, classes, apps = len(site.links), cx.n_classes, len(cx.network.apps)
    zeros = tuple((0,) * classes for _ in range(links))
    return SiteState(
        site=site_id,
        bad_run=zeros,
        good_run=zeros,
        violated=tuple((False,) * classes for _ in range(links)),
        last_bad=tuple((-math.inf,) * classes for _ in range(links)),
        hold=tuple((cx.policy.sla_dampening.hold_down_s,) * classes for _ in range(links)),
        last_clear=tuple((-math.inf,) * classes for _ in range(links)),
        link=(None,) * apps,
        offload_from=(None,) * apps,
        reason=(Reason(Rule.NO_LINK),) * apps,
    )


def initial_batch_state(cx: Compiled) -> BatchState:
    """No link violated, no app placed yet, at every site."""
    s, n, k, a = len(cx.network.sites), cx.network.max_links, cx.n_classes, len(cx.network.apps)
    none = np.full((s, a), -1, dtype=np.int8)  # link slots: a site has at most 127 links
    nan = np.full((s, a), np.nan)
    return BatchState(
        bad_run=np.zeros((s, n, k), dtype=np.int16),
        good_run=np.zeros((s, n, k), dtype=np.int16),
        violated=np.zeros((s, n, k), dtype=np.bool_),
        last_bad=np.full((s, n, k), -np.inf),
        hold=np.full((s, n, k), cx.policy.sla_dampening.hold_down_s),
        last_clear=np.full((s, n, k), -np.inf),
        link=none.copy(),
        offload_from=none.copy(),
        rule=np.full((s, a), RULE_CODE[Rule.NO_LINK], dtype=np.int8),
        r_link=none.copy(),
        r_metric=none.copy(),  # metric codes fit int8 too
        r_value=nan.copy(),
        r_threshold=nan.copy(),
        r_predicted=nan.copy(),
        r_ceiling=nan.copy(),
    )


def decode_reason(cx: Compiled, state: BatchState, s: int, a: int) -> Reason:
    """The Reason object of one (site, app) of a batch state."""
    return decode_reasons(cx, state, np.array([s]), np.array([a]))[0]


def decode_reasons(cx: Compiled, state: BatchState, rows: IntArray, apps: IntArray) -> list[Reason]:
    """The Reason objects of many (site, app) pairs: the arrays are read once, and equal
    reasons are built once (a placement tick decodes 160,000 reasons, most of them alike)."""
    columns = [getattr(state, f"r_{n}")[rows, apps].tolist() for n in _VALUES]
    values = zip(*([None if math.isnan(v) else v for v in col] for col in columns), strict=True)
    rules = state.rule[rows, apps].tolist()
    slots = state.r_link[rows, apps].tolist()
    metrics = state.r_metric[rows, apps].tolist()
    sla_of = [
        cx.class_names[int(cx.app_class[a])] if cx.has_sla[a] else None
        for a in range(len(cx.network.apps))
    ]
    sites = cx.network.sites
    made: dict[tuple[object, ...], Reason] = {}
    out = []
    for s, a, code, slot, metric, (value, threshold, predicted, ceiling) in zip(
        rows.tolist(), apps.tolist(), rules, slots, metrics, values, strict=True
    ):
        rule = RULES[code]
        link = sites[s].links[slot].id if slot >= 0 else None
        named = METRICS[metric] if metric >= 0 else None
        sla = sla_of[a] if rule in SLA_NAMED else None
        key = (rule, link, named, value, threshold, predicted, ceiling, sla)
        reason = made.get(key)
        if reason is None:
            reason = Reason(rule, link, named, value, threshold, predicted, ceiling, sla)
            made[key] = reason
        out.append(reason)
    return out


_VALUES = ("value", "threshold", "predicted", "ceiling")


def site_state(cx: Compiled, state: BatchState, s: int) -> SiteState:
    """The per-site form of one site of a batch state."""
    site = cx.network.sites[s]
    n = len(site.links)
    apps = range(len(cx.network.apps))

    def link_id(slot: int) -> str | None:
        return site.links[slot].id if slot >= 0 else None

    return SiteState(
        site=site.id,
        bad_run=tuple(tuple(int(v) for v in row) for row in state.bad_run[s, :n]),
        good_run=tuple(tuple(int(v) for v in row) for row in state.good_run[s, :n]),
        violated=tuple(tuple(bool(v) for v in row) for row in state.violated[s, :n]),
        last_bad=tuple(tuple(float(v) for v in row) for row in state.last_bad[s, :n]),
        hold=tuple(tuple(float(v) for v in row) for row in state.hold[s, :n]),
        last_clear=tuple(tuple(float(v) for v in row) for row in state.last_clear[s, :n]),
        link=tuple(link_id(int(state.link[s, a])) for a in apps),
        offload_from=tuple(link_id(int(state.offload_from[s, a])) for a in apps),
        reason=tuple(decode_reason(cx, state, s, a) for a in apps),
    )


def batch_from_sites(cx: Compiled, states: list[SiteState]) -> BatchState:
    """Pack one SiteState per site of the network (in its order) into a BatchState."""
    out = initial_batch_state(cx)
    for s, (site, st) in enumerate(zip(cx.network.sites, states, strict=True)):
        if st.site != site.id or len(st.bad_run) != len(site.links):
            raise StateError(f"state #{s} is for {st.site!r}, expected {site.id!r}")
        n = len(site.links)
        out.bad_run[s, :n] = st.bad_run
        out.good_run[s, :n] = st.good_run
        out.violated[s, :n] = st.violated
        out.last_bad[s, :n] = st.last_bad
        out.hold[s, :n] = st.hold
        out.last_clear[s, :n] = st.last_clear
        for a, (link, off, reason) in enumerate(
            zip(st.link, st.offload_from, st.reason, strict=True)
        ):
            out.link[s, a] = -1 if link is None else site.slot(link)
            out.offload_from[s, a] = -1 if off is None else site.slot(off)
            out.rule[s, a] = RULE_CODE[reason.rule]
            out.r_link[s, a] = -1 if reason.link is None else site.slot(reason.link)
            out.r_metric[s, a] = -1 if reason.metric is None else METRIC_CODE[reason.metric]
            for name in ("value", "threshold", "predicted", "ceiling"):
                v = getattr(reason, name)
                getattr(out, f"r_{name}")[s, a] = np.nan if v is None else v
    return out
