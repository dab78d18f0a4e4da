"""`branchline serve`: run the controller API (`branchline demo` is controller/cli/demo_cmd.py)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from controller.cli.actor import cli_actor
from controller.cli.console import err, print_problems
from sites.errors import InventoryError

if TYPE_CHECKING:
    from controller.settings import Settings
    from controller.store.facade import Store

Host = Annotated[str, typer.Option(help="address to listen on (loopback by default)")]
Port = Annotated[int, typer.Option(min=1, max=65535, help="TCP port")]


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


Level = Annotated[LogLevel, typer.Option(help="info logs every request; warning does not")]


def serve(
    inventory: Annotated[
        Path | None,
        typer.Option(
            "--inventory", "-i", help="import this inventory first (replaces the stored one)"
        ),
    ] = None,
    host: Host = "127.0.0.1",
    port: Port = 8080,
    log_level: Level = LogLevel.INFO,
) -> None:
    """Start the controller API on the database of BRANCHLINE_DATA_DIR / BRANCHLINE_DATABASE_URL."""
    from controller.settings import Settings
    from controller.stores import open_store
    from sites.loader import load_inventory

    settings = Settings()
    store = open_store(settings)
    if inventory is not None:
        try:
            store.replace_inventory(load_inventory(inventory), cli_actor())
        except InventoryError as exc:
            print_problems(exc)
            raise typer.Exit(1) from None
    _run(settings, store, host, port, log_level, f"database {where(settings)}")


def where(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.resolved_database_url()).render_as_string(hide_password=True)


def _run(
    settings: Settings, store: Store, host: str, port: int, log_level: LogLevel, origin: str
) -> None:
    tls = None
    if settings.tls_certfile is not None or settings.tls_keyfile is not None:
        if settings.tls_certfile is None or settings.tls_keyfile is None:
            err.print("[red]error[/]: give both BRANCHLINE_TLS_CERTFILE and BRANCHLINE_TLS_KEYFILE")
            raise typer.Exit(2)
        tls = (settings.tls_certfile, settings.tls_keyfile)
    base = f"{'https' if tls else 'http'}://{host}:{port}"
    sites = store.summary().sites
    err.print(
        f"[bold]Branchline controller[/] on {base} with {sites} sites ({origin})\n"
        f"  sites: {base}/api/v1/sites   API docs: {base}/docs   Ctrl-C stops"
    )
    try:
        # The web stack is imported by the commands that serve, not by `branchline --help`.
        from controller.app import create_app
        from controller.server import serve as run_server

        app = create_app(settings, store=store)
        run_server(app, host, port, log_level.value, settings.trusted_proxies, tls=tls)
    finally:
        store.engine.dispose()
