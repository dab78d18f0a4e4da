"""The policy: what an operator configures, stored as immutable versions and edited by the API.

Every field has a default that is justified in docs/policies.md against the anchors of
DESIGN §6. Validation errors name the field (pydantic's `loc`), e.g.
`utilization.backup.lower: lower (0.8) must be below upper (0.7)`.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sites.base import Identifier
from sites.enums import LinkRole, PathMode, Priority

Mode = PathMode
"""The path-selection modes; defined in `sites.enums` so the CPE configuration can carry them."""

ROLE_ORDER: tuple[LinkRole, ...] = (LinkRole.PRIMARY, LinkRole.BACKUP, LinkRole.LAST_RESORT)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_preference(order: tuple[LinkRole, ...]) -> tuple[LinkRole, ...]:
    # Every role must appear: a role left out would strand the traffic of a site whose only
    # working link has that role, which breaks "no traffic on a down link while one is up".
    if sorted(order) != sorted(ROLE_ORDER):
        raise ValueError(
            f"must list each of {', '.join(r.value for r in ROLE_ORDER)} exactly once, "
            f"got {', '.join(r.value for r in order) or 'nothing'}"
        )
    return order


class UtilizationThresholds(_Frozen):
    """The 70 %/50 % hysteresis band of one link role, as fractions of capacity."""

    upper: float = Field(default=0.70, description="above this, offload low-priority apps")
    lower: float = Field(default=0.50, description="below this, offloaded apps may return")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not 0 < self.lower < self.upper <= 1:
            raise ValueError(
                f"need 0 < lower < upper <= 1, got lower={self.lower}, upper={self.upper}"
            )
        return self


class SlaDampening(_Frozen):
    """How many samples and how much time a link needs to enter and to leave SLA violation."""

    bad_samples: int = Field(
        default=5, ge=1, le=1000, description="K: consecutive bad samples to enter violation"
    )
    good_samples: int = Field(
        default=10, ge=1, le=10_000, description="M: consecutive good samples to leave violation"
    )
    hold_down_s: float = Field(
        default=60.0,
        ge=0,
        le=86_400,
        description="and at least this long since the last bad sample to leave violation",
    )
    flap_window_s: float = Field(
        default=900.0,
        ge=0,
        le=86_400,
        description="re-entering violation this soon after leaving it doubles the hold-down",
    )
    max_hold_down_s: float = Field(
        default=900.0, ge=0, le=86_400, description="the doubled hold-down never exceeds this"
    )

    @model_validator(mode="after")
    def _hold_downs(self) -> Self:
        if self.max_hold_down_s < self.hold_down_s:
            raise ValueError(
                f"max_hold_down_s ({self.max_hold_down_s}) must be >= hold_down_s "
                f"({self.hold_down_s})"
            )
        return self


class AppPolicy(_Frozen):
    """How one application (or, as the default, every application) chooses its link."""

    modes: tuple[Mode, ...] = Field(default=(Mode.SLA, Mode.HYSTERESIS), min_length=1)
    link_preference: tuple[LinkRole, ...] | None = Field(
        default=None, description="role order for this app; None uses the policy's order"
    )

    @field_validator("modes")
    @classmethod
    def _unique_modes(cls, modes: tuple[Mode, ...]) -> tuple[Mode, ...]:
        if len(set(modes)) != len(modes):
            raise ValueError(f"modes repeat: {', '.join(m.value for m in modes)}")
        return tuple(m for m in Mode if m in modes)  # canonical order: equal policies compare equal

    @field_validator("link_preference")
    @classmethod
    def _preference(cls, order: tuple[LinkRole, ...] | None) -> tuple[LinkRole, ...] | None:
        return None if order is None else _check_preference(order)


def _all_roles() -> dict[LinkRole, UtilizationThresholds]:
    return {role: UtilizationThresholds() for role in ROLE_ORDER}


class Policy(_Frozen):
    """The whole path-selection policy of a network. Immutable; a change is a new version."""

    default: AppPolicy = AppPolicy()
    applications: dict[Identifier, AppPolicy] = Field(
        default_factory=dict, description="per-application overrides of `default`"
    )
    link_preference: tuple[LinkRole, ...] = ROLE_ORDER
    utilization: dict[LinkRole, UtilizationThresholds] = Field(default_factory=_all_roles)
    sla_dampening: SlaDampening = SlaDampening()
    predictive_return: bool = Field(
        default=True, description="return an offloaded app only if the primary stays <= upper"
    )
    metered_last_resort_only: bool = Field(
        default=True, description="treat metered links (LTE) as last resort whatever their role"
    )
    offload_priorities: tuple[Priority, ...] = Field(
        default=(Priority.LOW,), description="priorities the utilization rule may move"
    )
    hub_utilization: bool = Field(
        default=True,
        description="a link's load for the utilization and share rules is the larger of its own "
        "utilization and that of the hub links its traffic rides",
    )
    best_effort_margin: float = Field(
        default=0.2,
        ge=0,
        lt=1,
        description="when no link meets the SLA, leave the current link only for a score "
        "this much lower",
    )

    @field_validator("link_preference")
    @classmethod
    def _preference(cls, order: tuple[LinkRole, ...]) -> tuple[LinkRole, ...]:
        return _check_preference(order)

    @field_validator("utilization")
    @classmethod
    def _every_role(
        cls, given: dict[LinkRole, UtilizationThresholds]
    ) -> dict[LinkRole, UtilizationThresholds]:
        # A partial mapping means "these roles differ from the default", not "others have none".
        return {role: given.get(role, UtilizationThresholds()) for role in ROLE_ORDER}

    @field_validator("offload_priorities")
    @classmethod
    def _never_high(cls, priorities: tuple[Priority, ...]) -> tuple[Priority, ...]:
        if Priority.HIGH in priorities:
            raise ValueError("high-priority applications never move for utilization")
        if len(set(priorities)) != len(priorities):
            raise ValueError("priorities repeat")
        return tuple(p for p in Priority if p in priorities)

    def for_app(self, name: str) -> AppPolicy:
        """The effective policy of one application: its override, else the default."""
        return self.applications.get(name, self.default)

    def effective_role(self, role: LinkRole, metered: bool) -> LinkRole:
        """The role a link plays: its own, or last resort if metered and the policy says so."""
        return LinkRole.LAST_RESORT if metered and self.metered_last_resort_only else role

    def preference_of(self, name: str) -> tuple[LinkRole, ...]:
        """The role order one application uses."""
        return self.for_app(name).link_preference or self.link_preference

    @classmethod
    def reference(cls) -> Policy:
        """The case study's policy for the reference catalogue: trading on SLA alone, HD video
        and bulk apps on hysteresis plus bandwidth share, the rest SLA plus hysteresis."""
        sla = AppPolicy(modes=(Mode.SLA,))
        video = AppPolicy(modes=(Mode.HYSTERESIS, Mode.SHARE))
        return cls(
            applications={
                "o32-trading": sla,
                "futures-trading": sla,
                "market-data": sla,
                "hd-video": video,
                "file-transfer": video,
            }
        )
