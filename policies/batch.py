"""The vectorised path: the rules of `reference.py` for every site at once.

Phases 1-3 are plain array expressions over (sites, links, classes) and (sites, apps).
Phases 4-5 (bandwidth share, hysteresis) are sequential within a site, because each move
changes the load the next app sees; they loop over the apps' positions in the placement order
with array operations across sites, and only over the sites where something can move (a site
where no app's check fails at the start of a phase keeps every app where it is).
Reasons are encoded only where an app moves, so the hot path builds no Python objects.
"""

from __future__ import annotations

import numpy as np

from policies.batch_load import hysteresis, share
from policies.batch_reasons import ReasonWriter, why
from policies.batch_work import ELIGIBLE, FALLBACK, NONE, Work, quality_score
from policies.compiled import NO_RANK, RUN_CAP, BoolArray, Compiled, FloatArray
from policies.decisions import BatchDecisions
from policies.observations import BatchObservations
from policies.state import BatchState


def step_batch(
    cx: Compiled, state: BatchState, obs: BatchObservations, now: float
) -> tuple[BatchState, BatchDecisions]:
    """One evaluation of every site; exactly the decisions of `reference.step_site`."""
    bad_run, good_run, bad, violated, last_bad = _dampen(cx, state, obs, now)
    work = Work(
        cx=cx,
        now=now,
        obs=obs,
        bad=bad,
        violated=violated,
        last_bad=last_bad,
        eligible=np.empty((0, 0, 0), dtype=np.bool_),
        home=state.link.copy(),
        kind=np.zeros_like(state.link),
        load=obs.utilization.copy(),
        link=state.link.copy(),
        off=state.offload_from.copy(),
        reasons=ReasonWriter.copy_of(state),
    )
    _homes(work)
    _go_home(work)
    share(work)
    hysteresis(work)
    new_state = BatchState(
        bad_run=bad_run,
        good_run=good_run,
        violated=violated,
        last_bad=last_bad,
        link=work.link,
        offload_from=work.off,
        **work.reasons.arrays(),
    )
    return new_state, BatchDecisions(cx, state.link, new_state)


def _dampen(
    cx: Compiled, state: BatchState, obs: BatchObservations, now: float
) -> tuple[
    np.ndarray[tuple[int, ...], np.dtype[np.int32]],
    np.ndarray[tuple[int, ...], np.dtype[np.int32]],
    BoolArray,
    BoolArray,
    FloatArray,
]:
    damp = cx.policy.sla_dampening
    down = ~obs.up[:, :, None]
    bad = (
        down
        | (obs.latency_ms[:, :, None] > cx.max_latency)
        | (obs.jitter_ms[:, :, None] > cx.max_jitter)
        | (obs.loss_pct[:, :, None] > cx.max_loss)
    )
    bad_run = np.where(bad, np.minimum(state.bad_run + 1, RUN_CAP), 0).astype(np.int32)
    good_run = np.where(bad, 0, np.minimum(state.good_run + 1, RUN_CAP)).astype(np.int32)
    last_bad = np.where(bad, now, state.last_bad)
    enter = bad & (down | (bad_run >= damp.bad_samples))
    leave = (
        state.violated
        & ~bad
        & (good_run >= damp.good_samples)
        & (now - last_bad >= damp.hold_down_s)
    )
    violated = (state.violated | enter) & ~leave
    return bad_run, good_run, bad, violated, last_bad


def _homes(w: Work) -> None:
    cx, obs = w.cx, w.obs
    usable = obs.up[:, None, :] & ~np.moveaxis(w.violated[:, :, cx.profile_class], 2, 1)
    regular = usable & cx.regular[:, None, :]
    w.eligible = np.where(regular.any(axis=2, keepdims=True), regular, usable)  # (S, P, L)
    ranks = cx.pref_rank[:, cx.profile_app, :]  # (S, P, L)
    masked = np.where(w.eligible, ranks, 2 * NO_RANK)
    home_p = masked.argmin(axis=2)
    has_p: BoolArray = np.asarray(w.eligible.any(axis=2))
    has = has_p[:, cx.profile]
    w.home = np.where(has, home_p[:, cx.profile], w.link)
    any_up: BoolArray = np.asarray(obs.up.any(axis=1))
    w.kind = np.where(has, ELIGIBLE, np.where(any_up[:, None], FALLBACK, NONE))
    rows, apps = np.nonzero(~has & any_up[:, None])
    if rows.size == 0:
        return
    # Best effort: the up link with the lowest quality score, the current link with a bonus.
    score = quality_score(cx, obs, rows, cx.app_class[apps])
    keep = 1.0 - cx.policy.best_effort_margin
    cur = w.link[rows, apps]
    slots = np.arange(obs.up.shape[1])
    eff = np.where(slots[None, :] == cur[:, None], score * keep, score)
    eff = np.where(obs.up[rows], eff, np.inf)
    best = eff.min(axis=1, keepdims=True)
    tied = obs.up[rows] & (eff == best)
    rank = cx.pref_rank[rows, apps]
    w.home[rows, apps] = np.where(tied, rank, 2 * NO_RANK).argmin(axis=1)


def _go_home(w: Work) -> None:
    cx = w.cx
    n_sites, n_apps = w.link.shape
    rows = np.broadcast_to(np.arange(n_sites)[:, None], (n_sites, n_apps))
    apps = np.broadcast_to(np.arange(n_apps)[None, :], (n_sites, n_apps))
    cur, off = w.link, w.off
    managed = ~cx.share_only[None, :]
    stay = (off >= 0) & (off == w.home) & w.eligible_at(rows, apps, cur)
    w.off = np.where(managed & (off >= 0) & ~stay, -1, off)
    moving = managed & ~stay & (w.home != cur) & (w.home >= 0)
    r, a = np.nonzero(moving)
    if r.size == 0:
        return
    to = w.home[r, a]
    w.reasons.write(r, a, why(w, r, a, cur[r, a], to))
    # Apps move in index order at each site, as in reference.py, so the float sums agree.
    for app in np.unique(a):
        sel = a == app
        w.move(r[sel], a[sel], to[sel])
