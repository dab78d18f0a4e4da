"""The stateful shell around the engine, one for every caller: the controller's reconcile loop,
its preview of a proposed policy, and the replay of recorded telemetry.

The engine is pure; something must hold its state between steps. The shell keeps one
`PolicyEngine` and one `BatchState` per policy version in force (the sites that version governs,
in network order) and steps them all on the vectorised path. A site whose governing version or
own definition changes starts again from the engine's initial state; every other site keeps its
state, whatever happens to the rest of the network.

What it hands back are the decisions a caller has to record: those that move an application
(or place it for the first time), and every decision of a site the caller asked to hear about
in full (`resync`: after the caller's own record of where applications are was lost or may be
stale, and for a site that starts again). Reasons are decoded only for those, so a steady tick
over 10,000 sites builds no Python object per application.

Pure: no clock, no I/O. `now` is handed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np

from policies.compiled import BoolArray, IntArray
from policies.engine import PolicyEngine
from policies.governance import InForce
from policies.network import Network
from policies.observations import BatchObservations
from policies.policy import Policy
from policies.reasons import Decision
from policies.state import BatchState

_STATE_FIELDS = tuple(f.name for f in fields(BatchState))


@dataclass
class _Group:
    """The sites one policy version governs, its engine and their state."""

    policy: InForce
    engine: PolicyEngine
    rows: IntArray  # the group's sites as indices into the shell's whole network
    state: BatchState


class EngineShell:
    """Engines by governing policy version, and the state of every site between steps."""

    def __init__(self) -> None:
        self._network: Network | None = None
        self._groups: dict[tuple[str, int], _Group] = {}
        self._resync: BoolArray = np.zeros(0, dtype=np.bool_)

    @property
    def network(self) -> Network | None:
        """Every site governed, in the order observations are packed (None before `govern`)."""
        return self._network

    def govern(self, network: Network, governing: Mapping[str, InForce]) -> None:
        """Take a (possibly new) network and who governs each of its sites. A site keeps its
        state if its definition, the applications and its governing version are unchanged."""
        old_network, old_groups = self._network, self._groups
        kept_apps = old_network is not None and old_network.apps == network.apps
        old_site = {s.id: s for s in old_network.sites} if old_network is not None else {}
        members: dict[tuple[str, int], list[int]] = {}
        for row, site in enumerate(network.sites):
            members.setdefault(governing[site.id].key, []).append(row)
        resync = np.ones(len(network.sites), dtype=np.bool_)
        groups: dict[tuple[str, int], _Group] = {}
        for key, rows in members.items():
            policy = governing[network.sites[rows[0]].id]
            ids = [network.sites[r].id for r in rows]
            engine = PolicyEngine(policy.policy, _subnetwork(network, rows))
            state = engine.initial_state()
            old = old_groups.get(key)
            if old is not None and kept_apps:
                at_old = {old.engine.network.sites[i].id: i for i in range(len(old.rows))}
                keep = [
                    (i, at_old[site_id])
                    for i, site_id in enumerate(ids)
                    if site_id in at_old and old_site.get(site_id) == network.sites[rows[i]]
                ]
                if keep:
                    new_i, old_i = (np.array(v, dtype=np.intp) for v in zip(*keep, strict=True))
                    state = _copy_rows(state, new_i, old.state, old_i)
                    # A kept site still owes what it owed (e.g. not yet observed since it began).
                    resync[np.asarray(rows)[new_i]] = self._resync[old.rows[old_i]]
            groups[key] = _Group(policy, engine, np.asarray(rows, dtype=np.intp), state)
        self._network, self._groups, self._resync = network, groups, resync

    def resync(self) -> None:
        """Report every application of each site at its next observed step, moved or not."""
        self._resync[:] = True

    def step(
        self, observations: BatchObservations, observed: BoolArray, now: float
    ) -> list[tuple[InForce, list[Decision]]]:
        """Step every observed site (`observations` over the whole network; `observed[i]`:
        site i had a fresh sample of every link). Unobserved sites keep their state. Returns
        what to record, by governing policy version: sites in network order, applications in
        catalogue order."""
        found = []
        for group in self._groups.values():
            seen = observed[group.rows]
            if not seen.any():
                continue
            sub = observations.subset(group.rows, group.engine.network.max_links)
            state, decisions = group.engine.step(group.state, sub, now)
            if not seen.all():
                state = _merge(group.state, state, seen)
            report = (state.link != group.state.link) | self._resync[group.rows][:, None]
            report &= seen[:, None]
            self._resync[group.rows[seen]] = False
            group.state = state
            if report.any():
                found.append((group.policy, decisions.decisions(*np.nonzero(report))))
        return found

    def what_if(
        self,
        policy: Policy,
        site_ids: Sequence[str],
        observations: BatchObservations,
        observed: BoolArray,
        now: float,
    ) -> list[Decision]:
        """Every decision `policy` would make at the observed sites of `site_ids`, each
        starting from the state the shell holds for it (the dampening counters describe the
        links, not the policy, so they carry over). Changes nothing."""
        network = self._network
        if network is None:
            return []
        index = network.site_index
        rows = np.array([index[s] for s in site_ids if observed[index[s]]], dtype=np.intp)
        if rows.size == 0:
            return []
        engine = PolicyEngine(policy, _subnetwork(network, list(rows)))
        state = engine.initial_state()
        for group in self._groups.values():
            where = {int(r): i for i, r in enumerate(group.rows)}
            pairs = [(i, where[int(r)]) for i, r in enumerate(rows) if int(r) in where]
            if pairs and group.state.bad_run.shape[2] == state.bad_run.shape[2]:
                new_i, old_i = (np.array(v, dtype=np.intp) for v in zip(*pairs, strict=True))
                state = _copy_rows(state, new_i, group.state, old_i)
        sub = observations.subset(rows, engine.network.max_links)
        _, decisions = engine.step(state, sub, now)
        return list(decisions)


def _subnetwork(network: Network, rows: Sequence[int]) -> Network:
    return Network(tuple(network.sites[r] for r in rows), network.apps)


def _copy_rows(
    into: BatchState, rows: IntArray, source: BatchState, source_rows: IntArray
) -> BatchState:
    """`into` with the given rows taken from `source` (link slots as far as both have them)."""
    out = {}
    for name in _STATE_FIELDS:
        target = getattr(into, name).copy()
        values = getattr(source, name)[source_rows]
        if target.ndim == 3:  # (sites, link slots, classes): the padding may differ
            n = min(target.shape[1], values.shape[1])
            target[rows, :n] = values[:, :n]
        else:
            target[rows] = values
        out[name] = target
    return BatchState(**out)


def _merge(old: BatchState, new: BatchState, seen: BoolArray) -> BatchState:
    """The new state for the sites seen, the old one for the others."""
    out = {}
    for name in _STATE_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        mask = seen.reshape((-1,) + (1,) * (after.ndim - 1))
        out[name] = np.where(mask, after, before)
    return BatchState(**out)
