"""The `branchline` command line."""

from __future__ import annotations

import typer

from controller.cli import (
    backup_cmd,
    config_cmd,
    demo_cmd,
    devices_cmd,
    inventory_cmd,
    lab_cmd,
    policy_cmd,
    serve_cmd,
    sim_cmd,
    sim_replay_cmd,
    users_cmd,
    ztp_cmd,
)

app = typer.Typer(
    name="branchline",
    help="Branchline: SD-WAN controller and branch link-policy simulator.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(inventory_cmd.app, name="inventory", no_args_is_help=True)
app.add_typer(policy_cmd.app, name="policy", no_args_is_help=True)
app.add_typer(users_cmd.user_app, name="user", no_args_is_help=True)
app.add_typer(users_cmd.token_app, name="token", no_args_is_help=True)
sim_cmd.app.command()(sim_replay_cmd.replay)
app.add_typer(sim_cmd.app, name="sim", no_args_is_help=True)
app.add_typer(lab_cmd.app, name="lab", no_args_is_help=True)
app.add_typer(devices_cmd.app, name="devices", no_args_is_help=True)
app.add_typer(config_cmd.app, name="config", no_args_is_help=True)
app.add_typer(ztp_cmd.app, name="ztp", no_args_is_help=True)
app.command()(serve_cmd.serve)
app.command()(backup_cmd.backup)
app.add_typer(demo_cmd.app, name="demo")


def main() -> None:
    app()
