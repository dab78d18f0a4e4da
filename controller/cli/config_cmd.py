"""`branchline config ...`: the enrolled CPEs' configurations: preview the diff, push (a job,
with a progress bar), the jobs' status, each device's versions, rollback to one, drift."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from controller.cli.actor import cli_actor
from controller.cli.console import err, out, progress_bar
from controller.cli.stored import opened_store

if TYPE_CHECKING:
    from controller.configs.canary import Figure
    from controller.configs.deploy import Deployer, Plan
    from controller.store.config_store import Job

app = typer.Typer(help="Configurations of the enrolled CPEs: preview, push, history, drift.")

SITES = typer.Option("--site", help="only this site (repeatable); default: every site")


@contextmanager
def _deployer() -> Iterator[Deployer]:
    from controller.configs.deploy import Deployer
    from controller.errors import NoInventoryError
    from controller.settings import Settings

    settings = Settings()
    with opened_store(settings) as store:
        try:
            yield Deployer(store, settings)
        except NoInventoryError as exc:  # nothing to configure yet: say so, not a traceback
            err.print(f"[red]error[/]: {escape(str(exc))}")
            raise typer.Exit(1) from None


@app.command()
def preview(site: Annotated[list[str] | None, SITES] = None) -> None:
    """What a push would change on each enrolled CPE (read from the devices; nothing sent)."""
    with _deployer() as deployer:
        plan = deployer.plan(site or None)
        with err.status(f"Reading {len(plan.targets)} devices..."):
            previews = deployer.preview(plan)
    for p in previews:
        if p.error:
            out.print(f"[bold]{p.serial}[/] ({p.site}): [red]{p.error}[/]")
        elif p.diff:
            out.print(f"[bold]{p.serial}[/] ({p.site}):")
            out.print(p.diff, markup=False, highlight=False)
        else:
            out.print(f"[bold]{p.serial}[/] ({p.site}): no change")
    _not_enrolled(len(plan.not_enrolled))


@app.command()
def push(
    site: Annotated[list[str] | None, SITES] = None,
    canary: Annotated[
        list[str] | None,
        typer.Option(help="push this site first (repeatable), watch its SLA figures, then the "
                     "rest, or roll it back if it got worse"),
    ] = None,
    watch: Annotated[float, typer.Option(min=1, max=86_400, help="seconds to watch")] = 300,
    worse_by: Annotated[
        float, typer.Option(min=0, max=1, help="an SLA share drop larger than this is worse")
    ] = 0.05,
) -> None:  # fmt: skip
    """Push every enrolled CPE's intended configuration (of --site), as a recorded job; with
    --canary, those sites first."""
    with _deployer() as deployer:
        plan = deployer.plan(site or None)
        if canary:
            _canary(deployer, plan, canary, watch, worse_by)
            return
        total = len(plan.targets) + len(plan.problems)
        with progress_bar("Pushing", total) as advance:
            job = deployer.push(plan, kind="operator", actor=cli_actor(),
                                reason="branchline config push", progress=advance)  # fmt: skip
    _print_job(job)
    _not_enrolled(len(plan.not_enrolled))
    if job.state.value != "done":
        raise typer.Exit(1)


def _canary(
    deployer: Deployer, plan: Plan, sites: list[str], watch: float, worse_by: float
) -> None:
    import time

    from controller.configs.canary import CanaryOptions, rollout
    from controller.stores import open_telemetry_store
    from telemetry.health.layout import HealthLayout

    def watching(seconds: float) -> None:
        with progress_bar(f"Watching {', '.join(sites)}", int(seconds)) as advance:
            for second in range(int(seconds)):
                time.sleep(1)
                advance(second + 1)
            time.sleep(seconds - int(seconds))

    def layout() -> HealthLayout:
        return HealthLayout.from_inventory(deployer.store.current.get()[1])

    telemetry = open_telemetry_store(deployer.settings)
    try:
        report = rollout(
            deployer, telemetry, layout, plan, CanaryOptions(tuple(sites), watch, worse_by),
            actor=cli_actor(), sleep=watching,
        )  # fmt: skip
    finally:
        telemetry.close()
    _print_job(report.canary_job)
    for before, after in zip(report.before, report.after, strict=False):
        out.print(f"{before.site}: within SLA {_share(before)} before, {_share(after)} after")
    for job in (report.rest_job, *report.rollback_jobs):
        if job is not None:
            _print_job(job)
    colour = "green" if report.verdict == "continued" else "red"
    out.print(f"canary: [{colour}]{report.verdict}[/]: {report.reason}")
    if report.verdict != "continued":
        raise typer.Exit(1)


@app.command()
def status(
    job: Annotated[int | None, typer.Argument(help="a job's number; default: the newest")] = None,
    recent: Annotated[
        int | None, typer.Option(min=1, max=500, help="list the newest N jobs instead")
    ] = None,
) -> None:
    """A push job and each of its devices (or, with --recent N, the newest jobs)."""
    from controller.errors import NotFoundError

    with _deployer() as deployer:
        configs = deployer.store.configs
        if recent:
            table = Table("job", "kind", "state", "by", "reason", "started", "finished")
            for j in configs.jobs(recent):
                finished = f"{j.finished_at:%H:%M:%S}" if j.finished_at else "-"
                table.add_row(str(j.id), j.kind, j.state.value, j.actor, j.reason,
                              f"{j.created_at:%Y-%m-%d %H:%M:%S}Z", finished)  # fmt: skip
            out.print(table)
            return
        try:
            newest = configs.jobs(1)
            if job is None and not newest:
                err.print("no push job yet")
                return
            shown = configs.job(job if job is not None else newest[0].id)
        except NotFoundError as exc:
            err.print(f"[red]error[/]: {exc}")
            raise typer.Exit(1) from None
    _print_job(shown)


@app.command()
def history(
    device: Annotated[str | None, typer.Option(help="only this CPE (serial)")] = None,
    site: Annotated[str | None, typer.Option(help="only this site")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    diff: Annotated[bool, typer.Option(help="show each version's diff")] = False,
) -> None:
    """The configuration versions given to the CPEs, newest first."""
    with _deployer() as deployer:
        versions = deployer.store.configs.history(device, site, limit)
    table = Table("device", "site", "version", "at", "by", "job")
    for v in versions:
        table.add_row(v.serial, v.site, str(v.version), f"{v.created_at:%Y-%m-%d %H:%M:%S}Z",
                      v.created_by, str(v.job_id or "-"))  # fmt: skip
    out.print(table)
    if diff:
        for v in versions:
            out.print(f"[bold]{v.serial} version {v.version}[/]:")
            out.print(v.diff or "(first version)", markup=False, highlight=False)


@app.command()
def rollback(
    device: Annotated[str, typer.Argument(help="the CPE's serial number")],
    version: Annotated[int, typer.Argument(min=1, help="the version to go back to")],
) -> None:
    """Push an earlier version of a CPE's configuration back to it, as a recorded job."""
    from controller.errors import NotFoundError

    with _deployer() as deployer:
        try:
            job = deployer.rollback(device, version, cli_actor())
        except NotFoundError as exc:
            err.print(f"[red]error[/]: {exc}")
            raise typer.Exit(1) from None
    _print_job(job)
    if job.state.value != "done":
        raise typer.Exit(1)


@app.command()
def drift(site: Annotated[list[str] | None, SITES] = None) -> None:
    """Whether each enrolled CPE runs the version it was last given; exit 1 when one does not
    (or cannot be read)."""
    with _deployer() as deployer, err.status("Reading the devices..."):
        found = deployer.drift(site or None)
    table = Table("device", "site", "state", "version", "detail")
    for d in found:
        colour = {"in-sync": "green", "drifted": "red", "unreachable": "red"}.get(d.state, "")
        detail = d.error or (d.diff.splitlines()[0] if d.diff else "")
        table.add_row(d.serial, d.site, f"[{colour}]{d.state.value}[/]" if colour else d.state,
                      str(d.version or "-"), detail)  # fmt: skip
    out.print(table)
    for d in found:
        if d.diff:
            out.print(f"[bold]{d.serial}[/] runs, against version {d.version}:")
            out.print(d.diff, markup=False, highlight=False)
    if any(d.state.value in ("drifted", "unreachable") for d in found):
        raise typer.Exit(1)


def _share(figure: Figure) -> str:
    return "no data" if figure.share is None else f"{figure.share:.1%}"


def _print_job(job: Job) -> None:
    colour = {"done": "green", "failed": "red", "interrupted": "yellow"}.get(job.state.value, "")
    out.print(f"job {job.id} ({job.kind}, {job.reason}): [{colour}]{job.state.value}[/]")
    table = Table("device", "site", "state", "attempts", "seconds", "detail")
    for r in job.results:
        table.add_row(r.serial, r.site, r.state.value, str(r.attempts), f"{r.seconds:.1f}",
                      r.error or "")  # fmt: skip
    out.print(table)


def _not_enrolled(count: int) -> None:
    if count:
        err.print(f"{count} CPE{'s' if count != 1 else ''} not enrolled: left alone "
                  "(branchline devices enroll)")  # fmt: skip
