"""The cycle collector around the controller's large state: a reconcile step allocates without
setting off collections, and the network it builds is out of the collector's walks."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from controller.longlived import collector_paused
from controller.reconcile.reconciler import Reconciler
from controller.store.facade import Store
from sites.generator import generate_reference_network
from telemetry.store.registry import open_store as open_telemetry


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector as this process had it, and everything frozen by the test let go."""
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()


def tracked(thing: object) -> bool:
    """`thing` is among the objects the collector walks (not frozen)."""
    return any(o is thing for o in gc.get_objects())


def test_pauses_from_two_threads_end_with_the_last(collector: None) -> None:
    gc.enable()
    entered, release = threading.Event(), threading.Event()

    def other() -> None:
        with collector_paused():
            entered.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    with collector_paused():
        assert not gc.isenabled()
        thread.start()
        assert entered.wait(10)
    assert not gc.isenabled()  # the other thread still pauses it
    release.set()
    thread.join(10)
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled(collector: None) -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_a_step_records_with_the_collector_paused_and_freezes_the_network(
    store: Store, tmp_path: Path, collector: None
) -> None:
    gc.enable()
    store.replace_inventory(generate_reference_network(5, seed=7), actor="test-setup")
    telemetry = open_telemetry("embedded", path=tmp_path / "t.db")
    seen: list[bool] = []
    record = store.paths.record

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return record(*args, **kwargs)

    store.paths.record = recording  # type: ignore[method-assign]
    try:
        _, inventory = store.current.get()
        assert tracked(inventory)
        Reconciler(store, telemetry).step(datetime.now(UTC))
        assert seen == [False]
        assert gc.isenabled()
        assert not tracked(inventory)  # the network the step worked on is frozen
    finally:
        telemetry.close()
