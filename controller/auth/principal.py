"""Roles and site scopes: the pure rules of who may do what."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Ordered: each role may do everything the ones before it may."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. `sites` None means every site; otherwise only those listed."""

    name: str
    role: Role
    sites: frozenset[str] | None = None

    def has(self, role: Role) -> bool:
        return self.role.rank >= role.rank

    def sees(self, site_id: str) -> bool:
        return self.sites is None or site_id in self.sites

    @property
    def scoped(self) -> bool:
        return self.sites is not None
