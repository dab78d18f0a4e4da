"""The simulator's errors: all under `sites.errors.BranchlineError`."""

from __future__ import annotations

from sites.errors import BranchlineError, ProblemsError


class SimulatorError(BranchlineError):
    """Root of the simulator's errors."""


class ScenarioError(SimulatorError, ProblemsError):
    """A scenario file failed validation."""

    what = "scenario"
