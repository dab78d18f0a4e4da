"""`branchline serve` and `branchline demo`: run the controller API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from controller.app import create_app
from controller.cli.console import err, print_problems, progress_bar
from controller.server import serve as run_server
from sites.errors import InventoryError
from sites.generator import generate_reference_network
from sites.inventory import Inventory
from sites.loader import load_inventory

Host = Annotated[str, typer.Option(help="address to listen on (loopback by default)")]
Port = Annotated[int, typer.Option(min=1, max=65535, help="TCP port")]


def serve(
    inventory: Annotated[Path, typer.Option("--inventory", "-i", help="inventory YAML to load")],
    host: Host = "127.0.0.1",
    port: Port = 8080,
) -> None:
    """Start the controller API with an inventory file loaded."""
    try:
        loaded = load_inventory(inventory)
    except InventoryError as exc:
        print_problems(exc)
        raise typer.Exit(1) from None
    _run(loaded, host, port, f"{inventory}")


def demo(
    branches: Annotated[int, typer.Option(min=0, max=100_000)] = 340,
    seed: Annotated[int, typer.Option()] = 7,
    host: Host = "127.0.0.1",
    port: Port = 8080,
) -> None:
    """Generate the reference network on embedded defaults and serve it: no server needed."""
    with progress_bar("Generating the reference network", branches) as advance:
        inventory = generate_reference_network(branches, seed, progress=advance)
    _run(inventory, host, port, f"reference network, {branches} branches, seed {seed}")


def _run(inventory: Inventory, host: str, port: int, origin: str) -> None:
    base = f"http://{host}:{port}"
    err.print(
        f"[bold]Branchline controller[/] on {base} with {len(inventory.sites)} sites ({origin})\n"
        f"  sites: {base}/api/v1/sites   API docs: {base}/docs   Ctrl-C stops"
    )
    run_server(create_app(inventory), host, port)
