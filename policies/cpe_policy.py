"""What of a `Policy` a CPE carries: per-site plain data for `sites.config`. Pure.

The failover order of an application is the engine's preference order (`compiled.py`): the
position of the link's effective role in the application's role order, then inventory order.
With it a CPE that has lost its controller moves an application off a link that went down to
the next link of that order by itself (docs/devices.md, headless operation).
"""

from __future__ import annotations

import math

from policies.policy import Mode, Policy
from sites.config.policy import AppPath, Dampening, LinkBand, SitePathPolicy
from sites.inventory import Inventory
from sites.site import Site


def failover_order(policy: Policy, app: str, site: Site) -> tuple[str, ...]:
    """Link ids of `site`, most preferred first, for application `app`."""
    order = policy.preference_of(app)
    ranked = sorted(
        enumerate(site.links),
        key=lambda item: (
            order.index(policy.effective_role(item[1].role, item[1].metered)),
            item[0],
        ),
    )
    return tuple(link.id for _, link in ranked)


def site_path_policy(policy: Policy, inventory: Inventory, site: Site) -> SitePathPolicy:
    """The policy part of the configuration of every CPE of `site`."""
    apps = tuple(
        AppPath(
            application=app.name,
            modes=policy.for_app(app.name).modes,
            failover=failover_order(policy, app.name, site),
            offloadable=Mode.HYSTERESIS in policy.for_app(app.name).modes
            and app.priority in policy.offload_priorities,
        )
        for app in inventory.applications
    )
    bands = tuple(
        LinkBand(
            link=link.id,
            upper_pct=round(policy.utilization[link.role].upper * 100, 2),
            lower_pct=round(policy.utilization[link.role].lower * 100, 2),
        )
        for link in site.links
    )
    d = policy.sla_dampening
    # The device counts whole seconds; rounding the hold-down up never leaves violation early.
    dampening = Dampening(
        bad_samples=d.bad_samples,
        good_samples=d.good_samples,
        hold_down_s=math.ceil(d.hold_down_s),
    )
    return SitePathPolicy(applications=apps, links=bands, dampening=dampening)
