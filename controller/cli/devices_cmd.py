"""`branchline devices ...`: enrol the CPEs the controller manages (where to reach each one, the
host key to pin), list and remove them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from controller.cli.actor import cli_actor
from controller.cli.console import err, out
from controller.cli.stored import opened_store

app = typer.Typer(help="Enrolled CPEs: where the controller reaches them, their host keys.")

MAX_LISTING_BYTES = 4 * 2**20


@app.command()
def enroll(
    serial: Annotated[str, typer.Argument(help="the CPE's serial number, as in the inventory")],
    host: Annotated[str, typer.Option(help="its management address")],
    port: Annotated[int, typer.Option(min=1, max=65535, help="its SSH or NETCONF port")] = 22,
    host_key: Annotated[
        str | None,
        typer.Option(help='its SSH host key to pin ("ssh-ed25519 AAAA..."); default: learned '
                     "at first contact"),
    ] = None,
    credentials_ref: Annotated[
        str | None,
        typer.Option(help="its own login (env:NAME or file:PATH); default: its inventory CPE's"),
    ] = None,
) -> None:  # fmt: skip
    """Enrol one CPE: the controller pushes its configuration from now on."""
    with opened_store() as store:
        _, inventory = store.current.get()
        if not any(c.serial == serial for s in inventory.sites for c in s.cpes):
            err.print(f"[red]error[/]: serial: no CPE {serial!r} in the inventory")
            raise typer.Exit(1)
        store.devices.enroll(serial, host, port, host_key, cli_actor(),
                             credentials_ref=credentials_ref)  # fmt: skip
    err.print(f"enrolled {serial} at {host}:{port}")


@app.command("enroll-lab")
def enroll_lab(
    listing: Annotated[Path, typer.Argument(help="the cpes.json `branchline lab cpe` wrote")],
    site: Annotated[
        list[str] | None, typer.Option(help="only CPEs of this site (repeatable)")
    ] = None,
) -> None:
    """Enrol emulated CPEs: each CPE of the lab takes the next inventory CPE of its platform
    (in inventory order, within --site when given), with the lab's address, host key and
    login."""

    if listing.stat().st_size > MAX_LISTING_BYTES:
        err.print(f"[red]error[/]: {listing}: larger than {MAX_LISTING_BYTES} bytes")
        raise typer.Exit(1)
    try:
        lab = json.loads(listing.read_text())
        entries = [(str(c["platform"]), str(c["host"]), int(c["port"]), str(c["host_key"]),
                    str(c["credentials_ref"])) for c in lab]  # fmt: skip
    except (ValueError, KeyError, TypeError) as exc:
        err.print(f"[red]error[/]: {listing}: not a lab listing ({exc})")
        raise typer.Exit(1) from None
    with opened_store() as store:
        _, inventory = store.current.get()
        wanted = set(site) if site else None
        free = [(s.id, c) for s in inventory.sites for c in s.cpes
                if (wanted is None or s.id in wanted)]  # fmt: skip
        table = Table("serial", "site", "platform", "address", title="enrolled")
        for platform, host, port, key, credentials in entries:
            found = next((i for i, (_, c) in enumerate(free) if c.platform.value == platform),
                         None)  # fmt: skip
            if found is None:
                err.print(f"[yellow]warning[/]: no inventory CPE left for a {platform} lab CPE "
                          f"({host}:{port})")  # fmt: skip
                continue
            site_id, cpe = free.pop(found)
            store.devices.enroll(cpe.serial, host, port, key, cli_actor(),
                                 credentials_ref=credentials)  # fmt: skip
            table.add_row(cpe.serial, site_id, platform, f"{host}:{port}")
    out.print(table)


@app.command("list")
def list_() -> None:
    """The enrolled CPEs."""
    with opened_store() as store:
        devices = store.devices.all()
    table = Table("serial", "address", "host key", "enrolled", "by")
    for d in devices.values():
        key = "learned at first contact" if d.host_key is None else d.host_key[:40] + "..."
        table.add_row(d.serial, f"{d.host}:{d.port}", key, f"{d.enrolled_at:%Y-%m-%d %H:%M}Z",
                      d.enrolled_by)  # fmt: skip
    out.print(table)


@app.command()
def remove(serial: Annotated[str, typer.Argument(help="the CPE's serial number")]) -> None:
    """Stop managing a CPE (its configuration versions are kept)."""
    from controller.errors import NotFoundError

    with opened_store() as store:
        try:
            store.devices.remove(serial, cli_actor())
        except NotFoundError as exc:
            err.print(f"[red]error[/]: {exc}")
            raise typer.Exit(1) from None
    err.print(f"removed {serial}")
