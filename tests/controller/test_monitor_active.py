"""The monitor's active alarms (what the console's alarm list and site panels show) are read
once per change and follow every change: a tick, a report, an acknowledgment, and at the next
tick another process's."""

from __future__ import annotations

from datetime import timedelta

from controller.monitor.service import Monitor
from controller.store.alarm_store import DatabaseAlarmStore
from controller.store.facade import Store
from sites.inventory import Inventory
from telemetry.alarms import Alarm, AlarmKind
from telemetry.store.base import TelemetryStore
from tests.controller.test_monitoring_api import T0, telemetry

__all__ = ["telemetry"]  # a fixture shared with test_monitoring_api
SITE = "br-hangzhou-001"


class CountedReads(DatabaseAlarmStore):
    """The controller's alarm store, counting the reads of many alarms."""

    searches = 0

    def search(self, **query: object) -> list[Alarm]:
        self.searches += 1
        return super().search(**query)  # type: ignore[arg-type]


def test_active_alarms_are_read_once_per_change_and_follow_every_change(
    store: Store, telemetry: TelemetryStore, small_inventory: Inventory
) -> None:
    store.replace_inventory(small_inventory, actor="test-setup")
    counted = CountedReads(store.engine)
    ours = Monitor(store, telemetry, alarm_store=counted)
    theirs = Monitor(store, telemetry, alarm_store=store.alarms)  # another process's
    ours.tick(T0)
    assert ours.active().alarms == ()
    reads = counted.searches
    assert ours.active().alarms == () and counted.searches == reads  # kept: no read

    ours.report(AlarmKind.PUSH_FAILURE, SITE, "the CPE refused the commit", T0)
    [pushed] = ours.active().at(SITE)
    assert pushed.key.kind == AlarmKind.PUSH_FAILURE and ours.active().at("br-x") == ()
    ours.acknowledge(pushed.id, "noc", T0)
    assert [a.acknowledged_by for a in ours.active().alarms] == ["noc"]

    theirs.report(AlarmKind.ZTP_FAILURE, SITE, "no call-home", T0)
    assert [a.key.kind for a in ours.active().alarms] == [AlarmKind.PUSH_FAILURE]  # until...
    ours.tick(T0 + timedelta(seconds=1))  # ... the next tick reads again
    assert {a.key.kind for a in ours.active().at(SITE)} == {
        AlarmKind.PUSH_FAILURE,
        AlarmKind.ZTP_FAILURE,
    }
    ours.report(AlarmKind.PUSH_FAILURE, SITE, None, T0)  # the push went through: cleared
    assert [a.key.kind for a in ours.active().alarms] == [AlarmKind.ZTP_FAILURE]
