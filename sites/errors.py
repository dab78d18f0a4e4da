"""The exception root of Branchline and the located problems that inventory checks report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Loc = tuple[str | int, ...]


class BranchlineError(Exception):
    """Root of every error Branchline raises on purpose."""


def format_loc(loc: Loc) -> str:
    """('sites', 3, 'links', 0, 'cpe') -> 'sites[3].links[0].cpe'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(document)"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an inventory: where (field path, file line) and why."""

    loc: Loc
    message: str
    line: int | None = None
    source: str | None = None

    @property
    def field(self) -> str:
        return format_loc(self.loc)

    def render(self) -> str:
        where = self.source or "<inventory>"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.field}: {self.message}"


class ProblemsError(BranchlineError):
    """A document (an inventory, a scenario, a policy) failed validation. Carries every
    problem found, never just the first, each located by field and, from a file, line."""

    what = "document"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(p.render() for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in {self.what}:\n{lines}")


class InventoryError(ProblemsError):
    """An inventory failed validation."""

    what = "inventory"


class ConfigError(BranchlineError):
    """A CPE configuration cannot be built, rendered or parsed; the message names the field."""
