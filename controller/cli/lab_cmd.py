"""`branchline lab cpe`: emulated CPEs on this machine, for trying pushes and ZTP without
hardware. They run until Ctrl-C; nothing is left running after."""

from __future__ import annotations

import json
import signal
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from controller.cli.console import err, out

if TYPE_CHECKING:
    from simulator.lab.common import LabCpe

app = typer.Typer(help="Emulated devices on this machine (loopback only).")

KINDS = {"netconf": "netconf", "cli": "huawei_vrp"}
"""Each kind of emulated CPE, and the inventory platform a controller talks to it as."""
KIND_HELP = "netconf: netconfd with our YANG module; cli: a VRP-like command line over SSH"
DIR_HELP = (
    "where their keys, logs and cpes.json go (default: a new temporary directory, removed at "
    "the end)"
)


@app.command("cpe")
def cpe(
    count: Annotated[int, typer.Option(min=1, max=1000, help="how many CPEs")] = 3,
    kind: Annotated[str, typer.Option(help=KIND_HELP)] = "netconf",
    directory: Annotated[Path | None, typer.Option("--dir", help=DIR_HELP)] = None,
    factory: Annotated[
        list[str] | None,
        typer.Option("--factory-serial", help="one CPE in its factory settings with this "
                     "serial (repeatable): it calls home until its branch is claimed"),
    ] = None,
    controller: Annotated[
        str | None, typer.Option(help="the controller's ZTP URL, in the factory settings")
    ] = None,
    trusted_key: Annotated[
        str | None,
        typer.Option(help="the controller's public key (branchline ztp key show), in the "
                     "factory settings"),
    ] = None,
    usb: Annotated[
        Path | None,
        typer.Option(help="a USB bundle plugged into the (one) factory CPE: it names the "
                     "controller and carries its key", exists=True, dir_okay=False),
    ] = None,
    dhcp: Annotated[
        str | None,
        typer.Option(help="learn the controller's URL from DHCP option 143 on this interface"),
    ] = None,
    netns: Annotated[
        str | None, typer.Option(help="the network namespace of --dhcp's interface")
    ] = None,
    ca_file: Annotated[
        Path | None, typer.Option("--ca", help="trust this CA for the controller's HTTPS")
    ] = None,
) -> None:  # fmt: skip
    """Start COUNT emulated CPEs on 127.0.0.1 and write their management addresses, logins and
    host keys to DIR/cpes.json; stop them all on Ctrl-C (or SIGTERM). With --factory-serial,
    CPEs in their factory settings instead, opened by ZTP: they find the controller from
    --controller, --dhcp or --usb."""
    from simulator.lab.cli_cpe import CliLab
    from simulator.lab.common import LabError
    from simulator.lab.dhcp import DhcpClient
    from simulator.lab.factory import CliTarget, FactoryCpe, NetconfTarget, Target
    from simulator.lab.netconf_cpe import NetconfLab

    if kind not in KINDS:
        err.print(f"[red]error[/]: --kind: {kind!r} is not one of {', '.join(KINDS)}")
        raise typer.Exit(2)
    problem = _factory_problem(factory, controller, trusted_key, usb, dhcp)
    if problem:
        err.print(f"[red]error[/]: {problem}")
        raise typer.Exit(2)
    count = len(factory) if factory else count
    temporary = None
    if directory is None:
        temporary = tempfile.TemporaryDirectory(prefix="branchline-lab-")
        directory = Path(temporary.name)
    lab = NetconfLab(count, directory) if kind == "netconf" else CliLab(count, directory)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        with err.status(f"Starting {count} {kind} CPE{'s' if count > 1 else ''}..."):
            cpes = lab.start()
        discover = DhcpClient(dhcp, netns=netns).discover if dhcp else None
        targets: list[Target] = [
            CliTarget(lab.servers[c.port]) if isinstance(lab, CliLab) else NetconfTarget(lab, c)
            for c in cpes
        ]
        calling = [
            FactoryCpe(target, serial, controller, trusted_key, ca_file=ca_file, bundle=usb,
                       discover=discover)
            for target, serial in zip(targets, factory or [], strict=False)
        ]  # fmt: skip
        for factory_cpe in calling:
            factory_cpe.start()
        listing = _write_listing(directory, kind, cpes, factory or [])
        table = Table("name", "address", "login", title=f"{count} {kind} CPEs")
        for entry in listing:
            table.add_row(str(entry["name"]), f"{entry['host']}:{entry['port']}",
                          str(entry["username"]))  # fmt: skip
        out.print(table)
        out.print(f"management addresses, logins and host keys: {directory / 'cpes.json'}")
        if calling:
            where = controller or ("the USB bundle's controller" if usb else f"DHCP on {dhcp}")
            err.print(f"{len(calling)} in factory settings, calling {where} until claimed")
        err.print("Ctrl-C stops them.")
        stop.wait()
        for factory_cpe in calling:
            factory_cpe.stop()
    except LabError as exc:
        err.print(f"[red]error[/]: {exc}")
        raise typer.Exit(1) from None
    finally:
        lab.close()
        if temporary is not None:
            temporary.cleanup()
    err.print("stopped.")


def _write_listing(
    directory: Path, kind: str, cpes: list[LabCpe], factory: list[str]
) -> list[dict[str, object]]:
    """DIR/cpes.json: each CPE's address, login and host key (and factory serial)."""
    credentials = _write_credentials(directory, cpes[0].username, cpes[0].key_file)
    listing: list[dict[str, object]] = [
        {"name": f"lab-cpe-{i + 1:03d}", "kind": kind, "platform": KINDS[kind],
         "credentials_ref": credentials, "host": c.host, "port": c.port,
         "username": c.username, "key_file": str(c.key_file), "host_key": c.host_key,
         "factory_serial": factory[i] if factory else None}
        for i, c in enumerate(cpes)
    ]  # fmt: skip
    partial = directory / "cpes.json.partial"  # a reader never sees half a listing
    partial.write_text(json.dumps(listing, indent=1) + "\n")
    partial.replace(directory / "cpes.json")
    return listing


def _factory_problem(
    factory: list[str] | None, controller: str | None, trusted_key: str | None,
    usb: Path | None, dhcp: str | None,
) -> str | None:  # fmt: skip
    """What is wrong with the factory settings asked for, if anything."""
    if not factory:
        given = [n for n, v in (("--controller", controller), ("--usb", usb), ("--dhcp", dhcp),
                                ("--trusted-key", trusted_key)) if v]  # fmt: skip
        return f"{', '.join(given)}: only with --factory-serial" if given else None
    if sum(bool(v) for v in (controller, usb, dhcp)) != 1:
        return "--factory-serial: give one of --controller, --dhcp and --usb"
    if usb is not None and len(factory) != 1:
        return "--usb: a bundle is for one device: give one --factory-serial"
    if usb is None and not trusted_key:
        return "--factory-serial: needs --trusted-key (or a --usb bundle that carries it)"
    return None


def _write_credentials(directory: Path, username: str, key_file: Path) -> str:
    """The lab's login as a credentials file only its owner may read; its `file:` reference."""
    path = (directory / "credentials.json").resolve()
    path.touch(mode=0o600)
    path.write_text(json.dumps({"username": username, "key_file": str(key_file.resolve())}))
    return f"file:{path}"
