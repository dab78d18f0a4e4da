"""The vectorised path: the rules of `policies/reference.py` for every site at once.

Phases 1-3 are plain array expressions over (sites, links, classes) and (sites, apps).
Phases 4-5 (bandwidth share, hysteresis) are sequential within a site, because each move
changes the load the next app sees; they loop over the apps' positions in the placement order
with array operations across sites, and only over the sites where something can move (a site
where no app's check fails at the start of a phase keeps every app where it is).
Reasons are encoded only where an app moves, so the hot path builds no Python objects.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from policies.batch.encoded import ReasonWriter
from policies.batch.load import hysteresis, share
from policies.batch.reasons import why
from policies.batch.work import ELIGIBLE, FALLBACK, NONE, Work, class_scores
from policies.compiled import NO_RANK, RUN_CAP, BoolArray, Compiled, FloatArray, IntArray
from policies.decisions import BatchDecisions
from policies.observations import BatchObservations, path_load
from policies.sla import meets_sla
from policies.state import BatchState

_UNSET: IntArray = np.zeros((0, 0), dtype=np.int8)
_LOST = np.array([NONE, FALLBACK], dtype=np.int8)  # kind of an app with no eligible link, by any_up


class Damped(NamedTuple):
    """Phase 1 results, (S, L, K) each."""

    bad_run: IntArray
    good_run: IntArray
    bad: BoolArray
    violated: BoolArray
    last_bad: FloatArray
    hold: FloatArray
    last_clear: FloatArray


def step_batch(
    cx: Compiled, state: BatchState, obs: BatchObservations, now: float
) -> tuple[BatchState, BatchDecisions]:
    """One evaluation of every site; exactly the decisions of `reference.step_site`."""
    d = _dampen(cx, state, obs, now)
    path = path_load(
        obs.utilization, obs.capacity_mbps, obs.hub_utilization, cx.policy.hub_utilization
    )
    work = Work(
        cx=cx,
        now=now,
        obs=obs,
        bad=d.bad,
        violated=d.violated,
        last_bad=d.last_bad,
        hold=d.hold,
        eligible=_UNSET,  # eligible, home and kind are set by _homes
        home=_UNSET,
        kind=_UNSET,
        load=path.load,
        hub_led=path.hub_led,
        relief=path.relief_mbps,
        link=state.link.copy(),
        off=state.offload_from.copy(),
        reasons=ReasonWriter(state),
    )
    _homes(work)
    _go_home(work)
    share(work)
    hysteresis(work)
    new_state = BatchState(
        bad_run=d.bad_run,
        good_run=d.good_run,
        violated=d.violated,
        last_bad=d.last_bad,
        hold=d.hold,
        last_clear=d.last_clear,
        link=work.link,
        offload_from=work.off,
        **work.reasons.arrays(),
    )
    return new_state, BatchDecisions(cx, state.link, new_state)


def _dampen(cx: Compiled, state: BatchState, obs: BatchObservations, now: float) -> Damped:
    damp = cx.policy.sla_dampening
    up = obs.up
    # Most links meet even the strictest class: test those per link, the rest per class.
    clean = up & meets_sla(obs.latency_ms, obs.jitter_ms, obs.loss_pct, cx.strictest)
    bad = np.zeros(state.violated.shape, dtype=np.bool_)
    n = np.flatnonzero(~clean)  # flat (site, slot) indices: cheaper than a 2-D nonzero
    if n.size:
        meets = meets_sla(
            obs.latency_ms.reshape(-1)[n, None],
            obs.jitter_ms.reshape(-1)[n, None],
            obs.loss_pct.reshape(-1)[n, None],
            (cx.max_latency, cx.max_jitter, cx.max_loss),
        )
        bad.reshape(-1, cx.n_classes)[n] = ~meets | ~up.reshape(-1)[n, None]
    bad_run = np.minimum(state.bad_run, RUN_CAP - 1)
    bad_run += 1
    bad_run *= bad
    good_run = np.minimum(state.good_run, RUN_CAP - 1)
    good_run += 1
    good_run *= ~bad
    last_bad = state.last_bad.copy()
    np.putmask(last_bad, bad, now)
    # A down link is bad for every class, and a run of bad samples implies a bad sample.
    entering = (~up[:, :, None] | (bad_run >= damp.bad_samples)) & ~state.violated
    violated = state.violated | entering
    hold, last_clear = state.hold, state.last_clear  # copied below only if they change
    if entering.any():
        # Flap dampening: re-entering soon after leaving doubles the hold-down.
        idx = np.flatnonzero(entering)
        hold = hold.copy()
        flat_hold = hold.reshape(-1)
        recent = now - last_clear.reshape(-1)[idx] < damp.flap_window_s
        flat_hold[idx] = np.where(
            recent, np.minimum(flat_hold[idx] * 2, damp.max_hold_down_s), damp.hold_down_s
        )
    # Leaving needs the float hold-down test; evaluate it only where the counts allow it.
    idx = np.flatnonzero(violated & (good_run >= damp.good_samples))
    if idx.size:
        leave = now - last_bad.reshape(-1)[idx] >= hold.reshape(-1)[idx]
        violated.reshape(-1)[idx] = ~leave
        if leave.any():
            last_clear = last_clear.copy()
            last_clear.reshape(-1)[idx[leave]] = now
    return Damped(bad_run, good_run, bad, violated, last_bad, hold, last_clear)


def _homes(w: Work) -> None:
    cx, obs = w.cx, w.obs
    n_links = obs.up.shape[1]
    # Eligible links as a bitmask per (site, class). A down link is always violated (phase 1),
    # so "up and not violated" is "not violated".
    ok = ~w.violated
    bits_c = ok[:, 0, :].astype(np.uint8)
    for slot in range(1, n_links):
        bits_c |= ok[:, slot, :].astype(np.uint8) << np.uint8(slot)
    bits = np.take(bits_c, cx.profile_class, axis=1)  # (S, P)
    regular = bits & cx.regular_bits[:, None]
    w.eligible = np.where(regular != 0, regular, bits)
    home_p = np.take(cx.first_of, cx.first_base + w.eligible)  # first_of[s, p, eligible]
    home = np.take(home_p, cx.profile, axis=1)
    has = home >= 0
    if has.all():  # the usual case: every app has an eligible link
        w.home, w.kind = home, np.zeros(home.shape, dtype=np.int8)
        return
    w.home = np.where(has, home, w.link)
    any_up: BoolArray = np.asarray(obs.up.any(axis=1))
    w.kind = np.where(has, np.int8(ELIGIBLE), _LOST[any_up.view(np.uint8)][:, None])
    rows, apps = np.nonzero(~has & any_up[:, None])
    if rows.size == 0:
        return
    # Best effort: the up link with the lowest quality score, the current link with a bonus.
    score = class_scores(cx, obs, rows, cx.app_class[apps])
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
    cur = w.link
    stay = np.zeros(cur.shape, dtype=np.bool_)
    offloaded = w.off >= 0
    if offloaded.any():  # offloaded apps are few: look only at them
        r, a = np.nonzero(offloaded)
        keep = (w.off[r, a] == w.home[r, a]) & w.eligible_at(r, a, cur[r, a])
        stay[r, a] = keep
        # w.off is this step's own copy. Never share-only: those are never offloaded.
        w.off[r[~keep], a[~keep]] = -1
    moving = (w.home != cur) & (w.home >= 0) & ~stay & ~cx.share_only[None, :]
    if not moving.any():
        return
    r, a = np.nonzero(moving)
    to = w.home[r, a]
    w.reasons.write(r, a, why(w, r, a, cur[r, a], to))
    # Apps move in index order at each site, as in reference.py, so the float sums agree.
    for app in np.unique(a):
        sel = a == app
        w.move(r[sel], a[sel], to[sel])
