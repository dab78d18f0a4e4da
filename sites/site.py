"""Sites, their CPEs and their WAN links."""

from __future__ import annotations

import ipaddress
from collections import Counter
from typing import Annotated

from pydantic import Field, StringConstraints

from sites.base import FrozenModel, Identifier, Name
from sites.enums import BranchClass, LinkRole, Platform, SiteRole, Transport
from sites.errors import Problem

CredentialsRef = Annotated[
    str, StringConstraints(pattern=r"^(env|file|vault|keyring):[A-Za-z0-9_./:-]{1,200}$")
]
"""Where the secret lives ('vault:cpe/branch-default', 'env:BL_CPE_PASSWORD'), never the secret."""

SerialNumber = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{4,40}$")]

HUB_CPES = 2
MAX_SPOKE_CPES = 2


class Cpe(FrozenModel):
    """Customer-premises equipment: the SD-WAN edge router of a site."""

    serial: SerialNumber
    model: Name
    platform: Platform
    management_address: ipaddress.IPv4Address | ipaddress.IPv6Address
    credentials_ref: CredentialsRef


class WanLink(FrozenModel):
    """One WAN circuit, terminated on one CPE of its site."""

    id: Identifier
    transport: Transport
    carrier: Name
    down_mbps: float = Field(gt=0, le=100_000)
    up_mbps: float = Field(gt=0, le=100_000)
    role: LinkRole
    cpe: SerialNumber = Field(description="serial number of the CPE the link terminates on")
    monthly_cost_cny: float | None = Field(default=None, ge=0)
    metered: bool = False
    cost_per_gb_cny: float | None = Field(default=None, ge=0)

    def rule_problems(self) -> list[Problem]:
        problems = []
        if self.monthly_cost_cny is None and not self.metered:
            problems.append(
                Problem(("monthly_cost_cny",), "give a monthly cost, or mark the link metered")
            )
        if self.cost_per_gb_cny is not None and not self.metered:
            problems.append(Problem(("cost_per_gb_cny",), "only a metered link has a per-GB cost"))
        return problems


class Site(FrozenModel):
    id: Identifier
    name: Name
    city: Name
    address: str = ""
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    role: SiteRole
    branch_class: BranchClass | None = None
    hubs: tuple[Identifier, ...] = Field(default=(), description="ids of the hubs it attaches to")
    cpes: tuple[Cpe, ...] = Field(min_length=1)
    links: tuple[WanLink, ...] = Field(min_length=1)

    def rule_problems(self) -> list[Problem]:
        problems = self._role_problems()
        serials = {cpe.serial for cpe in self.cpes}
        problems += _duplicates("cpes", "serial", [c.serial for c in self.cpes])
        problems += _duplicates("links", "id", [link.id for link in self.links])
        problems += _duplicates("hubs", None, list(self.hubs))
        for i, link in enumerate(self.links):
            if link.cpe not in serials:
                problems.append(
                    Problem(
                        ("links", i, "cpe"),
                        f"{link.cpe!r} is not a CPE of site {self.id!r} "
                        f"(its CPEs: {', '.join(sorted(serials))})",
                    )
                )
        if not any(link.role is LinkRole.PRIMARY for link in self.links):
            problems.append(Problem(("links",), "a site needs at least one primary link"))
        return problems

    def _role_problems(self) -> list[Problem]:
        problems = []
        if self.role is SiteRole.HUB:
            if len(self.cpes) != HUB_CPES:
                problems.append(
                    Problem(
                        ("cpes",), f"a hub must have {HUB_CPES} CPEs, this one has {len(self.cpes)}"
                    )
                )
            if self.hubs:
                problems.append(Problem(("hubs",), "a hub does not attach to other hubs"))
        else:
            if len(self.cpes) > MAX_SPOKE_CPES:
                problems.append(
                    Problem(
                        ("cpes",),
                        f"a spoke has at most {MAX_SPOKE_CPES} CPEs, this one has {len(self.cpes)}",
                    )
                )
            if self.branch_class is None:
                problems.append(
                    Problem(("branch_class",), "a spoke needs a branch class A, B or C")
                )
        return problems

    def link(self, link_id: str) -> WanLink:
        for link in self.links:
            if link.id == link_id:
                return link
        raise KeyError(link_id)


def _duplicates(field: str, attr: str | None, values: list[str]) -> list[Problem]:
    seen = Counter(values)
    problems = []
    for i, value in enumerate(values):
        if seen[value] > 1 and values.index(value) != i:
            loc: tuple[str | int, ...] = (field, i, attr) if attr else (field, i)
            problems.append(Problem(loc, f"duplicate {attr or 'entry'} {value!r}"))
    return problems
