"""`branchline ztp ...`: open branches with no engineer on site: invite the person at the branch
(a one-time link by e-mail) or write a USB bundle, list and revoke invitations, read a site's
timeline, show the DHCP option that points CPEs at the controller."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from controller.cli.actor import cli_actor
from controller.cli.console import err, out
from controller.cli.stored import opened_store

app = typer.Typer(help="Open branches by e-mailed one-time links (zero-touch provisioning).")


@app.command()
def invite(
    site: Annotated[str, typer.Argument(help="the site to open")],
    email: Annotated[str, typer.Option(help="who opens it: the link goes there")],
    ttl_h: Annotated[
        float | None, typer.Option(min=0.01, max=720, help="hours the link works")
    ] = None,
) -> None:
    """Mail a one-time link for SITE to EMAIL (the site's previous link stops working)."""
    from controller.errors import NotFoundError
    from controller.settings import Settings
    from controller.ztp.invitations import InvitationError, Invitations

    settings = Settings()
    with opened_store(settings) as store:
        try:
            made = Invitations(store, settings).invite(site, email, cli_actor(), ttl_h)
        except (ValueError, NotFoundError, InvitationError) as exc:
            err.print(f"[red]error[/]: {exc}")
            raise typer.Exit(1) from None
    err.print(f"invitation {made.id} for {site} mailed to {email}; the link works until "
              f"{made.expires_at:%Y-%m-%d %H:%M} UTC")  # fmt: skip


@app.command("usb-bundle")
def usb_bundle(
    site: Annotated[str, typer.Argument(help="the site to open")],
    serial: Annotated[str, typer.Option(help="the CPE's serial number (a device of SITE)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="the file to write",
                                         dir_okay=False)],
    ttl_h: Annotated[
        float | None, typer.Option(min=0.01, max=24 * 90, help="hours the bundle is valid "
                                   "(default 14 days)")
    ] = None,
) -> None:  # fmt: skip
    """Write a signed bundle that opens SITE with the CPE SERIAL, for a USB stick (the site's
    open invitations stop working)."""
    from controller.errors import ResourceError
    from controller.settings import Settings
    from controller.ztp.usb import usb_bundle as write

    settings = Settings()
    with opened_store(settings) as store:
        try:
            made, text = write(store, settings, site, serial, actor=cli_actor(), ttl_h=ttl_h)
        except ResourceError as exc:
            err.print(f"[red]error[/]: {exc}")
            raise typer.Exit(1) from None
        try:
            output.write_text(text)
        except OSError as exc:  # no bundle anywhere: its invitation goes too
            store.ztp.revoke(made.id, cli_actor())
            err.print(f"[red]error[/]: -o: {exc.strerror}: {output} (nothing written; "
                      f"invitation {made.id} revoked)")  # fmt: skip
            raise typer.Exit(1) from None
    err.print(f"{output}: opens {site} with {serial} until {made.expires_at:%Y-%m-%d %H:%M} UTC "
              f"(invitation {made.id}); copy it to a USB stick for the branch")  # fmt: skip


@app.command("dhcp-option")
def dhcp_option(
    url: Annotated[
        list[str] | None,
        typer.Option(help="a bootstrap server's URL (repeatable; default: the controller's ZTP "
                     "public URL)"),
    ] = None,
) -> None:  # fmt: skip
    """Print DHCP option 143 (RFC 8572's SZTP redirect) that points factory-default CPEs at the
    controller, with the lines for dnsmasq and ISC dhcpd."""
    from controller.settings import Settings
    from sites.bootstrap import SZTP_REDIRECT_OPTION, redirect_option

    urls = url or [Settings().ztp.public_url]
    try:
        value = redirect_option(urls)
    except ValueError as exc:
        err.print(f"[red]error[/]: --url: {exc}")
        raise typer.Exit(2) from None
    octets = ":".join(f"{b:02x}" for b in value)
    err.print(f"option {SZTP_REDIRECT_OPTION} for {', '.join(urls)}:")
    out.print(octets, highlight=False, soft_wrap=True)
    err.print(f"dnsmasq:   dhcp-option-force={SZTP_REDIRECT_OPTION},{octets}")
    err.print(f"ISC dhcpd: option sztp-redirect code {SZTP_REDIRECT_OPTION} = string;\n"
              f"           option sztp-redirect {octets};", soft_wrap=True)  # fmt: skip


@app.command("invites")
def list_invites(site: Annotated[str | None, typer.Option(help="only this site")] = None) -> None:
    """The invitations, newest first."""
    with opened_store() as store:
        found = store.ztp.invites(site)
    now = datetime.now(UTC)
    table = Table("id", "site", "by way of", "status", "until", "by")
    for i in found:
        way = i.email if i.channel.value == "mail" else f"USB bundle for {i.serial}"
        table.add_row(str(i.id), i.site, way, i.status(now).value,
                      f"{i.expires_at:%Y-%m-%d %H:%M}Z", i.created_by)  # fmt: skip
    out.print(table)


@app.command()
def revoke(invitation: Annotated[int, typer.Argument(min=1, help="its id")]) -> None:
    """Make an invitation's link stop working."""
    from controller.errors import ResourceError

    with opened_store() as store:
        try:
            store.ztp.revoke(invitation, cli_actor())
        except ResourceError as exc:
            err.print(f"[red]error[/]: {exc}")
            raise typer.Exit(1) from None
    err.print(f"invitation {invitation} revoked")


@app.command()
def timeline(site: Annotated[str, typer.Argument(help="the site")]) -> None:
    """A site's lifecycle state and every step of its opening."""
    with opened_store() as store:
        state = store.ztp.state(site)
        events = store.ztp.timeline(site)
    out.print(f"{site}: {state[0].value if state else 'in service'}"
              + (f" ({state[1]})" if state and state[1] else ""))  # fmt: skip
    table = Table("at", "state", "step", "detail", "by")
    for e in events:
        table.add_row(f"{e.at:%Y-%m-%d %H:%M:%S}Z", e.state.value, e.step, e.detail, e.actor)
    out.print(table)


key_app = typer.Typer(help="The ZTP signing key (CPEs verify their day-0 bootstrap with it).")
app.add_typer(key_app, name="key", no_args_is_help=True)


@key_app.command("show")
def key_show() -> None:
    """Print the public key (one line; give it to CPEs' factory settings or USB bundles)."""
    from controller.settings import Settings
    from controller.ztp.signing import SigningKey
    from sites.bootstrap import public_text

    out.print(public_text(SigningKey(Settings().data_dir / "ztp").public()), highlight=False)


@key_app.command("rotate")
def key_rotate() -> None:
    """Make a new signing key (the current one is kept as the previous) and print its public
    key. CPEs that know only the old key refuse new bootstraps until given this one."""
    from controller.settings import Settings
    from controller.ztp.signing import SigningKey
    from sites.bootstrap import public_text

    out.print(public_text(SigningKey(Settings().data_dir / "ztp").rotate()), highlight=False)
    err.print("rotated: give the new public key to the CPEs still to be opened")
