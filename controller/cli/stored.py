"""The controller's store, opened for one command and closed after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from controller.settings import Settings
    from controller.store.facade import Store


@contextmanager
def opened_store(settings: Settings | None = None) -> Iterator[Store]:
    """The store of `settings` (default: the environment's), disposed of at the end."""
    from controller.settings import Settings
    from controller.stores import open_store

    store = open_store(settings or Settings())
    try:
        yield store
    finally:
        store.engine.dispose()
