"""Applications, how they are recognised, and the SLA classes they need."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer

from sites.base import FrozenModel, Identifier, Name
from sites.enums import IpProtocol, Priority
from sites.errors import Problem


class SlaClass(FrozenModel):
    """What an application tolerates on a path. Latency is round-trip, as probes measure it."""

    name: Identifier
    description: str = ""
    max_latency_ms: float = Field(gt=0, le=10_000)
    max_jitter_ms: float = Field(gt=0, le=10_000)
    max_loss_pct: float = Field(gt=0, le=100)


def parse_port_range(spec: str) -> tuple[int, int]:
    """'443' -> (443, 443); '10000-20000' -> (10000, 20000). Raises ValueError with the reason."""
    low, sep, high = spec.partition("-")
    try:
        start, end = int(low), int(high) if sep else int(low)
    except ValueError:
        raise ValueError(f"{spec!r} is not a port or a range like '8000-8100'") from None
    if not 1 <= start <= end <= 65535:
        raise ValueError(f"{spec!r}: ports must satisfy 1 <= first <= last <= 65535")
    return start, end


def _int_to_str(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _checked_port_spec(spec: str) -> str:
    parse_port_range(spec)
    return spec


def _port_out(spec: str) -> int | str:
    return int(spec) if spec.isdigit() else spec


PortSpec = Annotated[
    str,
    BeforeValidator(_int_to_str),
    AfterValidator(_checked_port_spec),
    PlainSerializer(_port_out, return_type=int | str),
]
"""A port (443) or an inclusive range ('10000-20000')."""


def _text_only(value: object) -> object:
    # ipaddress would read an integer (or a bool) as an address: 'false' must not be 0.0.0.0/32.
    if not isinstance(value, str):
        raise ValueError(f"write the prefix as text, like '10.1.11.0/24', not {value!r}")
    return value


Prefix = Annotated[ipaddress.IPv4Network | ipaddress.IPv6Network, BeforeValidator(_text_only)]


class TrafficMatch(FrozenModel):
    """How a CPE recognises an application's packets. At least one criterion is required."""

    protocol: IpProtocol = IpProtocol.ANY
    ports: tuple[PortSpec, ...] = ()
    dscp: tuple[Annotated[int, Field(ge=0, le=63)], ...] = ()
    destinations: tuple[Prefix, ...] = ()

    def rule_problems(self) -> list[Problem]:
        problems = []
        if self.ports and self.protocol not in (IpProtocol.TCP, IpProtocol.UDP):
            problems.append(
                Problem(("ports",), f"ports need protocol tcp or udp, not {self.protocol}")
            )
        if not (self.ports or self.dscp or self.destinations):
            problems.append(
                Problem((), "give at least one of ports, dscp or destinations to recognise the app")
            )
        return problems


class Application(FrozenModel):
    name: Identifier
    description: Name | None = None
    priority: Priority
    sla_class: Identifier
    match: TrafficMatch
    expected_kbps: float = Field(gt=0, description="typical demand at one branch, kbit/s")
