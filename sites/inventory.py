"""The whole WAN in one validated, immutable object: SLA classes, applications, sites."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Literal

from pydantic import Field

from sites.applications import Application, SlaClass
from sites.base import FrozenModel, Name
from sites.enums import SiteRole
from sites.errors import Loc, Problem
from sites.overlay import OverlayPolicy, overlay_problems
from sites.site import Site


class Inventory(FrozenModel):
    version: Literal[1] = 1
    organisation: Name = "Branchline"
    overlay: OverlayPolicy = OverlayPolicy()
    sla_classes: tuple[SlaClass, ...] = Field(min_length=1)
    applications: tuple[Application, ...] = ()
    sites: tuple[Site, ...] = Field(min_length=1)

    @cached_property
    def site_by_id(self) -> dict[str, Site]:
        return {site.id: site for site in self.sites}

    @property
    def hubs(self) -> list[Site]:
        return [site for site in self.sites if site.role is SiteRole.HUB]

    def rule_problems(self) -> list[Problem]:
        problems = _first_seen_duplicates(
            (("sla_classes", i, "name"), s.name) for i, s in enumerate(self.sla_classes)
        )
        problems += _first_seen_duplicates(
            (("applications", i, "name"), a.name) for i, a in enumerate(self.applications)
        )
        problems += _first_seen_duplicates(
            (("sites", i, "id"), s.id) for i, s in enumerate(self.sites)
        )
        problems += _first_seen_duplicates(
            (("sites", i, "cpes", j, "serial"), c.serial)
            for i, s in enumerate(self.sites)
            for j, c in enumerate(s.cpes)
        )
        problems += _first_seen_duplicates(
            (("sites", i, "cpes", j, "management_address"), str(c.management_address))
            for i, s in enumerate(self.sites)
            for j, c in enumerate(s.cpes)
        )
        classes = {s.name for s in self.sla_classes}
        for i, app in enumerate(self.applications):
            if app.sla_class not in classes:
                problems.append(
                    Problem(
                        ("applications", i, "sla_class"),
                        f"unknown SLA class {app.sla_class!r} "
                        f"(known: {', '.join(sorted(classes))})",
                    )
                )
        problems += self._hub_reference_problems()
        return problems + overlay_problems(self)

    def _hub_reference_problems(self) -> list[Problem]:
        roles = {site.id: site.role for site in self.sites}
        problems = []
        for i, site in enumerate(self.sites):
            for j, hub in enumerate(site.hubs):
                if hub not in roles:
                    problems.append(Problem(("sites", i, "hubs", j), f"no site with id {hub!r}"))
                elif roles[hub] is not SiteRole.HUB:
                    problems.append(
                        Problem(("sites", i, "hubs", j), f"{hub!r} is a spoke, not a hub")
                    )
        return problems


def _first_seen_duplicates(items: Iterable[tuple[Loc, str]]) -> list[Problem]:
    """A problem at every repeat of a value, pointing back to where it was first seen."""
    first: dict[str, Loc] = {}
    problems = []
    for loc, value in items:
        if value in first:
            where = Problem(first[value], "").field
            problems.append(Problem(loc, f"{value!r} is already used at {where}"))
        else:
            first[value] = loc
    return problems
