"""`branchline sim replay`: recorded telemetry through the policy engine again, offline, under
the controller's policies as they were (or a policy file), with A/B and a check against the
journal (docs/simulator.md, "Replay")."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.markup import escape
from rich.table import Table

from controller.cli.console import err, out, print_problems
from controller.cli.policy_cmd import read_policy
from sites.errors import InventoryError

if TYPE_CHECKING:
    from controller.settings import Settings
    from controller.store.facade import Store
    from policies.governance import PolicyHistory
    from policies.moves import Move
    from simulator.replay import ReplayResult
    from sites.inventory import Inventory
    from telemetry.store.base import TelemetryStore


def replay(
    start: Annotated[
        str | None, typer.Option("--start", help="window start, ISO 8601 (naive = UTC)")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="window end (exclusive), ISO 8601")
    ] = None,
    last: Annotated[
        str | None,
        typer.Option("--last", help="instead of --start/--end: the window up to now, e.g. 1h"),
    ] = None,
    every: Annotated[
        float, typer.Option("--every", help="tick interval in seconds (the loop's interval)")
    ] = 5.0,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="the data of `branchline demo` (BRANCHLINE_DATA_DIR/demo)"),
    ] = False,
    policy_file: Annotated[
        Path | None, typer.Option("--policy", help="policy A (default: the one in force)")
    ] = None,
    policy_b_file: Annotated[
        Path | None, typer.Option("--policy-b", help="policy B: report where A and B differ")
    ] = None,
    inventory_file: Annotated[
        Path | None, typer.Option("--inventory", help="an exported inventory YAML")
    ] = None,
    telemetry_file: Annotated[
        Path | None, typer.Option("--telemetry", help="an embedded telemetry database file")
    ] = None,
    lookback_s: Annotated[
        float | None,
        typer.Option("--lookback", help="sample freshness in seconds (default: the controller's)"),
    ] = None,
    against_journal: Annotated[
        bool, typer.Option("--against-journal", help="compare A with the controller's journal")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the results as JSON")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="also write the JSON results here")
    ] = None,
) -> None:
    """Replay recorded telemetry over [START, END) through policy A (and B).

    Exit status 1 if --against-journal finds a mismatch, 2 on bad input.
    """
    from controller.settings import Settings
    from controller.stores import open_store
    from simulator.replay.compare import compare

    lo, hi, window = _window(start, end, last, every)
    settings = Settings()
    if demo:
        settings = settings.model_copy(update={"data_dir": settings.data_dir / "demo"})
    lookback = timedelta(
        seconds=settings.observation_lookback_s if lookback_s is None else lookback_s
    )
    if (inventory_file is None) != (telemetry_file is None):
        _bad("give both --inventory and --telemetry, or neither")
    needs_store = inventory_file is None or against_journal
    store = open_store(settings) if needs_store else None
    try:
        inventory, policy_a, telemetry = _sources(
            settings, store, inventory_file, telemetry_file, policy_file
        )
        # Where the controller had the applications when the window opens (its journal).
        baseline = store.paths.as_of(lo) if store is not None else {}

        def run(policies: PolicyHistory) -> ReplayResult:
            from simulator.replay import replay as run_replay

            return run_replay(inventory, telemetry, policies, window, lookback, baseline=baseline)

        try:
            result_a = run(policy_a)
            result_b = run(_fixed(policy_b_file)) if policy_b_file is not None else None
        finally:
            telemetry.close()
        report: dict[str, Any] = {
            "window": {
                "start": window[0].isoformat() if window else None,
                "end": window[-1].isoformat() if window else None,
                "ticks": len(window),
                "every_s": every,
                "lookback_s": lookback.total_seconds(),
            },
            "baseline_paths": len(baseline),
            "evaluated": result_a.evaluated,
            "unobserved": result_a.unobserved,
            "decisions": [d.to_dict() for d in result_a.decisions],
        }
        ok = True
        if result_b is not None:
            report["differences"] = [d.to_dict() for d in compare(result_a, result_b)]
        if against_journal:
            assert store is not None
            journal = _journal(store, lo, hi)
            check = _against(result_a, journal, by_version=policy_file is None)
            report["journal"] = check
            ok = not check["missing"] and not check["extra"]
    finally:
        if store is not None:
            store.engine.dispose()
    if output is not None:
        output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if as_json:
        out.print_json(json.dumps(report))
    else:
        _print_replay(report)
    if not ok:
        raise typer.Exit(1)


def start_at(text: str) -> datetime:
    """An ISO 8601 instant; a naive one is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        _bad(f"not an ISO 8601 time: {text!r}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _bad(message: str) -> NoReturn:
    err.print(f"[red]{escape(message)}[/]")
    raise typer.Exit(2)


def _window(
    start: str | None, end: str | None, last: str | None, every: float
) -> tuple[datetime, datetime, tuple[datetime, ...]]:
    """The window's start and end, and its ticks."""
    from simulator.durations import parse_seconds
    from simulator.replay import tick_instants

    if (last is None) == (start is None and end is None) or (start is None) != (end is None):
        _bad("give --start and --end, or --last")
    if last is not None:
        try:
            span = parse_seconds(last)
        except ValueError as exc:
            _bad(f"--last: {exc}")
        hi = datetime.now(UTC).replace(microsecond=0)
        lo = hi - timedelta(seconds=span)
    else:
        assert start is not None and end is not None
        lo, hi = start_at(start), start_at(end)
    if every <= 0 or hi <= lo:
        _bad("need --every > 0 and --end after --start")
    return lo, hi, tick_instants(lo, hi, timedelta(seconds=every))


def _fixed(path: Path) -> PolicyHistory:
    """A policy file governing every site, named by its path."""
    from policies.document import PolicyDocumentError
    from policies.governance import PolicyHistory

    try:
        return PolicyHistory.fixed(read_policy(str(path)), str(path))
    except PolicyDocumentError as exc:
        for p in exc.problems:
            err.print(f"[bold]{escape(str(p.source))}[/]: {escape(p.message)}")
        raise typer.Exit(2) from None


def _sources(
    settings: Settings,
    store: Store | None,
    inventory_file: Path | None,
    telemetry_file: Path | None,
    policy_file: Path | None,
) -> tuple[Inventory, PolicyHistory, TelemetryStore]:
    """The inventory, policy A and the samples: exported files, else the controller's data
    (and the controller's policies as they were at each tick, unless --policy is given)."""
    from controller.reconcile.effective import policy_history
    from controller.stores import open_telemetry_store
    from policies.governance import PolicyHistory
    from policies.policy import Policy
    from sites.loader import load_inventory
    from telemetry.store.registry import open_store as open_telemetry

    if inventory_file is not None and telemetry_file is not None:
        try:
            inventory = load_inventory(inventory_file)
        except InventoryError as exc:
            print_problems(exc)
            raise typer.Exit(2) from None
        if not telemetry_file.is_file():
            _bad(f"no telemetry file {telemetry_file}")
        telemetry = open_telemetry("embedded", path=telemetry_file)
    else:
        assert store is not None
        inventory = store.export_inventory()
        telemetry = open_telemetry_store(settings)
    if policy_file is not None:
        policies = _fixed(policy_file)
    elif store is not None:  # what governed each site at each tick: overrides and versions
        policies = policy_history(store.policies)
    else:
        policies = PolicyHistory.fixed(Policy(), "built-in defaults")
    return inventory, policies, telemetry


def _journal(store: Store, start: datetime, end: datetime) -> list[Move]:
    from controller.store.path_store import (
        JournalQuery,
    )

    query, page = JournalQuery(since=start, until=end), 1000
    entries: list[Move] = []
    while True:
        total, rows = store.paths.journal(query, page, len(entries))
        entries += rows
        if not rows or len(entries) >= total:
            return entries


def _against(result: ReplayResult, journal: list[Move], by_version: bool) -> dict[str, Any]:
    """Which journal entries the replay reproduced (tick, site, app, from, to, and the policy
    version if `by_version`), and which not."""
    replayed = {(*d.key, d.policy.label if by_version else ""): d for d in result.decisions}
    recorded = {
        (c.at.astimezone(UTC), c.site, c.app, c.from_link, c.to_link,
         c.policy.label if by_version else ""): c
        for c in journal
    }  # fmt: skip
    return {
        "matched": len(set(replayed) & set(recorded)),
        "missing": [
            _journal_dict(recorded[k]) for k in sorted(set(recorded) - set(replayed), key=_order)
        ],
        "extra": [replayed[k].to_dict() for k in sorted(set(replayed) - set(recorded), key=_order)],
    }


def _order(key: tuple[Any, ...]) -> tuple[datetime, str, str]:
    return key[0], key[1], key[2]


def _journal_dict(c: Move) -> dict[str, str | None]:
    return c._replace(at=c.at.astimezone(UTC)).to_dict()


def _print_replay(report: dict[str, Any]) -> None:
    w = report["window"]
    out.print(
        f"{w['ticks']} ticks every {w['every_s']:g} s from {w['start']} to {w['end']} "
        f"(lookback {w['lookback_s']:g} s): {report['evaluated']} site steps, "
        f"{report['unobserved']} site-ticks without fresh samples, "
        f"{len(report['decisions'])} decisions; {report['baseline_paths']} application paths "
        "from the journal before the window"
    )
    table = Table("tick", "site", "app", "from", "to", "rule", "policy", title="decisions (A)")
    for d in report["decisions"]:
        table.add_row(
            d["at"], d["site"], d["app"], d["from"] or "-", d["to"] or "-", d["rule"],
            escape(d["policy"]),
        )  # fmt: skip
    out.print(table)
    if "differences" in report:
        diff = Table("tick", "site", "app", "A", "B", "reason A", "reason B", title="A/B")
        for d in report["differences"]:
            diff.add_row(
                d["at"], d["site"], d["app"], d["link_a"] or "-", d["link_b"] or "-",
                escape(d["reason_a"]), escape(d["reason_b"]),
            )  # fmt: skip
        out.print(diff)
        out.print(f"{len(report['differences'])} difference(s) between A and B")
    if "journal" in report:
        j = report["journal"]
        for label, rows in (("in the journal, not replayed", j["missing"]),
                            ("replayed, not in the journal", j["extra"])):  # fmt: skip
            if rows:
                t = Table("tick", "site", "app", "from", "to", "rule", title=label)
                for d in rows:
                    t.add_row(d["at"], d["site"], d["app"], d["from"] or "-", d["to"] or "-",
                              d["rule"])  # fmt: skip
                out.print(t)
        status = "[green]match[/]" if not j["missing"] and not j["extra"] else "[red]MISMATCH[/]"
        out.print(
            f"journal: {status}: {j['matched']} matched, {len(j['missing'])} missing, "
            f"{len(j['extra'])} extra"
        )
