"""`branchline policy lint`: check a policy file before it moves traffic."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.markup import escape
from rich.table import Table

from controller.cli.console import err, out, print_problems
from sites.errors import InventoryError, Problem

if TYPE_CHECKING:
    from policies.lint import LintReport
    from policies.policy import Policy
    from sites.inventory import Inventory

app = typer.Typer(help="Policies: lint a policy file before it moves traffic.")


@app.command()
def lint(
    policy_file: Annotated[
        str | None,
        typer.Argument(
            help="policy as YAML or JSON, or - for standard input; omitted: the built-in defaults"
        ),
    ] = None,
    inventory_file: Annotated[
        str | None,
        typer.Option(
            "--inventory", help="inventory YAML: also check names, SLA physics, metered links"
        ),
    ] = None,
    probe_interval: Annotated[
        float, typer.Option("--probe-interval", help="seconds between link probes")
    ] = 1.0,
    probe: Annotated[
        str | None,
        typer.Option(
            "--probe",
            help="a preset's probe timers instead (interval, lost probes "
            "that declare a link down, good ones that declare it up): cisco-bfd, "
            "fortinet, velocloud, versa, mwan3, flexiwan",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Find policies that validate but cannot behave, and show how fast this one reacts.

    Exit status 1 if the file is invalid or the linter finds an error, else 0.
    """
    from policies.document import PolicyDocumentError
    from policies.lint import (
        ANCHORS,
        lint_policy,
    )
    from policies.policy import Policy
    from sites.loader import load_inventory

    if not (math.isfinite(probe_interval) and 0 < probe_interval <= 3600):
        raise typer.BadParameter("must be > 0 and <= 3600 seconds", param_hint="--probe-interval")
    timers = None
    if probe is not None:
        from policies.probe_timers import PRESETS, PresetName

        if probe not in {p.value for p in PresetName}:
            raise typer.BadParameter(f"{probe!r} is not one of "
                                     f"{', '.join(p.value for p in PresetName)}",
                                     param_hint="--probe")  # fmt: skip
        timers = PRESETS[PresetName(probe)]
    if policy_file == "-" and inventory_file == "-":
        raise typer.BadParameter("only one of POLICY_FILE and --inventory can read stdin")
    try:
        policy = Policy() if policy_file is None else read_policy(policy_file)
    except PolicyDocumentError as exc:
        _fail(list(exc.problems), "policy", as_json)
    inventory: Inventory | None = None
    if inventory_file is not None:
        try:
            inventory = load_inventory(inventory_file)
        except InventoryError as exc:
            _fail(list(exc.problems), "inventory", as_json)
    report = lint_policy(policy, inventory, probe_interval, probe=timers)
    if as_json:
        document = {**report.to_dict(), "anchors": [a.to_dict() for a in ANCHORS]}
        out.print_json(json.dumps(document))
    else:
        _print_report(report, policy_file, inventory_file, inventory)
    if not report.ok:
        raise typer.Exit(1)


def read_policy(source: str) -> Policy:
    """Read and validate a policy file ('-': standard input). YAML, or JSON (a subset of it)."""
    from policies.document import (
        PolicyDocumentError,
        parse_policy,
    )

    name = "<stdin>" if source == "-" else source
    if source == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problem = Problem((), f"cannot read file: {exc}", source=name)
            raise PolicyDocumentError([problem]) from exc
    return parse_policy(text, name)


def _fail(problems: list[Problem], what: str, as_json: bool) -> NoReturn:
    if as_json:
        found = [
            {"file": p.source, "line": p.line, "field": p.field, "message": p.message}
            for p in problems
        ]
        out.print_json(json.dumps({"ok": False, "invalid": what, "problems": found}))
    elif what == "inventory":
        print_problems(InventoryError(problems))
    else:
        for p in problems:
            where = p.source or "<policy>"
            if p.line is not None:
                where += f":{p.line}"
            err.print(f"[bold]{escape(where)}[/]: [cyan]{escape(p.field)}[/]: {escape(p.message)}")
        count = len(problems)
        err.print(f"[red]{count} problem{'s' if count != 1 else ''}[/]; the policy was not linted.")
    raise typer.Exit(1)


def _print_report(
    report: LintReport, policy_file: str | None, inventory_file: str | None, inv: Inventory | None
) -> None:
    from policies.lint import Severity

    policy = "built-in defaults" if policy_file is None else _name(policy_file)
    against = (
        f", against {_name(inventory_file)} ({len(inv.sites)} sites, "
        f"{len(inv.applications)} applications)"
        if inventory_file is not None and inv is not None
        else " (no inventory: network checks skipped)"
    )
    out.print(f"policy {escape(policy)}{escape(against)}")
    for f in report.findings:
        colour = "red" if f.severity is Severity.ERROR else "yellow"
        out.print(
            f"[{colour}]{f.severity.value}[/] [cyan]{escape(f.field)}[/]: {escape(f.message)} "
            f"[dim]({f.code.value})[/]"
        )
    _print_timing(report)
    errors, warnings = len(report.errors), len(report.warnings)
    if not report.findings:
        out.print("[green]ok[/]: no findings")
    else:
        colour = "red" if errors else "yellow"
        out.print(f"[{colour}]{_count(errors, 'error')}, {_count(warnings, 'warning')}[/]")


def _print_timing(report: LintReport) -> None:
    from policies.lint import ANCHORS

    t = report.timing
    out.print(
        f"\nWorst case at one probe every {_duration(t.probe_interval_s)}, a link down after "
        f"{t.detect_multiplier} lost and up after {t.recover_probes} good; flap dampening "
        + (f"reaches its cap after {t.flaps_to_max} quick flaps" if t.flaps_to_max else "is off")
    )
    table = Table("", "probe", "link down", "SLA breach", "fail back", "when flapping", box=None)
    table.add_row(
        "[bold]this policy[/]",
        *(
            f"[bold]{_duration(s)}[/]"
            for s in (
                t.probe_interval_s,
                t.detect_down_s,
                t.detect_sla_s,
                t.fail_back_s,
                t.fail_back_flapping_s,
            )
        ),
    )
    for a in ANCHORS:
        times = (a.detect_down_s, a.detect_sla_s, a.fail_back_s, a.fail_back_flapping_s)
        table.add_row(a.system, a.probe, *(_duration(s) for s in times))
    out.print(table)


def _duration(seconds: float | None) -> str:
    """0.3 -> '300 ms', 2.5 -> '2.5 s', 900 -> '15 min', 3600 -> '1 h'; None -> '-'."""
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.3g} min"
    return f"{seconds / 3600:.3g} h"


def _name(source: str) -> str:
    return "<stdin>" if source == "-" else source


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"
