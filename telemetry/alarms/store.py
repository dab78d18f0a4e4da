"""Where alarms are kept: the `AlarmStore` protocol and an in-memory implementation.

The controller backs it with its database (controller/store/alarm_store.py), so alarms outlive
a restart. Every implementation must pass the contract tests, `AlarmStoreContract` in
tests/telemetry/alarms/test_alarm_store.py.

`insert_many` and `update_many` are the batch forms the manager writes an alarm storm with: one
transaction for thousands of alarms instead of one each. Each is all-or-nothing and behaves as
the single form applied to every alarm in turn.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol, runtime_checkable

from telemetry.alarms.model import Alarm, AlarmError, AlarmKey, AlarmKind, AlarmNotFoundError


class DuplicateActiveAlarmError(AlarmError):
    """An alarm with the same key is already active (one active alarm per key)."""


@runtime_checkable
class AlarmStore(Protocol):
    """Alarms by id, with at most one active alarm per key."""

    def insert(self, alarm: Alarm) -> Alarm:
        """Store a new active alarm; returns it with its assigned id (the given id is ignored).
        Raises `DuplicateActiveAlarmError` if its key already has an active alarm."""
        ...

    def update(self, alarm: Alarm) -> None:
        """Replace the stored alarm with the same id (`AlarmNotFoundError` if none)."""
        ...

    def insert_many(self, alarms: Sequence[Alarm]) -> list[Alarm]:
        """`insert` each alarm in turn, all or nothing (one transaction): returns them in the
        given order with their assigned ids, which ascend in that order. Raises
        `DuplicateActiveAlarmError`, and stores none of them, if an alarm's key is already
        active, in the store or earlier in `alarms`."""
        ...

    def update_many(self, alarms: Sequence[Alarm]) -> None:
        """`update` each alarm in turn, all or nothing (one transaction). Raises
        `AlarmNotFoundError`, and changes nothing, if any id is unknown."""
        ...

    def get(self, alarm_id: int) -> Alarm:
        """The alarm with this id, or `AlarmNotFoundError`."""
        ...

    def find_active(self, key: AlarmKey) -> Alarm | None:
        """The active alarm with this key, if any."""
        ...

    def search(
        self,
        *,
        active: bool | None = None,
        site: str | None = None,
        kind: AlarmKind | None = None,
        limit: int = 1000,
    ) -> list[Alarm]:
        """Alarms matching every given filter, newest first (by raise time, then id)."""
        ...


class MemoryAlarmStore:
    """`AlarmStore` in a dict; thread-safe. Ids count up from 1."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._alarms: dict[int, Alarm] = {}
        self._active: dict[AlarmKey, int] = {}
        self._next = 1

    def insert(self, alarm: Alarm) -> Alarm:
        return self.insert_many([alarm])[0]

    def update(self, alarm: Alarm) -> None:
        self.update_many([alarm])

    def insert_many(self, alarms: Sequence[Alarm]) -> list[Alarm]:
        with self._lock:
            batch: set[AlarmKey] = set()
            for alarm in alarms:  # check the whole batch before storing any of it
                if alarm.key in self._active or alarm.key in batch:
                    raise DuplicateActiveAlarmError(f"{alarm.key} is already active")
                if alarm.active:
                    batch.add(alarm.key)
            stored = [replace(alarm, id=self._next + i) for i, alarm in enumerate(alarms)]
            self._next += len(stored)
            for alarm in stored:
                self._put(alarm)
            return stored

    def update_many(self, alarms: Sequence[Alarm]) -> None:
        with self._lock:
            for alarm in alarms:
                if alarm.id not in self._alarms:
                    raise AlarmNotFoundError(alarm.id)
            for alarm in alarms:
                self._put(alarm)

    def _put(self, alarm: Alarm) -> None:
        self._alarms[alarm.id] = alarm
        if alarm.active:
            self._active[alarm.key] = alarm.id
        elif self._active.get(alarm.key) == alarm.id:
            del self._active[alarm.key]

    def get(self, alarm_id: int) -> Alarm:
        with self._lock:
            try:
                return self._alarms[alarm_id]
            except KeyError:
                raise AlarmNotFoundError(alarm_id) from None

    def find_active(self, key: AlarmKey) -> Alarm | None:
        with self._lock:
            ident = self._active.get(key)
            return None if ident is None else self._alarms[ident]

    def search(
        self,
        *,
        active: bool | None = None,
        site: str | None = None,
        kind: AlarmKind | None = None,
        limit: int = 1000,
    ) -> list[Alarm]:
        with self._lock:
            found = [
                a
                for a in self._alarms.values()
                if (active is None or a.active == active)
                and (site is None or a.key.site == site)
                and (kind is None or a.key.kind == kind)
            ]
        found.sort(key=lambda a: (a.raised_at, a.id), reverse=True)
        return found[:limit]
