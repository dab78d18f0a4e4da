"""The static shape health is scored on: sites, link slots and SLA classes, as arrays.

Built once per inventory version (like `policies.network.Network`), so that scoring 10,000
sites is a handful of numpy operations rather than a loop over Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sites.enums import Priority, SiteRole
from sites.inventory import Inventory
from telemetry.batch import BoolArray, FloatArray
from telemetry.errors import TelemetryError

Int8Array = npt.NDArray[np.int8]
IndexArray = npt.NDArray[np.intp]


class HealthLayoutError(TelemetryError, ValueError):
    """The health rules name something the inventory does not have."""


@dataclass(frozen=True, eq=False)
class HealthLayout:
    """Sites in inventory order, each with up to `max_links` link slots, and the SLA classes.

    `slot[(site, link)]` is the flat index `site_index * max_links + link_position`.
    """

    site_ids: tuple[str, ...]
    link_ids: tuple[tuple[str, ...], ...]
    hubs: tuple[tuple[str, ...], ...]
    is_hub: BoolArray  # (S,)
    max_links: int
    valid: BoolArray  # (S, L): the slot holds a real link
    slot: dict[tuple[str, str], int]
    class_names: tuple[str, ...]  # (K,)
    max_latency: FloatArray  # (K,)
    max_jitter: FloatArray  # (K,)
    max_loss: FloatArray  # (K,)
    critical: BoolArray  # (K,): a site must keep each of these on some link
    app_class: dict[str, int]  # application -> index into the classes

    @property
    def site_index(self) -> dict[str, int]:
        return {site: i for i, site in enumerate(self.site_ids)}

    @classmethod
    def from_inventory(
        cls, inventory: Inventory, critical_classes: frozenset[str] | None = None
    ) -> HealthLayout:
        """Compile an inventory. `critical_classes` None: those of high-priority apps."""
        classes = inventory.sla_classes
        names = tuple(c.name for c in classes)
        if critical_classes is None:
            by_name = {a.name: a for a in inventory.applications}
            critical_classes = frozenset(
                a.sla_class for a in by_name.values() if a.priority is Priority.HIGH
            )
        unknown = sorted(critical_classes - set(names))
        if unknown:
            raise HealthLayoutError(f"critical SLA classes {unknown} are not in the inventory")
        sites = inventory.sites
        width = max(len(s.links) for s in sites)
        valid = np.zeros((len(sites), width), dtype=np.bool_)
        slot: dict[tuple[str, str], int] = {}
        for i, site in enumerate(sites):
            valid[i, : len(site.links)] = True
            for k, link in enumerate(site.links):
                slot[(site.id, link.id)] = i * width + k
        index = {name: k for k, name in enumerate(names)}
        return cls(
            site_ids=tuple(s.id for s in sites),
            link_ids=tuple(tuple(link.id for link in s.links) for s in sites),
            hubs=tuple(s.hubs for s in sites),
            is_hub=np.array([s.role is SiteRole.HUB for s in sites], dtype=np.bool_),
            max_links=width,
            valid=valid,
            slot=slot,
            class_names=names,
            max_latency=np.array([c.max_latency_ms for c in classes], dtype=np.float64),
            max_jitter=np.array([c.max_jitter_ms for c in classes], dtype=np.float64),
            max_loss=np.array([c.max_loss_pct for c in classes], dtype=np.float64),
            critical=np.array([n in critical_classes for n in names], dtype=np.bool_),
            app_class={a.name: index[a.sla_class] for a in inventory.applications},
        )
