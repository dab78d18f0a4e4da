"""The static shape the engine evaluates: sites with their links, and the applications.

Built once from an inventory (or by hand in tests). Link slots keep the inventory's order;
preference order is computed per application from the policy, never by reordering slots, so
that a link's slot index is stable across policy versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from policies.errors import PolicyError
from sites.applications import SlaClass
from sites.enums import LinkRole, Priority
from sites.inventory import Inventory


@dataclass(frozen=True, slots=True)
class LinkSpec:
    """One WAN link as the engine sees it."""

    id: str
    role: LinkRole
    metered: bool = False


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """One site: its links in inventory order."""

    id: str
    links: tuple[LinkSpec, ...]

    def slot(self, link_id: str) -> int:
        """The slot index of a link of this site."""
        for i, link in enumerate(self.links):
            if link.id == link_id:
                return i
        raise PolicyError(f"site {self.id!r} has no link {link_id!r}")


@dataclass(frozen=True, slots=True)
class AppSpec:
    """One application: its priority and the SLA class it needs."""

    name: str
    priority: Priority
    sla: SlaClass


@dataclass(frozen=True)
class Network:
    """Sites and applications, in a fixed order that the batch arrays follow."""

    sites: tuple[SiteSpec, ...]
    apps: tuple[AppSpec, ...]

    def __post_init__(self) -> None:
        if not self.sites or not self.apps:
            raise PolicyError("a network needs at least one site and one application")
        _unique("site", (s.id for s in self.sites))
        _unique("application", (a.name for a in self.apps))
        for site in self.sites:
            if not site.links:
                raise PolicyError(f"site {site.id!r} has no link")
            _unique(f"link of site {site.id!r}", (link.id for link in site.links))

    @classmethod
    def from_inventory(cls, inventory: Inventory, site_ids: Sequence[str] | None = None) -> Network:
        """The network of an inventory (every site, or the given ones in the given order)."""
        classes = {c.name: c for c in inventory.sla_classes}
        apps = tuple(
            AppSpec(a.name, a.priority, classes[a.sla_class]) for a in inventory.applications
        )
        chosen = (
            inventory.sites if site_ids is None else [inventory.site_by_id[s] for s in site_ids]
        )
        sites = tuple(
            SiteSpec(s.id, tuple(LinkSpec(k.id, k.role, k.metered) for k in s.links))
            for s in chosen
        )
        return cls(sites, apps)

    @cached_property
    def sla_classes(self) -> tuple[SlaClass, ...]:
        """The distinct SLA classes the applications use, in order of first use."""
        seen: dict[str, SlaClass] = {}
        for app in self.apps:
            seen.setdefault(app.sla.name, app.sla)
        return tuple(seen.values())

    @cached_property
    def max_links(self) -> int:
        """Link slots per site in the batch arrays (sites with fewer links are padded)."""
        return max(len(s.links) for s in self.sites)

    @cached_property
    def site_index(self) -> dict[str, int]:
        return {s.id: i for i, s in enumerate(self.sites)}

    @cached_property
    def app_index(self) -> dict[str, int]:
        return {a.name: i for i, a in enumerate(self.apps)}

    def site(self, site_id: str) -> SiteSpec:
        """The site with this id."""
        try:
            return self.sites[self.site_index[site_id]]
        except KeyError:
            raise PolicyError(f"no site {site_id!r} in this network") from None


def _unique(what: str, values: Iterable[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise PolicyError(f"duplicate {what} {value!r}")
        seen.add(value)
