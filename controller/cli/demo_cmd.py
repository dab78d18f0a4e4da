"""`branchline demo`: the live lab on embedded defaults (controller/demo/lab.py), and
`branchline demo fail / restore / status` to act on the running one through its API."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from controller.cli.actor import cli_actor
from controller.cli.console import err, out, progress_bar
from controller.cli.serve_cmd import Host, Level, LogLevel, Port, where
from sites.enums import Transport

if TYPE_CHECKING:
    from controller.demo.lab import DemoLab

app = typer.Typer(
    help="The live lab: the reference network, its CPEs reporting, branches opened by ZTP. "
    "Without a subcommand, start it (Ctrl-C stops it)."
)


@app.callback(invoke_without_command=True)
def demo(
    ctx: typer.Context,
    branches: Annotated[int, typer.Option(min=0, max=100_000)] = 340,
    seed: Annotated[int, typer.Option()] = 7,
    reset: Annotated[bool, typer.Option(help="reload the reference network")] = False,
    feed: Annotated[bool, typer.Option(help="simulated CPEs report telemetry every second")] = True,
    speed: Annotated[
        int, typer.Option(min=1, max=600, help="simulated seconds per second (the day's traffic)")
    ] = 1,
    ztp: Annotated[
        int, typer.Option(min=0, max=20, help="branches opened by the e-mailed ZTP link")
    ] = 3,
    host: Host = "127.0.0.1",
    port: Port = 8080,
    log_level: Level = LogLevel.WARNING,
) -> None:
    """Serve the reference network on embedded defaults, with a live lab: no external server.

    The first run (or --reset) loads the generated network into the embedded database under
    BRANCHLINE_DATA_DIR/demo; later runs keep what you changed through the API.
    """
    if ctx.invoked_subcommand is not None:
        return
    from controller.demo.lab import DemoLab
    from controller.stores import open_store
    from sites.generator import generate_reference_network

    _port_free(host, port)
    settings = demo_settings()
    store = open_store(settings)
    if reset or store.is_empty():
        with progress_bar("Generating the reference network", branches) as advance:
            store.replace_inventory(
                generate_reference_network(branches, seed, progress=advance), cli_actor()
            )
        origin = f"reference network, {branches} branches, seed {seed}"
    else:
        origin = "kept from the last run; --reset reloads the reference network"
    base = f"http://{host}:{port}"
    lab = DemoLab(settings, store, base=base, seed=seed, speed=speed, feed=feed, ztp_branches=ztp)
    app = None
    try:
        app_settings = lab.prepare()
        _tour(lab, base, origin + f"; database {where(settings)}")
        # The web stack is imported by the commands that serve, not by `branchline --help`.
        from controller.app import create_app
        from controller.server import serve as run_server

        app = create_app(app_settings, store=store)
        app.state.demo = lab
        run_server(app, host, port, log_level.value, on_started=lab.start)
    finally:
        if app is not None:
            # A branch being opened when Ctrl-C came: its push finishes (seconds) while its CPE
            # is still there, rather than failing against a CPE gone and holding the exit for
            # its retries. (The controller's stop already fails an opening still waiting.)
            app.state.ztp_jobs.shutdown(wait=True)
            app.state.config_jobs.shutdown(wait=True)
        lab.close()
        store.engine.dispose()
    err.print("demo stopped.")


def _port_free(host: str, port: int) -> None:
    """Refuse at once a port something else holds (before any branch is planned again)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            err.print(f"[red]error[/]: --port: {host}:{port} is not free ({exc.strerror}); "
                      "give another, e.g. --port 9000")  # fmt: skip
            raise typer.Exit(2) from None


def demo_settings() -> Any:
    from controller.settings import Settings

    base = Settings()
    return base.model_copy(update={"data_dir": base.data_dir / "demo"})


def _tour(lab: DemoLab, base: str, origin: str) -> None:
    token = lab.admin_token
    opened = [b for b in lab.branches if not b.by_hand]
    mine = [b for b in lab.branches if b.by_hand]
    lines = [
        f"[bold]Branchline demo[/] on {base} ({escape(origin)})",
        f"  map:       {base}/map?token={token}",
        f"  API docs:  {base}/docs      admin token: [bold]{token}[/]",
        f"  mailbox:   {base}/demo/mailbox?token={token}   (the mails the controller sent)",
        f"  installer: the link in each invitation mail ({base}/ztp#...)",
        "",
        "A short tour:",
    ]
    if opened:
        names = ", ".join(f"{b.site} ({escape(b.city)})" for b in opened)
        lines.append(f"  1. {names} open by themselves: invited by mail, claimed, provisioned by "
                     "the controller; watch them turn from blue to green on the map.")  # fmt: skip
    for b in mine:
        lines.append(f"  2. {b.site} ({escape(b.city)}) waits for you: open the mailbox, follow "
                     f"its link, type the serial {b.serial}.")  # fmt: skip
    if opened:
        site = opened[0].site
        lines += [
            f"  3. Fail a link:    branchline demo fail {site}/{_first_link(lab, site)}",
            "     its site turns amber, its applications move (GET /api/v1/path-changes), the "
            "push reaches the CPE",
            f"     then:           branchline demo restore {site}/{_first_link(lab, site)}",
            "     a carrier:      branchline demo fail --carrier 'China Telecom'",
        ]
    lines += [
        "  4. Replay the last hour under another policy: branchline sim replay --demo "
        "--last 1h --policy-b my-policy.yaml",
        "  Ctrl-C stops everything.",
    ]
    err.print("\n".join(lines), highlight=False)


def _first_link(lab: DemoLab, site: str) -> str:
    return lab.store.current.inventory().site_by_id[site].links[0].id


def _call(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """The running demo's API, with the token it left for this command."""
    from controller.demo.lab import running_demo

    found = running_demo(demo_settings().data_dir)
    if found is None:
        err.print("[red]error[/]: no demo is running (start one with `branchline demo`)")
        raise typer.Exit(1)
    url, token = found
    request = urllib.request.Request(
        url + path, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
    except urllib.error.HTTPError as exc:
        detail = json.loads(exc.read() or b"{}").get("detail", exc.reason)
        err.print(f"[red]error[/]: {escape(str(detail))}")
        raise typer.Exit(1) from None
    except OSError as exc:
        err.print(f"[red]error[/]: the demo at {url} does not answer: {exc}")
        raise typer.Exit(1) from None
    return json.loads(text) if text else None


Link = Annotated[str | None, typer.Argument(help="a branch link, SITE/LINK")]
Carrier = Annotated[str | None, typer.Option(help="every link of this carrier")]
OfTransport = Annotated[Transport | None, typer.Option(help="with --carrier: only this transport")]
HubCpe = Annotated[int | None, typer.Option(min=0, max=1, help="one of the hub's CPEs (0 or 1)")]


def _outage(link: str | None, carrier: str | None, transport: Transport | None,
            hub_cpe: int | None) -> dict[str, Any]:  # fmt: skip
    given = {k: v for k, v in (("link", link), ("carrier", carrier), ("hub_cpe", hub_cpe))
             if v is not None}  # fmt: skip
    if len(given) != 1:
        err.print("[red]error[/]: give one of LINK, --carrier, --hub-cpe")
        raise typer.Exit(2)
    return given | ({"transport": str(transport)} if transport is not None else {})


@app.command()
def fail(link: Link = None, carrier: Carrier = None, transport: OfTransport = None,
         hub_cpe: HubCpe = None) -> None:  # fmt: skip
    """Fail a branch link, a carrier or a hub CPE in the running demo's simulation."""
    made = _call("POST", "/api/v1/demo/outages", _outage(link, carrier, transport, hub_cpe))
    out.print(f"{escape(made['name'])} is down (outage {made['id']}); "
              "`branchline demo restore` brings it back")  # fmt: skip


@app.command()
def restore(link: Link = None, carrier: Carrier = None, transport: OfTransport = None,
            hub_cpe: HubCpe = None) -> None:  # fmt: skip
    """Repair what `branchline demo fail` took down (the same arguments)."""
    _outage(link, carrier, transport, hub_cpe)  # exactly one given
    name = (
        link if link is not None
        else f"hub CPE {hub_cpe}" if hub_cpe is not None
        else f"carrier {carrier}" + (f" ({transport})" if transport else "")
    )  # fmt: skip
    outages = _call("GET", "/api/v1/demo")["outages"]
    match = [o for o in outages if o["name"] == name]
    if not match:
        down = ", ".join(o["name"] for o in outages) or "nothing"
        err.print(f"[red]error[/]: {escape(name)} is not down (down: {escape(down)})")
        raise typer.Exit(1)
    _call("DELETE", f"/api/v1/demo/outages/{match[-1]['id']}")
    out.print(f"{escape(name)} is back up")


@app.command()
def status() -> None:
    """The running demo's ZTP branches and the outages in force."""
    answer = _call("GET", "/api/v1/demo")
    table = Table("site", "city", "serial", "state", "reporting", "opened by", title="ZTP branches")
    for b in answer["branches"]:
        table.add_row(b["site"], b["city"], b["serial"], b["state"], "yes" if b["reporting"] else
                      "no", "you" if b["by_hand"] else "the demo")  # fmt: skip
    out.print(table)
    downs = ", ".join(f"{o['name']} ({o['id']})" for o in answer["outages"]) or "none"
    out.print(f"outages: {escape(downs)}")
