"""Kept answers (controller/api/kept.py): what is computed when, on a clock the test moves;
and a replay cut to a scoped viewer's sites."""

from __future__ import annotations

import threading

import pytest

from controller.api.kept import Kept
from telemetry.map import Replay

FRESH, KEEP = 60.0, 600.0


class Counted:
    """A computation that counts its calls; each answer says which call made it."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.done = threading.Event()

    def __call__(self, key: str) -> str:
        self.calls.append(key)
        self.done.set()
        return f"{key}#{len(self.calls)}"


def kept(compute: Counted, clock: list[float], limit: int = 8) -> Kept[str, str]:
    return Kept(compute, fresh_s=FRESH, keep_s=KEEP, limit=limit, clock=lambda: clock[0])


def test_an_answer_is_kept_then_served_while_it_is_computed_again_behind_it() -> None:
    compute, clock = Counted(), [0.0]
    answers = kept(compute, clock)
    assert answers.get("day") == "day#1"  # the first ask waits for it
    clock[0] = FRESH - 1
    assert answers.get("day") == "day#1" and len(compute.calls) == 1
    clock[0] = FRESH + 1
    compute.done.clear()
    assert answers.get("day") == "day#1"  # the kept answer, at once...
    assert compute.done.wait(5)  # ... and a new one computed behind it
    for _ in range(200):
        if answers.get("day") == "day#2":
            break
        threading.Event().wait(0.01)
    assert answers.get("day") == "day#2"
    clock[0] += KEEP + 1
    assert answers.get("day") == "day#3"  # too old to serve: computed first


def test_an_answer_that_no_longer_changes_is_kept_and_the_oldest_go_first() -> None:
    compute, clock = Counted(), [0.0]
    answers = kept(compute, clock, limit=2)
    assert answers.get("monday", moving=False) == "monday#1"
    clock[0] = KEEP * 10
    assert answers.get("monday", moving=False) == "monday#1"
    answers.get("tuesday", moving=False)
    answers.get("wednesday", moving=False)  # three kept at most two: monday goes
    assert answers.get("monday", moving=False) == "monday#4"


def test_warming_computes_in_the_background_once() -> None:
    compute, clock = Counted(), [0.0]
    answers = kept(compute, clock)
    answers.warm("page")
    assert compute.done.wait(5)
    for _ in range(200):
        if answers.get("page") == "page#1":
            break
        threading.Event().wait(0.01)
    answers.warm("page")  # kept already: nothing more
    assert answers.get("page") == "page#1" and compute.calls == ["page"]


def test_kept_fresh_computes_what_is_missing_or_no_longer_fresh_and_nothing_else() -> None:
    compute, clock = Counted(), [0.0]
    answers = kept(compute, clock)

    def computed(n: int) -> None:
        for _ in range(500):
            if len(compute.calls) == n and answers.has("replay"):
                break
            threading.Event().wait(0.01)
        assert len(compute.calls) == n

    answers.keep_fresh("replay")  # none kept: computed behind
    computed(1)
    clock[0] = FRESH - 1
    answers.keep_fresh("replay")  # fresh: nothing
    threading.Event().wait(0.05)
    assert compute.calls == ["replay"]
    clock[0] = FRESH + 1
    answers.keep_fresh("replay")  # stale: computed again, the ask then finds it fresh
    computed(2)
    for _ in range(200):
        if answers.get("replay") == "replay#2":
            break
        threading.Event().wait(0.01)
    assert answers.get("replay") == "replay#2" and len(compute.calls) == 2


def test_a_replay_is_cut_to_the_sites_a_viewer_sees() -> None:
    replay = Replay(("a", "b", "c"), [0, 1], 3_600_000, ["012", "321"])
    assert replay.seen_by({"a", "c"}.__contains__) == Replay(("a", "c"), [0, 1], 3_600_000,
                                                             ["02", "31"])  # fmt: skip
    assert replay.seen_by(lambda site: True) is replay


def test_a_computation_that_fails_behind_the_answer_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(key: str) -> str:
        raise RuntimeError("the store is closed")

    answers: Kept[str, str] = Kept(broken, fresh_s=FRESH, keep_s=KEEP, limit=2)
    with caplog.at_level("WARNING", logger="branchline.kept"):
        answers.warm("page")
        for _ in range(200):
            if "failed" in caplog.text:
                break
            threading.Event().wait(0.01)
    assert "computing a kept answer ('page') failed: RuntimeError: the store is closed" in (
        caplog.text
    )
    assert not answers.has("page")
