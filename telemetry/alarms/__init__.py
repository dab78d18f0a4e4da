"""Alarms: a pure engine over health snapshots, a lifecycle over a store, a dependency graph
for suppression, and notifications. See docs/telemetry.md, "Alarms".

Wiring, for a composition root:

    engine = AlarmEngine(layout)                      # once per inventory version
    manager = AlarmManager(MemoryAlarmStore(), dependency_graph(inventory))
    outbox = Outbox([EmailNotifier(email_settings), WebhookNotifier(webhook_settings)])
    # every loop tick:
    snapshot = score(layout, store.latest(now=now), now)
    outbox.submit(manager.apply(engine.evaluate(snapshot, now), now))
    outbox.deliver(now)
"""

from telemetry.alarms.engine import AlarmEngine, EngineResult
from telemetry.alarms.graph import dependency_graph, node_of, suppression
from telemetry.alarms.manager import AlarmManager
from telemetry.alarms.model import (
    Alarm,
    AlarmError,
    AlarmEvent,
    AlarmKey,
    AlarmKind,
    AlarmNotFoundError,
    AlarmSpec,
    AlarmStateError,
    EventType,
    Severity,
)
from telemetry.alarms.rules import AlarmRules
from telemetry.alarms.store import AlarmStore, DuplicateActiveAlarmError, MemoryAlarmStore

__all__ = [
    "Alarm",
    "AlarmEngine",
    "AlarmError",
    "AlarmEvent",
    "AlarmKey",
    "AlarmKind",
    "AlarmManager",
    "AlarmNotFoundError",
    "AlarmRules",
    "AlarmSpec",
    "AlarmStateError",
    "AlarmStore",
    "DuplicateActiveAlarmError",
    "EngineResult",
    "EventType",
    "MemoryAlarmStore",
    "Severity",
    "dependency_graph",
    "node_of",
    "suppression",
]
