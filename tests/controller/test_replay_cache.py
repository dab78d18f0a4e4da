"""The map's kept replays (controller/api/replay_cache.py): what is computed when, on a clock
the test moves."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from controller.api.replay_cache import FRESH_S, KEEP_S, ReplayCache, seen_by
from controller.auth.principal import Principal, Role
from telemetry.map import Replay

NOW = datetime(2026, 12, 6, 10, 30, tzinfo=UTC)


class Counted:
    """A replay computation that counts its calls and says which call made each copy."""

    def __init__(self) -> None:
        self.calls: list[datetime] = []
        self.done = threading.Event()

    def __call__(self, end: datetime) -> Replay:
        self.calls.append(end)
        self.done.set()
        return Replay(("a", "b", "c"), [0], 3_600_000, [str(len(self.calls)) * 3])


def test_the_last_24_h_is_served_kept_and_recomputed_behind_the_answer() -> None:
    compute, clock = Counted(), [0.0]
    cache = ReplayCache(compute, clock=lambda: clock[0])
    assert cache.get(1, None, NOW).codes == ["111"]  # the first ask waits for it
    clock[0] = FRESH_S - 1
    assert cache.get(1, None, NOW).codes == ["111"] and len(compute.calls) == 1
    clock[0] = FRESH_S + 1
    compute.done.clear()
    assert cache.get(1, None, NOW).codes == ["111"]  # the copy, at once...
    assert compute.done.wait(5) and len(compute.calls) == 2  # ... and a new one behind it
    for _ in range(100):
        if cache.get(1, None, NOW).codes == ["222"]:
            break
        threading.Event().wait(0.01)
    assert cache.get(1, None, NOW).codes == ["222"]
    clock[0] += KEEP_S + 1
    assert cache.get(1, None, NOW).codes == ["333"]  # too old to serve: recomputed first
    assert cache.get(2, None, NOW).codes == ["444"]  # the network changed


def test_a_past_day_is_kept_and_today_moves() -> None:
    compute, clock = Counted(), [0.0]
    cache = ReplayCache(compute, clock=lambda: clock[0])
    yesterday = NOW.replace(hour=0, minute=0) - timedelta(milliseconds=1)
    assert cache.get(1, yesterday, NOW).codes == ["111"]
    clock[0] = KEEP_S * 10
    assert cache.get(1, yesterday, NOW).codes == ["111"] and compute.calls == [yesterday]
    tonight = NOW.replace(hour=23, minute=59, second=59)
    assert cache.get(1, tonight, NOW).codes == ["222"]
    clock[0] += KEEP_S + 1
    assert cache.get(1, tonight, NOW).codes == ["333"]  # today's hours still move


def test_a_scoped_viewer_gets_its_sites_columns() -> None:
    replay = Replay(("a", "b", "c"), [0, 1], 3_600_000, ["012", "321"])
    scoped = Principal("branch", Role.VIEWER, frozenset({"a", "c"}))
    assert seen_by(replay, scoped) == Replay(("a", "c"), [0, 1], 3_600_000, ["02", "31"])
    everyone = Principal("noc", Role.VIEWER, None)
    assert seen_by(replay, everyone) is replay
