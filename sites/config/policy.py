"""The path policy a CPE carries, as plain data.

`sites` sits below `policies`, so the configuration cannot hold a `policies.Policy`; this is
what of it a device needs, per site: each application's modes and failover order (the order it
follows on its own when it cannot reach the controller), each link's utilization band and the
SLA dampening. `policies.cpe_policy.site_path_policy` builds it from a `Policy`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sites.base import FrozenModel, Identifier
from sites.enums import PathMode
from sites.errors import Problem

Percent = Annotated[float, Field(ge=0, le=100)]


class AppPath(FrozenModel):
    """How one application chooses its link at one site."""

    application: Identifier
    modes: tuple[PathMode, ...] = Field(min_length=1)
    failover: tuple[Identifier, ...] = Field(
        min_length=1, description="link ids, most preferred first: the headless order"
    )
    offloadable: bool = Field(description="may move to a backup link above the utilization band")


class LinkBand(FrozenModel):
    """The utilization band of one link, in percent of its capacity (70/50 by default)."""

    link: Identifier
    upper_pct: Percent
    lower_pct: Percent

    def rule_problems(self) -> list[Problem]:
        if not self.lower_pct < self.upper_pct:
            return [Problem(("lower_pct",), "must be below upper_pct")]
        return []


class Dampening(FrozenModel):
    """Consecutive probe results needed to enter and leave SLA violation, and the hold-down."""

    bad_samples: int = Field(ge=1, le=1000)
    good_samples: int = Field(ge=1, le=10_000)
    hold_down_s: int = Field(ge=0, le=86_400)


class SitePathPolicy(FrozenModel):
    """The policy part of every CPE configuration of one site."""

    applications: tuple[AppPath, ...] = ()
    links: tuple[LinkBand, ...] = ()
    dampening: Dampening
