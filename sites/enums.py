"""Wire values of the domain model. Every value that crosses a file or the API is a StrEnum."""

from enum import StrEnum


class SiteRole(StrEnum):
    HUB = "hub"
    SPOKE = "spoke"


class BranchClass(StrEnum):
    """A: large branch, leased line straight to the DC. B and C: light branches."""

    A = "A"
    B = "B"
    C = "C"


class Transport(StrEnum):
    MSTP = "MSTP"
    MPLS = "MPLS"
    INTERNET = "Internet"
    LTE = "LTE"


class LinkRole(StrEnum):
    PRIMARY = "primary"
    BACKUP = "backup"
    LAST_RESORT = "last-resort"


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Platform(StrEnum):
    """Which configuration dialect and driver a CPE speaks."""

    CISCO_IOS = "cisco_ios"  # CLI over SSH (netmiko)
    HUAWEI_VRP = "huawei_vrp"  # CLI over SSH (netmiko)
    NETCONF = "netconf"  # NETCONF over SSH with Branchline's branch-cpe YANG model (ncclient)


class PathMode(StrEnum):
    """The three path-selection modes of the case study (DESIGN §1); combinable per app.

    A wire value of policy files and of the CPE configuration, hence here, below `policies`.
    """

    SLA = "sla"
    SHARE = "share"
    HYSTERESIS = "hysteresis"


class AddressMode(StrEnum):
    """How a CPE's WAN interface gets its address. The inventory records no WAN addresses, so
    every link is configured by DHCP (or the carrier's PPP/LTE equivalent) for now."""

    DHCP = "dhcp"


class IpProtocol(StrEnum):
    TCP = "tcp"
    UDP = "udp"
    ICMP = "icmp"
    ANY = "any"
