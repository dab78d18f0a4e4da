"""Alarm storms: a carrier outage raising thousands of link-down alarms at once, through the
`AlarmManager` on each alarm store.

    .venv/bin/python -m bench.bench_alarms --sites 10000 --repeat 3
    .venv/bin/python -m bench.bench_alarms --alarms 2000 --postgres postgresql+psycopg://...

On the generated network (`--sites`, seed 7), the storm downs every Internet link of one
carrier (`--carrier`, by default China Unicom's), or the first `--alarms` Internet links in
inventory order. Each run times three monitor ticks through `AlarmManager.apply` with the
network's dependency graph: raising the storm's link-down alarms, a quiet tick (nothing raised
or cleared: one read of the active alarms), and clearing them all. Every store keeps its alarms
across runs, as the controller does (the cleared ones are history). After the raise and the
clear, it also times queueing their notifications (`queue raise`, `queue clear`) through
`Outbox.submit`, with one notifier, on the matching outbox store; nothing is delivered (the
notifier would accept everything), so only the queueing is measured. Runs are more than the
outbox's cool-down apart, so every run notifies every raise.

Stores: the in-memory ones, the controller's `DatabaseAlarmStore` and `DatabaseOutboxStore` on
a temporary SQLite database (`make_engine`, `upgrade`: the controller's own schema and
pragmas), and with `--postgres URL` on that PostgreSQL database (a scratch one: it is migrated,
and the alarms and outbox records the bench wrote are deleted at the end). For the database
stores the bench also counts the transactions each tick and each queue began. Figures are
medians over `--repeat` runs, with the range.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, event, func, select
from sqlalchemy.engine import make_url

from controller.db.engine import make_engine
from controller.db.migrate import upgrade
from controller.db.tables import AlarmDeliveryRow, AlarmNotifiedRow, AlarmRaiseRow, AlarmRow
from controller.store.alarm_store import DatabaseAlarmStore
from controller.store.outbox_store import DatabaseOutboxStore
from sites.generator import generate_reference_network
from sites.inventory import Inventory
from telemetry.alarms import (
    AlarmKey,
    AlarmKind,
    AlarmManager,
    AlarmSpec,
    AlarmStore,
    EngineResult,
    EventType,
    MemoryAlarmStore,
    Severity,
    dependency_graph,
)
from telemetry.alarms.notify import MemoryOutboxStore, Notification, Outbox, OutboxStore

START = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
TICK = timedelta(seconds=5)  # the controller's monitor period
COOLDOWN = timedelta(minutes=15)  # the outbox's default
PHASES = ("raise", "quiet", "clear", "queue raise", "queue clear")


class Accepting:
    """A notifier that accepts everything (the bench delivers nothing: it is not called)."""

    name = "accepting"

    def send(self, notification: Notification) -> None:
        pass


def storm_keys(inventory: Inventory, carrier: str, alarms: int | None) -> list[AlarmKey]:
    """The link-down keys of the storm: the carrier's Internet links, or the first `alarms`
    Internet links of any carrier."""
    links = [
        (site.id, link)
        for site in inventory.sites
        for link in site.links
        if link.transport.value == "Internet"
    ]
    if alarms is None:
        links = [(s, link) for s, link in links if link.carrier == carrier]
    else:
        links = links[:alarms]
    return [AlarmKey(AlarmKind.LINK_DOWN, site, link.id) for site, link in links]


@dataclass
class Figures:
    seconds: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PHASES})
    transactions: dict[str, list[int]] = field(default_factory=lambda: {p: [] for p in PHASES})


@contextmanager
def counting(engine: Engine | None) -> Iterator[list[int]]:
    """Counts the transactions begun on `engine` (none for the memory store)."""
    count = [0]

    def begin(_conn: Connection) -> None:
        count[0] += 1

    if engine is not None:
        event.listen(engine, "begin", begin)
    try:
        yield count
    finally:
        if engine is not None:
            event.remove(engine, "begin", begin)


def run_storms(
    store: AlarmStore,
    outbox_store: OutboxStore,
    engine: Engine | None,
    *,
    inventory: Inventory,
    keys: list[AlarmKey],
    repeat: int,
) -> Figures:
    manager = AlarmManager(store, dependency_graph(inventory))
    outbox = Outbox([Accepting()], cooldown=COOLDOWN, store=outbox_store)
    raised = EngineResult(
        raised=tuple(AlarmSpec(k, Severity.MAJOR, f"{k.site} {k.link}: down") for k in keys)
    )
    cleared = EngineResult(cleared=tuple((k, "link up") for k in keys))
    ticks: dict[str, tuple[EngineResult, EventType | None]] = {
        "raise": (raised, EventType.RAISED),
        "quiet": (EngineResult(), None),
        "clear": (cleared, EventType.CLEARED),
    }
    figures = Figures()
    now = START
    for _ in range(repeat):
        for phase, (result, expected) in ticks.items():
            with counting(engine) as transactions:
                start = time.perf_counter()
                events = manager.apply(result, now)
                figures.seconds[phase].append(time.perf_counter() - start)
            figures.transactions[phase].append(transactions[0])
            assert [e.type for e in events] == [expected] * len(keys if expected else []), phase
            if expected is not None:
                with counting(engine) as transactions:
                    start = time.perf_counter()
                    queued = outbox.submit(events)
                    figures.seconds[f"queue {phase}"].append(time.perf_counter() - start)
                figures.transactions[f"queue {phase}"].append(transactions[0])
                assert queued == len(keys), phase
            now += TICK
        now += COOLDOWN  # the next run's raises are notified again
    return figures


def report(name: str, figures: Figures, database: bool) -> None:
    parts = []
    for phase in PHASES:
        times = figures.seconds[phase]
        unit, scale = ("ms", 1000) if phase == "quiet" else ("s", 1)
        text = f"{phase} {statistics.median(times) * scale:.2f} {unit}"
        if len(times) > 1:
            text += f" ({min(times) * scale:.2f}-{max(times) * scale:.2f})"
        if database:
            counts = sorted(set(figures.transactions[phase]))
            text += f", {'/'.join(map(str, counts))} transactions"
        parts.append(text)
    print(f"  {name + ':':<11} " + "; ".join(parts[:3]))  # the alarm store
    print(f"  {'':<11} " + "; ".join(parts[3:]))  # the outbox


Run = Callable[[AlarmStore, OutboxStore, Engine | None], Figures]


def on_database(url: str, name: str, run: Run) -> Figures:
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            before = conn.execute(select(func.max(AlarmRow.id))).scalar_one() or 0
            queued = conn.execute(select(func.max(AlarmDeliveryRow.id))).scalar_one() or 0
        figures = run(DatabaseAlarmStore(engine), DatabaseOutboxStore(engine), engine)
        with engine.begin() as conn:  # leave the database as it was: drop what the bench wrote
            conn.execute(delete(AlarmRow).where(AlarmRow.id > before))
            conn.execute(delete(AlarmDeliveryRow).where(AlarmDeliveryRow.id > queued))
            conn.execute(delete(AlarmNotifiedRow).where(AlarmNotifiedRow.alarm_id > before))
            conn.execute(delete(AlarmRaiseRow).where(AlarmRaiseRow.at >= START))
        report(name, figures, database=True)
        return figures
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--carrier", default="China Unicom")
    parser.add_argument("--alarms", type=int, help="the first N Internet links instead")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="also on this (scratch) database")
    args = parser.parse_args(argv)
    inventory = generate_reference_network(args.sites, seed=7)
    keys = storm_keys(inventory, args.carrier, args.alarms)
    what = f"the first {len(keys):,} Internet links" if args.alarms else (
        f"every Internet link of {args.carrier} ({len(keys):,})"
    )  # fmt: skip
    print(f"{len(inventory.sites):,} sites; storm: {what} down, then a quiet tick, then up")
    runs = f"median of {args.repeat} runs (range)" if args.repeat > 1 else "one run"
    print(f"  {runs}; one tick = one AlarmManager.apply, one queue = one Outbox.submit")

    def run(store: AlarmStore, outbox_store: OutboxStore, engine: Engine | None) -> Figures:
        return run_storms(
            store, outbox_store, engine, inventory=inventory, keys=keys, repeat=args.repeat
        )

    report("memory", run(MemoryAlarmStore(), MemoryOutboxStore(), None), database=False)
    with tempfile.TemporaryDirectory() as tmp:
        on_database(f"sqlite:///{Path(tmp) / 'controller.db'}", "sqlite", run)
    if args.postgres:
        on_database(args.postgres, f"postgresql ({make_url(args.postgres).host})", run)
    command = f".venv/bin/python -m bench.bench_alarms --sites {args.sites} --repeat {args.repeat}"
    command += f" --alarms {args.alarms}" if args.alarms else f" --carrier '{args.carrier}'"
    command += " --postgres URL" if args.postgres else ""
    print(f"reproduce: {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
