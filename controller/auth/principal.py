"""Roles and site scopes: the pure rules of who may do what."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Viewer, operator, admin are ordered: each may do everything the ones before it may.
    `device` is a CPE's own token, outside that order: it may report its sites' telemetry and
    nothing else (not even read)."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"
    DEVICE = "device"

    @property
    def rank(self) -> int:
        return -1 if self is Role.DEVICE else list(Role).index(self)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. `sites` None means every site; otherwise only those listed."""

    name: str
    role: Role
    sites: frozenset[str] | None = None

    def has(self, role: Role) -> bool:
        return self.role.rank >= role.rank

    @property
    def reports(self) -> bool:
        """May upload telemetry (for the sites it sees): a device, or an operator and up."""
        return self.role is Role.DEVICE or self.has(Role.OPERATOR)

    def sees(self, site_id: str) -> bool:
        return self.sites is None or site_id in self.sites

    @property
    def scoped(self) -> bool:
        return self.sites is not None
