"""A policy applied to a network, precomputed once into arrays both engine paths read.

Only static facts live here (thresholds, preference ranks, which app uses which mode); all
dynamic logic is in `reference.py` (per site) and `batch*.py` (vectorised).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from policies.errors import PolicyError
from policies.network import Network
from policies.policy import ROLE_ORDER, Mode, Policy
from sites.enums import LinkRole, Priority

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

PRIORITY_RANK = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}
RUN_CAP = 1 << 30  # sample counters saturate here instead of overflowing int32 (34 years at 1 s)
NO_RANK = 1 << 20  # rank of an absent link slot: never chosen


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
    classes = network.sla_classes
    class_idx = {c.name: i for i, c in enumerate(classes)}
    inf = math.inf
    n_sites, n_links, n_apps = len(network.sites), network.max_links, len(network.apps)

    present = np.zeros((n_sites, n_links), dtype=np.bool_)
    regular = np.zeros((n_sites, n_links), dtype=np.bool_)
    upper = np.ones((n_sites, n_links))
    lower = np.full((n_sites, n_links), 0.5)
    effective = np.zeros((n_sites, n_links), dtype=np.int64)
    for s, site in enumerate(network.sites):
        for slot, link in enumerate(site.links):
            present[s, slot] = True
            eff = link.role
            if link.metered and policy.metered_last_resort_only:
                eff = LinkRole.LAST_RESORT
            regular[s, slot] = eff is not LinkRole.LAST_RESORT
            effective[s, slot] = ROLE_ORDER.index(eff)
            band = policy.utilization[link.role]
            upper[s, slot], lower[s, slot] = band.upper, band.lower

    pref_rank = np.full((n_sites, n_apps, n_links), NO_RANK, dtype=np.int64)
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

    return Compiled(
        policy=policy,
        network=network,
        max_latency=np.array([c.max_latency_ms for c in classes] + [inf]),
        max_jitter=np.array([c.max_jitter_ms for c in classes] + [inf]),
        max_loss=np.array([c.max_loss_pct for c in classes] + [inf]),
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
    )
