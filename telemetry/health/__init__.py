"""Site health: link states, site colours, per-app SLA share, hub paths and history views.

Pure functions of samples and `now` (no clock, no I/O) except the `history` helpers, which read
a `TelemetryStore`. See docs/telemetry.md, "Health".
"""

from telemetry.health.apps import AppSla, AppTraffic, sla_share, top_applications
from telemetry.health.history import PERIODS, Period, app_sla_history, history, top_apps_history
from telemetry.health.hub import HubPath, hub_quality
from telemetry.health.layout import HealthLayout, HealthLayoutError
from telemetry.health.model import HealthRules, LinkHealth, LinkState, SiteHealth, Status
from telemetry.health.score import score
from telemetry.health.snapshot import HealthSnapshot

__all__ = [
    "PERIODS",
    "AppSla",
    "AppTraffic",
    "HealthLayout",
    "HealthLayoutError",
    "HealthRules",
    "HealthSnapshot",
    "HubPath",
    "LinkHealth",
    "LinkState",
    "Period",
    "SiteHealth",
    "Status",
    "app_sla_history",
    "history",
    "hub_quality",
    "score",
    "sla_share",
    "top_applications",
    "top_apps_history",
]
