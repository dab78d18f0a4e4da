"""Fault entries of a scenario file: what breaks, when, and for how long.

Times are seconds from the start of the run (or text such as '10m'); a fault without
`duration` lasts until the end. Site and link names are checked against the network once it
is built (simulator/network.py), with the line of the entry.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.durations import Seconds
from sites.base import Identifier, Name
from sites.enums import Transport


class _Fault(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    at: Seconds = Field(description="start, seconds from the start of the run")
    duration: Seconds | None = Field(default=None, description="None: until the end of the run")


class LinkDown(_Fault):
    """One link of one site loses carrier."""

    kind: Literal["link-down"]
    site: Identifier
    link: Identifier


class BrownOut(_Fault):
    """One link stays up but degrades: loss, latency and jitter are added to its own."""

    kind: Literal["brown-out"]
    site: Identifier
    link: Identifier
    loss_pct: float = Field(default=0.0, ge=0, le=100)
    latency_ms: float = Field(default=0.0, ge=0, le=10_000)
    jitter_ms: float = Field(default=0.0, ge=0, le=10_000)


class CarrierOutage(_Fault):
    """Every link of one carrier (optionally of one transport) goes down, network-wide."""

    kind: Literal["carrier-outage"]
    carrier: Name
    transport: Transport | None = None


class HubCpeFailure(_Fault):
    """One CPE of a hub fails: its hub link, and the branch paths that ride on it, go down."""

    kind: Literal["hub-cpe-failure"]
    hub: Identifier | None = Field(default=None, description="None: the only hub")
    cpe: int = Field(default=0, ge=0, le=1, description="which of the hub's two CPEs (0 or 1)")


class Flapping(_Fault):
    """One link goes down for `down_s` at the start of every `period_s`, for `duration`."""

    kind: Literal["flapping"]
    site: Identifier
    link: Identifier
    period_s: Seconds = Field(default=30.0, gt=0)
    down_s: Seconds = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _shorter_than_period(self) -> Self:
        if self.down_s >= self.period_s:
            raise ValueError(
                f"down_s ({self.down_s}) must be shorter than period_s ({self.period_s})"
            )
        return self


Fault = Annotated[
    LinkDown | BrownOut | CarrierOutage | HubCpeFailure | Flapping, Field(discriminator="kind")
]
