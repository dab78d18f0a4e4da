"""The loop's ticks fall on whole multiples of the interval, so a replay can find them again."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from controller.reconcile.loop import next_tick, run_forever


@pytest.mark.parametrize(
    ("now", "interval", "expected"),
    [(1000.0, 5, 1005.0), (1001.2, 5, 1005.0), (1004.999, 5, 1005.0), (59.5, 0.5, 60.0)],
)
def test_next_tick(now: float, interval: float, expected: float) -> None:
    assert next_tick(now, interval) == pytest.approx(expected)


def test_steps_get_aligned_instants_and_a_failure_does_not_stop_them() -> None:
    seen: list[datetime] = []

    def broken(_: datetime) -> None:
        raise RuntimeError("boom")

    async def main() -> None:
        task = asyncio.create_task(run_forever([("broken", broken), ("ok", seen.append)], 0.05))
        while len(seen) < 3:
            await asyncio.sleep(0.01)
        task.cancel()

    asyncio.run(asyncio.wait_for(main(), timeout=10))
    stamps = [t.timestamp() for t in seen]
    # On the 50 ms grid (to the microsecond a datetime keeps, whatever float rounding adds).
    assert all(abs(s - round(s / 0.05) * 0.05) < 1e-5 for s in stamps)
    assert stamps == sorted(stamps)
