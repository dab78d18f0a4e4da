"""Which links a fault touches, and the problems of fault entries that name nothing real."""

from __future__ import annotations

from simulator.faults_spec import BrownOut, CarrierOutage, Flapping, HubCpeFailure, LinkDown
from simulator.network import SimNetwork
from simulator.scenario import Scenario
from sites.errors import Problem

LinkFault = LinkDown | BrownOut | Flapping


def fault_problems(scenario: Scenario, net: SimNetwork) -> list[Problem]:
    """A located problem for every fault entry that names an unknown site, link, carrier or hub,
    and for every branch the report names that the network does not have."""
    problems: list[Problem] = [
        Problem(("report", "sites", i), f"no branch {site!r} in the network")
        for i, site in enumerate(scenario.report.sites)
        if site not in net.network.site_index
    ]
    for i, fault in enumerate(scenario.faults):
        loc: tuple[str | int, ...] = ("faults", i)
        if isinstance(fault, LinkDown | BrownOut | Flapping):
            problems += link_problems(loc, fault.site, fault.link, net)
        elif isinstance(fault, CarrierOutage):
            carriers = sorted({link.carrier for _, _, link in net.links()})
            if fault.carrier not in carriers:
                problems.append(
                    Problem(
                        (*loc, "carrier"),
                        f"no branch link of carrier {fault.carrier!r} "
                        f"(carriers: {', '.join(carriers)})",
                    )
                )
        else:
            problems += _hub_problems(fault, net, loc)
        if fault.at >= scenario.duration:
            problems.append(
                Problem(
                    (*loc, "at"),
                    f"starts at {fault.at:g} s, after the end of the run ({scenario.duration:g} s)",
                )
            )
    return problems


def link_problems(
    loc: tuple[str | int, ...], site: str, link: str, net: SimNetwork
) -> list[Problem]:
    """The problem of an entry at `loc` naming a branch link the network lacks, if it does."""
    s = net.network.site_index.get(site)
    if s is None:
        return [Problem((*loc, "site"), f"no branch {site!r} in the network")]
    if net.link_slot(site, link) is None:
        known = ", ".join(k.id for k in net.spokes[s].links)
        return [
            Problem((*loc, "link"), f"branch {site!r} has no link {link!r} (its links: {known})")
        ]
    return []


def planning_problems(scenario: Scenario, net: SimNetwork) -> list[Problem]:
    """A located problem for every multiplier or capacity override that names a branch, link
    or application the network does not have."""
    problems: list[Problem] = []
    apps = set(net.network.app_index)
    for i, m in enumerate(scenario.planning.multipliers):
        loc: tuple[str | int, ...] = ("planning", "multipliers", i)
        if m.branch is not None and m.branch not in net.network.site_index:
            problems.append(Problem((*loc, "branch"), f"no branch {m.branch!r} in the network"))
        if m.application is not None and m.application not in apps:
            problems.append(
                Problem((*loc, "application"), f"no application {m.application!r} in the network")
            )
    for i, c in enumerate(scenario.planning.capacity):
        problems += link_problems(("planning", "capacity", i), c.site, c.link, net)
    return problems


def _hub_problems(
    fault: HubCpeFailure, net: SimNetwork, loc: tuple[str | int, ...]
) -> list[Problem]:
    hubs = net.inventory.hubs
    if fault.hub is None and len(hubs) != 1:
        return [Problem((*loc, "hub"), f"the network has {len(hubs)} hubs: name one")]
    if fault.hub is not None and fault.hub not in {h.id for h in hubs}:
        return [
            Problem((*loc, "hub"), f"no hub {fault.hub!r} (hubs: {', '.join(h.id for h in hubs)})")
        ]
    return []


def link_targets(
    fault: LinkDown | BrownOut | Flapping | CarrierOutage, net: SimNetwork
) -> list[tuple[int, int]]:
    """(site index, slot) of every branch link the fault touches directly."""
    if isinstance(fault, CarrierOutage):
        return [
            (s, k)
            for s, k, link in net.links()
            if link.carrier == fault.carrier and fault.transport in (None, link.transport)
        ]
    found = net.link_slot(fault.site, fault.link)
    assert found is not None  # checked by fault_problems
    return [found]


def hub_link_targets(fault: HubCpeFailure, net: SimNetwork) -> list[int]:
    """Indices (into net.hub_links) of the hub links terminated on the failed CPE."""
    hub = next(h for h in net.inventory.hubs if fault.hub in (None, h.id))
    serial = hub.cpes[fault.cpe].serial
    on_cpe = {link.id for link in hub.links if link.cpe == serial}
    return [i for i, (hid, lid) in enumerate(net.hub_links) if hid == hub.id and lid in on_cpe]
