"""`branchline lab cpe`: emulated CPEs on this machine, for trying pushes (and, later, ZTP)
without hardware. They run until Ctrl-C; nothing is left running after."""

from __future__ import annotations

import json
import signal
import tempfile
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from controller.cli.console import err, out

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
        typer.Option("--factory-serial", help="cli: one CPE in its factory settings with this "
                     "serial (repeatable): it calls home until its branch is claimed"),
    ] = None,
    controller: Annotated[
        str | None, typer.Option(help="the controller's ZTP URL (with --factory-serial)")
    ] = None,
    trusted_key: Annotated[
        str | None,
        typer.Option(help="the controller's public key (branchline ztp key show)"),
    ] = None,
    ca_file: Annotated[
        Path | None, typer.Option("--ca", help="trust this CA for the controller's HTTPS")
    ] = None,
) -> None:  # fmt: skip
    """Start COUNT emulated CPEs on 127.0.0.1 and write their management addresses, logins and
    host keys to DIR/cpes.json; stop them all on Ctrl-C (or SIGTERM). With --factory-serial,
    SSH CLI CPEs in their factory settings instead, opened by ZTP."""
    from simulator.lab.cli_cpe import CliLab
    from simulator.lab.common import LabError
    from simulator.lab.factory import FactoryCpe
    from simulator.lab.netconf_cpe import NetconfLab

    if kind not in KINDS:
        err.print(f"[red]error[/]: --kind: {kind!r} is not one of {', '.join(KINDS)}")
        raise typer.Exit(2)
    if factory and (kind != "cli" or not controller or not trusted_key):
        err.print("[red]error[/]: --factory-serial: needs --kind cli, --controller and "
                  "--trusted-key")  # fmt: skip
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
        assert controller is not None or not factory
        calling = [
            FactoryCpe(lab.servers[c.port], serial, controller or "", trusted_key or "",
                       ca_file=ca_file)
            for c, serial in zip(cpes, factory or [], strict=False)
            if isinstance(lab, CliLab)
        ]  # fmt: skip
        for factory_cpe in calling:
            factory_cpe.start()
        credentials = _write_credentials(directory, cpes[0].username, cpes[0].key_file)
        listing = [
            {"name": f"lab-cpe-{i + 1:03d}", "kind": kind, "platform": KINDS[kind],
             "credentials_ref": credentials, "host": c.host, "port": c.port,
             "username": c.username, "key_file": str(c.key_file), "host_key": c.host_key,
             "factory_serial": factory[i] if factory else None}
            for i, c in enumerate(cpes)
        ]  # fmt: skip
        partial = directory / "cpes.json.partial"  # a reader never sees half a listing
        partial.write_text(json.dumps(listing, indent=1) + "\n")
        partial.replace(directory / "cpes.json")
        table = Table("name", "address", "login", title=f"{count} {kind} CPEs")
        for entry in listing:
            table.add_row(str(entry["name"]), f"{entry['host']}:{entry['port']}",
                          str(entry["username"]))  # fmt: skip
        out.print(table)
        out.print(f"management addresses, logins and host keys: {directory / 'cpes.json'}")
        if calling:
            err.print(f"{len(calling)} in factory settings, calling {controller} until claimed")
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


def _write_credentials(directory: Path, username: str, key_file: Path) -> str:
    """The lab's login as a credentials file only its owner may read; its `file:` reference."""
    path = (directory / "credentials.json").resolve()
    path.touch(mode=0o600)
    path.write_text(json.dumps({"username": username, "key_file": str(key_file.resolve())}))
    return f"file:{path}"
