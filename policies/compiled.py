"""A policy applied to a network, precomputed once into arrays both engine paths read.

Only static facts live here (thresholds, preference ranks, which app uses which mode); all
dynamic logic is in `reference.py` (per site) and `batch/` (vectorised).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from policies.errors import PolicyError
from policies.network import Network
from policies.policy import ROLE_ORDER, Mode, Policy
from sites.enums import LinkRole, Priority

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.signedinteger[Any]]  # int8 slots, int16 ranks, int64 indices
FloatArray = npt.NDArray[np.float64]

PRIORITY_RANK = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}
RUN_CAP = 30_000  # sample counters saturate here (int16); K and M are validated far below
MAX_LINKS = 8  # per site: link sets are uint8 bitmasks (a branch CPE has 1-4 WAN links)
NO_RANK = 1000  # rank of an absent link slot: never chosen (ranks fit int16)


@dataclass(frozen=True, eq=False)
class Compiled:
    """Policy x network. Class index `reach` is the pseudo-class "reachable" (only down is bad)
    that apps without SLA mode use, so one dampening kernel serves both."""

    policy: Policy
    network: Network
    max_latency: FloatArray  # (K,) per class, inf for `reach`
    max_jitter: FloatArray
    max_loss: FloatArray
    class_names: tuple[str, ...]  # (K-1,) SLA class names
    present: BoolArray  # (S, L) slot holds a link
    regular: BoolArray  # (S, L) not last resort (by role, or because metered)
    upper: FloatArray  # (S, L) utilization thresholds by the link's role
    lower: FloatArray
    app_class: IntArray  # (A,) class index the app's eligibility uses
    pref_rank: IntArray  # (S, A, L) lower is preferred; NO_RANK for absent slots
    has_sla: BoolArray  # (A,)
    has_share: BoolArray
    share_only: BoolArray  # share without hysteresis: placed by the share rule alone
    offloadable: BoolArray  # hysteresis mode and a priority the utilization rule may move
    priority_rank: IntArray  # (A,) 0 high, 1 medium, 2 low
    profile: IntArray  # (A,) apps with the same class and preference share a profile
    profile_class: IntArray  # (P,)
    profile_app: IntArray  # (P,) one app of each profile, to read its preference ranks
    profile_rank: IntArray  # (S, L, P) pref_rank of each profile, laid out for argmin over L
    first_of: IntArray  # (S, P, 2**L) most preferred slot in a bitmask of links, -1 if none
    first_base: IntArray  # (S, P) offset of each (site, profile) row in first_of.ravel()
    regular_bits: IntArray  # (S,) bitmask of the regular (not last-resort) links
    strictest: tuple[float, float, float]  # lowest latency, jitter and loss limit of any class
    hub_turn: FloatArray  # (S,) place in [0, 1) in the order branches shed off a busy hub

    @property
    def reach(self) -> int:
        return len(self.class_names)

    @property
    def n_classes(self) -> int:
        return len(self.class_names) + 1


def compile_policy(policy: Policy, network: Network) -> Compiled:
    """Check the policy against the network and precompute everything static."""
    unknown = sorted(set(policy.applications) - set(network.app_index))
    if unknown:
        raise PolicyError(
            f"applications: no application named {', '.join(map(repr, unknown))} in the "
            f"network (known: {', '.join(a.name for a in network.apps)})"
        )
    # Only the classes some SLA-mode app uses get dampening state (fewer arrays per step).
    used = {a.sla.name for a in network.apps if Mode.SLA in policy.for_app(a.name).modes}
    classes = tuple(c for c in network.sla_classes if c.name in used)
    class_idx = {c.name: i for i, c in enumerate(classes)}
    inf = math.inf
    n_sites, n_links, n_apps = len(network.sites), network.max_links, len(network.apps)
    if n_links > MAX_LINKS:
        raise PolicyError(f"a site has {n_links} links; the engine handles up to {MAX_LINKS}")

    present = np.zeros((n_sites, n_links), dtype=np.bool_)
    regular = np.zeros((n_sites, n_links), dtype=np.bool_)
    upper = np.ones((n_sites, n_links))
    lower = np.full((n_sites, n_links), 0.5)
    effective = np.zeros((n_sites, n_links), dtype=np.int64)
    for s, site in enumerate(network.sites):
        for slot, link in enumerate(site.links):
            present[s, slot] = True
            eff = policy.effective_role(link.role, link.metered)
            regular[s, slot] = eff is not LinkRole.LAST_RESORT
            effective[s, slot] = ROLE_ORDER.index(eff)
            band = policy.utilization[link.role]
            upper[s, slot], lower[s, slot] = band.upper, band.lower

    pref_rank = np.full((n_sites, n_apps, n_links), NO_RANK, dtype=np.int16)
    app_class = np.zeros(n_apps, dtype=np.int64)
    flags = {m: np.zeros(n_apps, dtype=np.bool_) for m in Mode}
    offloadable = np.zeros(n_apps, dtype=np.bool_)
    prank = np.zeros(n_apps, dtype=np.int64)
    profiles: dict[tuple[int, tuple[LinkRole, ...]], int] = {}
    profile = np.zeros(n_apps, dtype=np.int64)
    slots = np.arange(n_links)
    for a, app in enumerate(network.apps):
        ap = policy.for_app(app.name)
        for m in ap.modes:
            flags[m][a] = True
        app_class[a] = class_idx[app.sla.name] if Mode.SLA in ap.modes else len(classes)
        prank[a] = PRIORITY_RANK[app.priority]
        offloadable[a] = Mode.HYSTERESIS in ap.modes and app.priority in policy.offload_priorities
        order = policy.preference_of(app.name)
        position = np.array([order.index(r) for r in ROLE_ORDER])
        # Rank = role position, then inventory order within a role; unique per site.
        ranks = position[effective] * n_links + slots[None, :]
        pref_rank[:, a, :] = np.where(present, ranks, NO_RANK)
        profile[a] = profiles.setdefault((int(app_class[a]), order), len(profiles))
    profile_class = np.zeros(len(profiles), dtype=np.int64)
    profile_app = np.zeros(len(profiles), dtype=np.int64)
    for a in range(n_apps - 1, -1, -1):
        profile_class[profile[a]] = app_class[a]
        profile_app[profile[a]] = a

    first_of = _first_of(pref_rank[:, profile_app, :])
    max_latency = np.array([c.max_latency_ms for c in classes] + [inf])
    max_jitter = np.array([c.max_jitter_ms for c in classes] + [inf])
    max_loss = np.array([c.max_loss_pct for c in classes] + [inf])
    return Compiled(
        policy=policy,
        network=network,
        max_latency=max_latency,
        max_jitter=max_jitter,
        max_loss=max_loss,
        class_names=tuple(c.name for c in classes),
        present=present,
        regular=regular,
        upper=upper,
        lower=lower,
        app_class=app_class,
        pref_rank=pref_rank,
        has_sla=flags[Mode.SLA],
        has_share=flags[Mode.SHARE],
        share_only=flags[Mode.SHARE] & ~flags[Mode.HYSTERESIS],
        offloadable=offloadable,
        priority_rank=prank,
        profile=profile,
        profile_class=profile_class,
        profile_app=profile_app,
        profile_rank=np.ascontiguousarray(pref_rank[:, profile_app, :].transpose(0, 2, 1)),
        first_of=first_of,
        first_base=np.arange(n_sites * len(profiles)).reshape(n_sites, -1) << n_links,
        regular_bits=(regular.astype(np.int64) << np.arange(n_links)).sum(axis=1).astype(np.uint8),
        strictest=(float(max_latency.min()), float(max_jitter.min()), float(max_loss.min())),
        hub_turn=hub_turns(s.id for s in network.sites),
    )


def hub_turns(site_ids: Iterable[str]) -> FloatArray:
    """Each site's place in [0, 1) in the order branches shed load off a busy hub: a hash of
    its id, so the same in every engine that holds the site (the controller's groups, the
    simulator). When every branch on a hub sees the same excess, the first (excess / one
    move's relief) of them move, not all (policies.batch.load._offload_one)."""
    return np.array([zlib.crc32(i.encode()) / 2**32 for i in site_ids], dtype=np.float64)


def _first_of(ranks: IntArray) -> IntArray:
    """For every site, profile and bitmask of eligible links: the most preferred of them.
    Turns "first eligible link in preference order" into one table lookup per step."""
    n_sites, n_profiles, n_links = ranks.shape
    table = np.full((n_sites, n_profiles, 1 << n_links), -1, dtype=np.int8)
    bits = (np.arange(1 << n_links)[:, None] >> np.arange(n_links)) & 1  # (masks, L)
    for mask in range(1, 1 << n_links):
        masked = np.where(bits[mask].astype(np.bool_), ranks, 2 * NO_RANK)
        table[:, :, mask] = masked.argmin(axis=2)
    return table
