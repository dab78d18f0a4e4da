"""The simulator's errors: all under `sites.errors.BranchlineError`."""

from __future__ import annotations

from collections.abc import Iterable

from sites.errors import BranchlineError, Problem


class SimulatorError(BranchlineError):
    """Root of the simulator's errors."""


class ScenarioError(SimulatorError):
    """A scenario file failed validation. Carries every problem found, each with field and line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(p.render() for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in scenario:\n{lines}")
