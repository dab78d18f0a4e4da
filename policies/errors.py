"""Errors of the policy engine, under Branchline's one exception root."""

from __future__ import annotations

from sites.errors import BranchlineError


class PolicyError(BranchlineError):
    """A policy cannot be applied to a network (e.g. it names an application the network lacks)."""


class ObservationError(PolicyError):
    """Observations do not fit the network they are said to describe, or hold impossible values."""


class StateError(PolicyError):
    """An engine state belongs to another site or another network shape."""
