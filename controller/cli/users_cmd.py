"""`branchline user ...` and `branchline token ...`: accounts and API tokens, on this machine's
database (BRANCHLINE_DATA_DIR / BRANCHLINE_DATABASE_URL). Needed to create the first admin."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from controller.auth.principal import Role
from controller.cli.actor import cli_actor
from controller.cli.console import err, out

if TYPE_CHECKING:
    from controller.store.facade import Store

ROLE_HELP = (
    "viewer, operator or admin; device: a CPE's own token, that may only report its "
    "sites' telemetry"
)
user_app = typer.Typer(help="Users: who may use the API, with which role and sites.")
token_app = typer.Typer(help="API tokens: created once, shown once, stored hashed.")


@contextmanager
def _store() -> Iterator[Store]:
    from controller.errors import ResourceError
    from controller.settings import Settings
    from controller.stores import open_store

    store = open_store(Settings())
    try:
        yield store
    except ResourceError as exc:
        err.print(f"[red]error[/]: {exc}")
        raise typer.Exit(1) from None
    finally:
        store.engine.dispose()


@user_app.command("add")
def add_user(
    name: Annotated[str, typer.Argument(help="user name, lower-case")],
    role: Annotated[Role, typer.Option(help=ROLE_HELP)] = Role.VIEWER,
    sites: Annotated[
        str | None, typer.Option(help="comma-separated site ids to limit the user to")
    ] = None,
) -> None:
    """Add a user."""
    scope = [s.strip() for s in sites.split(",") if s.strip()] if sites else None
    with _store() as store:
        store.users.add(name, role, scope, cli_actor())
    err.print(f"added {role} {name}" + (f" for {len(scope)} sites" if scope else ""))


@user_app.command("list")
def list_users() -> None:
    """List users."""
    table = Table("user", "role", "sites", box=None)
    with _store() as store:
        for user in store.users.all():
            table.add_row(
                user.name, user.role, "all" if user.sites is None else ",".join(user.sites)
            )
    out.print(table)


@token_app.command("create")
def create_token(
    user: Annotated[str, typer.Argument(help="the user the token acts as")],
    description: Annotated[str, typer.Option(help="what the token is for")] = "",
) -> None:
    """Create a token and print it once (only its hash is kept)."""
    with _store() as store:
        token = store.users.create_token(user, description, cli_actor())
    err.print(f"token {token.id} for {user}; it is shown only now:")
    out.print(token.text, soft_wrap=True)


@token_app.command("revoke")
def revoke_token(token_id: Annotated[str, typer.Argument(help="the token's id")]) -> None:
    """Revoke a token: a running controller refuses it within 5 seconds (its token cache)."""
    with _store() as store:
        store.users.revoke_token(token_id, cli_actor())
    err.print(f"revoked {token_id}")
