"""Optimistic concurrency: every stored resource has a revision; writes name the one they read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from controller.errors import MissingPreconditionError, StaleWriteError

T = TypeVar("T")

ANY = -1
"""`If-Match: *`: the resource must exist, whatever its revision."""


@dataclass(frozen=True, slots=True)
class Stored(Generic[T]):
    value: T
    revision: int

    @property
    def etag(self) -> str:
        return f'"{self.revision}"'


def parse_if_match(header: str | None) -> int:
    """The revision an If-Match header names. A write without one is refused (428)."""
    if header is None:
        raise MissingPreconditionError(
            "send If-Match with the ETag of the version you edited (GET it first)", "If-Match"
        )
    value = header.strip()
    if value == "*":
        return ANY
    if value.startswith("W/"):
        value = value[2:]
    try:
        return int(value.strip('"'))
    except ValueError:
        raise StaleWriteError(f"If-Match {header!r} is not an ETag of this resource") from None


def check_revision(expected: int, current: int, what: str) -> None:
    if expected not in (ANY, current):
        raise StaleWriteError(
            f"{what} changed since you read it: you sent revision {expected}, it is now "
            f"{current}; GET it again and reapply your change"
        )
