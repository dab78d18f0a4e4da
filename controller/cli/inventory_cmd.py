"""`branchline inventory ...`: generate the reference network, validate inventory files."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import Counter
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from controller.cli.actor import cli_actor
from controller.cli.console import err, out, print_problems, progress_bar
from sites.errors import InventoryError

if TYPE_CHECKING:
    from sites.inventory import Inventory

app = typer.Typer(
    help="Inventory files: generate, validate, import into and export from the controller."
)


@app.command()
def generate(
    branches: Annotated[int, typer.Option(min=0, max=100_000, help="number of branches")] = 340,
    seed: Annotated[int, typer.Option(help="random seed; same seed, same network")] = 7,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write here instead of stdout")
    ] = None,
) -> None:
    """Write the reference securities-firm WAN (one DC hub, N branches) as inventory YAML."""
    from sites.generator import generate_reference_network
    from sites.loader import dump_inventory

    with progress_bar("Generating branches", branches) as advance:
        inventory = generate_reference_network(branches, seed, progress=advance)
    text = dump_inventory(inventory)
    if output is None:
        sys.stdout.write(text)
        return
    _write_atomically(output, text)
    err.print(f"wrote {len(inventory.sites)} sites to {output}")


@app.command()
def validate(
    file: Annotated[str, typer.Argument(help="inventory YAML file, or - for standard input")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Check an inventory file; report every problem with file, line and field."""
    from sites.loader import load_inventory

    try:
        with err.status("Validating…") if err.is_terminal else nullcontext():
            inventory = load_inventory(file)
    except InventoryError as exc:
        if as_json:
            problems = [
                {"file": p.source, "line": p.line, "field": p.field, "message": p.message}
                for p in exc.problems
            ]
            out.print_json(json.dumps({"ok": False, "problems": problems}))
        else:
            print_problems(exc)
        raise typer.Exit(1) from None
    if as_json:
        out.print_json(json.dumps({"ok": True, **_counts(inventory)}))
    else:
        _print_summary(file, inventory)


def _counts(inventory: Inventory) -> dict[str, object]:
    return {
        "sites": len(inventory.sites),
        "hubs": len(inventory.hubs),
        "branch_classes": dict(
            sorted(Counter(str(s.branch_class) for s in inventory.sites if s.branch_class).items())
        ),
        "links": dict(
            sorted(
                Counter(str(link.transport) for s in inventory.sites for link in s.links).items()
            )
        ),
        "applications": len(inventory.applications),
        "sla_classes": len(inventory.sla_classes),
    }


def _print_summary(file: str, inventory: Inventory) -> None:
    counts = _counts(inventory)
    out.print(
        f"[green]ok[/] {file if file != '-' else '<stdin>'}: {counts['sites']} sites "
        f"({counts['hubs']} hub), {counts['applications']} applications, "
        f"{counts['sla_classes']} SLA classes"
    )
    table = Table("class", "branches", "MSTP", "MPLS", "Internet", "LTE", box=None)
    by_class: dict[str, Counter[str]] = {}
    for site in inventory.sites:
        key = str(site.branch_class) if site.branch_class else "hub"
        row = by_class.setdefault(key, Counter())
        row["branches"] += 1
        row.update(str(link.transport) for link in site.links)
    for key in sorted(by_class):
        row = by_class[key]
        table.add_row(key, *(str(row[c]) for c in ("branches", "MSTP", "MPLS", "Internet", "LTE")))
    out.print(table)


def _write_atomically(path: Path, text: str) -> None:
    """Never leave a half-written inventory behind: write a temp file, then rename over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command("import")
def import_(
    file: Annotated[str, typer.Argument(help="inventory YAML file, or - for standard input")],
) -> None:
    """Replace the controller's stored inventory with FILE: all or nothing."""
    from controller.settings import Settings
    from controller.stores import open_store
    from sites.loader import load_inventory

    try:
        inventory = load_inventory(file)
    except InventoryError as exc:
        print_problems(exc)
        raise typer.Exit(1) from None
    store = open_store(Settings())
    try:
        store.replace_inventory(inventory, cli_actor())
    finally:
        store.engine.dispose()
    err.print(f"imported {len(inventory.sites)} sites, {len(inventory.applications)} applications")


@app.command()
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write here instead of stdout")
    ] = None,
) -> None:
    """Write the controller's stored inventory as YAML."""
    from controller.settings import Settings
    from controller.stores import open_store
    from sites.loader import dump_inventory

    store = open_store(Settings())
    try:
        text = dump_inventory(store.export_inventory())
    finally:
        store.engine.dispose()
    if output is None:
        sys.stdout.write(text)
    else:
        _write_atomically(output, text)
