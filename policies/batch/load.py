"""Phases 4 and 5 of the vectorised path: bandwidth share and utilization hysteresis.

Each loops over placement positions (the k-th app of every site's order), with array
operations across the sites where something can move. Mirrors `reference._share` and
`reference._hysteresis` operation for operation, so float results are identical.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from policies.batch.encoded import Encoded
from policies.batch.reasons import why
from policies.batch.work import ELIGIBLE, Work
from policies.compiled import NO_RANK, BoolArray, FloatArray, IntArray
from policies.reasons import Metric, Rule

_NONE: IntArray = np.zeros(0, dtype=np.int64)


def _order(keys: tuple[npt.NDArray[np.generic], ...]) -> IntArray:
    """Per-row argsort by keys, last key most significant (np.lexsort), stable."""
    order: IntArray = np.lexsort(keys, axis=-1)
    return order


def _first(mask: BoolArray, rank: IntArray) -> tuple[IntArray, BoolArray]:
    """Per row, the most preferred slot where mask holds, and whether there is one."""
    best: IntArray = np.where(mask, rank, 2 * NO_RANK).argmin(axis=1)
    some: BoolArray = np.asarray(mask.any(axis=1))
    return best, some


def share(w: Work) -> None:
    """Share-only apps: first fit in preference order, high priority and big demand first."""
    cx = w.cx
    share_apps = np.nonzero(cx.share_only)[0]
    if share_apps.size == 0:
        return
    n_sites = w.link.shape[0]
    all_rows = np.arange(n_sites)[:, None]
    cur = w.link[:, share_apps]
    has = w.kind[:, share_apps] == ELIGIBLE
    here = w.eligible_at(all_rows, share_apps[None, :], cur)
    curc = np.maximum(cur, 0)
    fits_here = here & (w.load[all_rows, curc] <= cx.upper[all_rows, curc])
    quiet = np.where(has, fits_here, (w.home[:, share_apps] == cur) | (w.home[:, share_apps] < 0))
    rows = np.nonzero(~quiet.all(axis=1))[0]
    if rows.size == 0:
        return
    demand = w.obs.demand_mbps[rows][:, share_apps]
    prank = np.broadcast_to(cx.priority_rank[share_apps], demand.shape)
    index = np.broadcast_to(share_apps, demand.shape)
    order = share_apps[_order((index, -demand, prank))]
    for k in range(order.shape[1]):
        _share_one(w, rows, order[:, k])


def _share_one(w: Work, rows: IntArray, apps: IntArray) -> None:
    cx = w.cx
    cur = w.link[rows, apps]
    curc = np.maximum(cur, 0)
    home = w.home[rows, apps]
    has = w.kind[rows, apps] == ELIGIBLE
    # Nothing eligible: the best-effort home, exactly as phase 3 does for other apps.
    lost = ~has & (home != cur) & (home >= 0)
    if lost.any():
        r, a = rows[lost], apps[lost]
        w.reasons.write(r, a, why(w, r, a, cur[lost], home[lost]))
        w.move(r, a, home[lost])
    here = w.eligible_at(rows, apps, cur)
    upper = cx.upper[rows]
    load = w.load[rows]
    stay = here & (load[np.arange(len(rows)), curc] <= upper[np.arange(len(rows)), curc])
    act = has & ~stay
    if not act.any():
        return
    r, a, c, hr = rows[act], apps[act], cur[act], here[act]
    j = np.arange(len(r))
    eligible = w.eligible_links(r, a)
    shares = w.obs.demand_mbps[r, a][:, None] / w.obs.capacity_mbps[r]
    planned = w.load[r] + shares
    to, fits = _first(eligible & (planned <= cx.upper[r]), cx.pref_rank[r, a])
    overflow = ~fits
    to = np.where(overflow, np.where(hr, c, w.home[r, a]), to)
    moving = to != c
    if not moving.any():
        return
    r, a, c, to, hr, overflow, j = (x[moving] for x in (r, a, c, to, hr, overflow, j))
    planned_to = planned[moving][np.arange(len(r)), to]
    upper_r = cx.upper[r]
    i = np.arange(len(r))
    reasons = Encoded.measured(
        Rule.SHARE, to, Metric.PREDICTED_UTILIZATION, planned_to, upper_r[i, to]
    )
    was_on = (c >= 0) & ~overflow
    if was_on.any():
        cc = c[was_on]
        moved_off = Encoded.measured(
            Rule.SHARE,
            cc,
            w.load_metric(r[was_on], cc),
            w.load[r[was_on], cc],
            upper_r[i[was_on], cc],
        )
        _merge(reasons, moved_off, was_on)
    if overflow.any():
        o = Encoded.measured(
            Rule.SHARE_OVERFLOW,
            to[overflow],
            Metric.PREDICTED_UTILIZATION,
            planned_to[overflow],
            upper_r[i[overflow], to[overflow]],
        )
        _merge(reasons, o, overflow)
    gone = (c >= 0) & ~hr
    if gone.any():
        _merge(reasons, why(w, r[gone], a[gone], c[gone], to[gone]), gone)
    w.reasons.write(r, a, reasons)
    w.move(r, a, to, plan_first=True)
    del j


def _merge(into: Encoded, part: Encoded, mask: BoolArray) -> None:
    for f in ("rule", "link", "metric", "value", "threshold", "predicted", "ceiling"):
        getattr(into, f)[mask] = getattr(part, f)


def hysteresis(w: Work) -> None:
    """Offload low priority over `upper`; return under `lower` (predictively by default)."""
    cx = w.cx
    start = w.load.copy()
    n_apps = w.link.shape[1]
    demand = w.obs.demand_mbps
    moved = np.zeros(w.link.shape, dtype=np.bool_)
    # Sites that report no application's demand go one priority tier per step (see
    # policies/reference.py `_hysteresis`).
    blind: BoolArray = np.asarray(~(demand > 0).any(axis=1), dtype=np.bool_)
    rank = cx.priority_rank.astype(np.int64)
    # Offload: only sites with a link over its upper threshold can offload anything.
    over = w.load > cx.upper
    if over.any() and w.hub_led.any():
        over &= _may_shed(w, blind)
    rows = np.nonzero(over.any(axis=1))[0] if over.any() else _NONE
    if rows.size:
        link = w.link[rows]
        cand = np.zeros(w.link.shape, dtype=np.bool_)
        cand[rows] = (
            cx.offloadable[None, :]
            & (w.off[rows] < 0)
            & (link >= 0)
            & (link == w.home[rows])
            & (w.kind[rows] == ELIGIBLE)
            & ((demand[rows] > 0) | blind[rows, None])
        )
        hot_links = w.load[rows] > cx.upper[rows]
        hot = cand[rows] & np.take_along_axis(hot_links, np.maximum(link, 0), axis=1)
        if blind[rows].any():  # the lowest tier among the apps on hot links, alone
            tiered = np.where(hot, rank[None, :], -1)
            keep = ~blind[rows, None] | (tiered == tiered.max(axis=1)[:, None])
            hot &= keep
            cand[rows] = np.where(blind[rows, None], hot, cand[rows])
        rows = rows[hot.any(axis=1)]
    if rows.size:
        index = np.broadcast_to(np.arange(n_apps), (len(rows), n_apps))
        prank = np.broadcast_to(cx.priority_rank, (len(rows), n_apps))
        order = _order((index, -demand[rows], -prank, ~cand[rows]))
        for k in range(int(cand[rows].sum(axis=1).max())):
            _offload_one(w, rows, order[:, k], cand, moved)
    _returns(w, start, moved, blind)


def _returns(w: Work, start: FloatArray, moved: BoolArray, blind: BoolArray) -> None:
    """Return: only sites with an offloaded app whose home was under its lower threshold at
    the start of the phase."""
    cx = w.cx
    n_apps = w.link.shape[1]
    cool_links = start < cx.lower
    homes_cool = np.zeros(w.off.shape, dtype=np.bool_)
    for k in range(cool_links.shape[1]):  # a few links: cheaper than gathering per app
        homes_cool |= (w.off == k) & cool_links[:, k, None]
    homes_cool &= ~moved
    rows = np.nonzero(homes_cool.any(axis=1))[0] if homes_cool.any() else _NONE
    if rows.size:
        back = np.zeros(w.link.shape, dtype=np.bool_)
        back[rows] = (w.off[rows] >= 0) & ~moved[rows]
        cool = homes_cool[rows]
        if blind[rows].any():  # the highest tier among the apps whose home is cool, alone
            rank = cx.priority_rank.astype(np.int64)
            tiered = np.where(cool, rank[None, :], np.iinfo(np.int64).max)
            keep = tiered == tiered.min(axis=1)[:, None]
            cool &= keep | ~blind[rows, None]
            back[rows] = np.where(blind[rows, None], cool, back[rows])
    if rows.size:
        index = np.broadcast_to(np.arange(n_apps), (len(rows), n_apps))
        prank = np.broadcast_to(cx.priority_rank, (len(rows), n_apps))
        order = _order((index, w.obs.demand_mbps[rows], prank, ~back[rows]))
        for k in range(int(back[rows].sum(axis=1).max())):
            _return_one(w, rows, order[:, k], back, start)


def _may_shed(w: Work, blind: BoolArray) -> BoolArray:
    """(S, L): whether the smallest app that could be offloaded from each link would pass the
    hub's guards of `_offload_one` at the loads the phase starts from. A smaller app passes
    both more easily, so where it does not, no app leaves that link: not being over its
    threshold for the rule changes nothing, and spares the work while a hub stays just over."""
    cx = w.cx
    demand = w.obs.demand_mbps
    movable = (
        cx.offloadable[None, :] & (w.off < 0) & (w.link == w.home) & (w.kind == ELIGIBLE)
        & ((demand > 0) | blind[:, None])
    )  # fmt: skip
    sized = np.where(blind[:, None], 0.0, demand)  # the tier rule moves apps of unknown demand
    smallest = np.stack(
        [np.where(movable & (w.link == k), sized, np.inf).min(axis=1)
         for k in range(w.load.shape[1])], axis=1,
    )  # fmt: skip
    relief = smallest / w.relief
    swing = w.load - relief < cx.lower
    late = cx.hub_turn[:, None] * relief >= w.load - cx.upper
    sheds: BoolArray = ~(w.hub_led & (swing | late))
    return sheds


def _offload_one(
    w: Work, rows: IntArray, apps: IntArray, cand: BoolArray, moved: BoolArray
) -> None:
    cx = w.cx
    home = w.link[rows, apps]
    homec = np.maximum(home, 0)
    load = w.load[rows, homec]
    trig = cand[rows, apps] & (load > cx.upper[rows, homec])
    # Off a hub-led link, every branch riding the hub sheds alike: a move that by itself takes
    # the hub under the lower threshold would swing it across the band, and everything would
    # come back on the next sample. Not that move, then (a smaller app may still go).
    relief = w.obs.demand_mbps[rows, apps] / w.relief[rows, homec]
    swing = load - relief < cx.lower[rows, homec]
    # And they shed in turn: a branch goes only if its place in the order (hub_turn) is within
    # the part of the branches whose moves together clear the excess.
    late = cx.hub_turn[rows] * relief >= load - cx.upper[rows, homec]
    trig &= ~(w.hub_led[rows, homec] & (swing | late))
    if not trig.any():
        return
    r, a, h = rows[trig], apps[trig], home[trig]
    eligible = w.eligible_links(r, a)
    eligible[np.arange(len(r)), h] = False
    with_room = w.load[r] + w.obs.demand_mbps[r, a][:, None] / w.obs.capacity_mbps[r] <= cx.upper[r]
    eligible &= np.where(cx.has_share[a][:, None], with_room, True)
    to, ok = _first(eligible, cx.pref_rank[r, a])
    if not ok.any():
        return
    r, a, h, to = r[ok], a[ok], h[ok], to[ok]
    reasons = Encoded.measured(Rule.OFFLOAD, h, w.load_metric(r, h), w.load[r, h], cx.upper[r, h])
    w.reasons.write(r, a, reasons)
    w.move(r, a, to)
    w.off[r, a] = h
    moved[r, a] = True


def _return_one(
    w: Work, rows: IntArray, apps: IntArray, back: BoolArray, start: FloatArray
) -> None:
    cx = w.cx
    home = np.maximum(w.off[rows, apps], 0)
    trig = back[rows, apps] & (start[rows, home] < cx.lower[rows, home])
    if not trig.any():
        return
    r, a, h = rows[trig], apps[trig], home[trig]
    if cx.policy.predictive_return:
        predicted = w.load[r, h] + w.share(r, a, h)
        ok = predicted <= cx.upper[r, h]
        r, a, h, predicted = r[ok], a[ok], h[ok], predicted[ok]
        reasons = Encoded.measured(Rule.RETURN, h, w.load_metric(r, h), start[r, h], cx.lower[r, h])
        reasons.predicted[:] = predicted
        reasons.ceiling[:] = cx.upper[r, h]
    else:
        reasons = Encoded.measured(
            Rule.RETURN_LITERAL, h, w.load_metric(r, h), start[r, h], cx.lower[r, h]
        )
    w.reasons.write(r, a, reasons)
    w.move(r, a, h)
    w.off[r, a] = -1
