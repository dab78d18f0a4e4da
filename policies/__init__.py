"""Path selection: per branch and application, which WAN link carries the traffic, and why.

Pure (no I/O, no clock, no randomness). See docs/policies.md.
"""

from policies.decisions import BatchDecisions
from policies.engine import PolicyEngine
from policies.errors import ObservationError, PolicyError, StateError
from policies.network import AppSpec, LinkSpec, Network, SiteSpec
from policies.observations import BatchObservations, LinkObservation, SiteObservation
from policies.policy import AppPolicy, Mode, Policy, SlaDampening, UtilizationThresholds
from policies.reasons import Decision, Metric, Reason, Rule
from policies.state import BatchState, SiteState

__all__ = [
    "AppPolicy",
    "AppSpec",
    "BatchDecisions",
    "BatchObservations",
    "BatchState",
    "Decision",
    "LinkObservation",
    "LinkSpec",
    "Metric",
    "Mode",
    "Network",
    "ObservationError",
    "Policy",
    "PolicyEngine",
    "PolicyError",
    "Reason",
    "Rule",
    "SiteObservation",
    "SiteSpec",
    "SiteState",
    "SlaDampening",
    "StateError",
    "UtilizationThresholds",
]
