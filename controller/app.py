"""The controller's composition root: builds the FastAPI application. No work at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.middleware.gzip import GZipMiddleware

from controller.api import (
    admin,
    catalogue,
    configs,
    decisions,
    demo,
    device_logs,
    history,
    inventory,
    login,
    map_alarms,
    monitoring,
    policies,
    problems,
    redoc,
    simulations,
    sites,
    telemetry,
    ztp_installer,
)
from controller.api import map as map_page
from controller.api import metrics as metrics_api
from controller.api import ztp as ztp_api
from controller.api.limits import BodyLimit
from controller.api.read_cache import ReadCache
from controller.api.snapshot_views import SnapshotViews
from controller.auth.cache import TokenCache
from controller.auth.principal import Principal, Role
from controller.auth.ratelimit import AuthLimiter, FailureLimiter
from controller.auth.sessions import BrowserSessions
from controller.configs.alarms import drift_alarms, job_alarms
from controller.configs.decisions import DecisionPusher
from controller.configs.deploy import Deployer
from controller.errors import NoInventoryError
from controller.longlived import settle
from controller.metrics import Metrics, RequestTimer
from controller.monitor.device_logs import LiveLookup
from controller.monitor.service import Monitor
from controller.reconcile.loop import run_forever
from controller.reconcile.reconciler import Reconciler, StepReport
from controller.settings import Settings
from controller.simulations.jobs import Jobs, JobStatus
from controller.simulations.stored import lookup_in
from controller.store.config_store import Job
from controller.store.facade import Store
from controller.store.policy_store import utc_now
from controller.stores import open_store, open_telemetry_store
from controller.ztp.callhome import CallHome
from controller.ztp.invitations import Invitations
from telemetry.alarms.notify.base import Notifier
from telemetry.alarms.notify.registry import open_notifier
from telemetry.health import HealthSnapshot
from telemetry.private_files import private_dir
from telemetry.store.base import TelemetryStore
from telemetry.syslog import LogStore, SyslogReceiver
from telemetry.upload_workers import UploadDecoders

log = logging.getLogger("branchline.controller")


def create_app(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    telemetry_store: TelemetryStore | None = None,
) -> FastAPI:
    """The API. What is not handed in is opened from `settings` at startup and closed at
    shutdown; the reconcile loop runs while the app does (if its interval is not 0)."""
    config = settings or Settings()

    # FastAPIOffline serves the Swagger UI and ReDoc assets itself: /docs works with no Internet.
    app = FastAPIOffline(
        redoc_url=None,  # controller/api/redoc.py: the bundle's one remote logo made local
        title="Branchline controller",
        version="0.1.0",
        summary="SD-WAN controller: sites, links, applications, routing policies",
        lifespan=partial(_lifespan, config=config, store=store, telemetry_store=telemetry_store),
    )
    # Usable without running the lifespan too (e.g. TestClient used without `with`).
    if store is not None:
        app.state.store = store
    if telemetry_store is not None:
        app.state.telemetry = telemetry_store
    if store is not None:
        app.state.deployer = Deployer(store, config)
        app.state.invitations = Invitations(store, config)
    # Pushes, previews and rollbacks asked through the API run here, not in the event loop.
    app.state.config_jobs = ThreadPoolExecutor(max_workers=2, thread_name_prefix="config-job")
    # Branches being opened, each one device that may still be applying its day-0: as many at
    # once as devices are pushed at once, and never queued behind the operators' jobs.
    app.state.ztp_jobs = ThreadPoolExecutor(max_workers=config.devices.workers,
                                            thread_name_prefix="ztp-provision")  # fmt: skip
    if store is not None:
        app.state.call_home = CallHome(store, config, app.state.deployer,
                                       submit=app.state.ztp_jobs.submit)  # fmt: skip
    if store is not None and telemetry_store is not None:
        app.state.reconciler = _reconciler(app, config)
        app.state.monitor = _monitor(app, config)
        app.state.device_logs = _device_logs(config)
    # The store may open later, in the lifespan: fetched when a job asks for a stored policy.
    app.state.simulations = Jobs(
        config.data_dir / "simulations",
        lookup_in(lambda: app.state.store),
        config.max_simulation_site_ticks,
    )
    app.state.settings = config
    # Large telemetry uploads are decoded in processes of their own (started at the first).
    app.state.upload_decoders = UploadDecoders(config.ingest_workers)
    app.state.metrics = Metrics()
    _watch_queues(app)
    app.state.auth_failures = AuthLimiter()
    app.state.token_cache = TokenCache()
    app.state.browser_sessions = BrowserSessions()
    app.state.ztp_sessions = BrowserSessions(ttl_s=4 * 3600)  # the installer page's
    app.state.ztp_failures = FailureLimiter(limit=10, window_s=60.0)
    app.state.read_cache = ReadCache()
    app.state.snapshot_views = SnapshotViews()
    app.state.kept_replays, app.state.kept_pages = map_page.kept_answers(app.state)
    limits = {
        "/api/v1/telemetry": telemetry.MAX_BYTES,
        "/api/v1/inventory": inventory.MAX_INVENTORY_BYTES,
        "/api/v1": 2**20,  # any other body: a site, a policy
        "/login": login.MAX_FORM_BYTES,
    }
    app.add_middleware(BodyLimit, limits=limits)
    app.add_middleware(RequestTimer, metrics=app.state.metrics)
    # Outermost: compresses any answer over 4 KB for clients that accept gzip (the map's
    # status.json at 10,000 sites: 425 KB, mostly repeated site ids).
    app.add_middleware(GZipMiddleware, minimum_size=4096, compresslevel=6)
    problems.install(app)
    routers = (inventory.router, sites.router, catalogue.sla_router, catalogue.app_router,
               policies.router, decisions.router, telemetry.router, monitoring.router,
               simulations.router, device_logs.router, history.router, admin.router,
               map_page.router, metrics_api.router, configs.router, ztp_api.router,
               ztp_installer.router, login.router, map_alarms.router, redoc.router,
               demo.router)  # fmt: skip
    for router in routers:
        app.include_router(router, responses=problems.ERRORS)
    _document_bodies(app)
    return app


def _document_bodies(app: FastAPI) -> None:
    """Routes that read their body themselves still document it in the OpenAPI schema."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            telemetry.document_body(generate())
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


@asynccontextmanager
async def _lifespan(
    app: FastAPI, *, config: Settings, store: Store | None, telemetry_store: TelemetryStore | None
) -> AsyncIterator[None]:
    """Open what was not handed in, start the syslog receiver and the loop; undo it all."""
    app.state.store = store if store is not None else open_store(config)
    if telemetry_store is None:
        app.state.telemetry = open_telemetry_store(config)
    app.state.reconciler = _reconciler(app, config)
    app.state.monitor = _monitor(app, config)
    app.state.device_logs = _device_logs(config)
    receiver = None
    syslog = config.syslog
    if syslog.udp_port is not None or syslog.tcp_port is not None:
        receiver = SyslogReceiver(
            app.state.device_logs, LiveLookup(app.state.store), host=syslog.host,
            udp_port=syslog.udp_port, tcp_port=syslog.tcp_port,
        )  # fmt: skip
        await receiver.start()
    app.state.syslog_receiver = receiver
    loops = []
    pusher = _devices(app, config)
    if config.devices.drift_interval_s > 0:
        drift = [("drift", partial(_drift_check, app.state.deployer, app.state.monitor))]
        loops.append(run_forever(drift, config.devices.drift_interval_s, app.state.metrics))
    if config.reconcile_interval_s > 0:
        pusher.start()
        reconcile = [("reconcile", partial(_reconcile, app.state.reconciler, pusher))]
        loops.append(run_forever(reconcile, config.reconcile_interval_s, app.state.metrics))
        # The monitor on its own: health stays fresh while a reconcile tick is slow.
        monitor_interval = config.monitor_interval_s or config.reconcile_interval_s
        monitor = [("monitor", partial(monitor_tick, app.state))]
        loops.append(run_forever(monitor, monitor_interval, app.state.metrics))
    tasks = [asyncio.create_task(loop) for loop in loops]
    # What start-up built (the app, the stores, the network and its health layout) lives as
    # long as the process: out of the collector's sight, a full collection no longer walks it
    # while requests wait (150 ms pauses under a flood of requests, bench/bench_hostile.py).
    with contextlib.suppress(NoInventoryError):
        app.state.monitor.layout()
    settle()
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if receiver is not None:
            await receiver.stop()
        await asyncio.to_thread(pusher.close)
        _stop_jobs(app)
        await asyncio.to_thread(app.state.upload_decoders.close)
        app.state.simulations.close()
        if telemetry_store is None:
            app.state.telemetry.close()
        if store is None:
            app.state.store.engine.dispose()


def _stop_jobs(app: FastAPI) -> None:
    # A job not started yet stays queued in the database: marked interrupted at next start.
    app.state.config_jobs.shutdown(wait=False, cancel_futures=True)
    if hasattr(app.state, "call_home"):
        app.state.call_home.close()
    app.state.ztp_jobs.shutdown(wait=False, cancel_futures=True)


def _devices(app: FastAPI, config: Settings) -> DecisionPusher:
    """The configurations' side: the deployer (jobs a stopped controller left running are
    marked interrupted first) and the pusher of the loop's decisions."""
    app.state.deployer = Deployer(app.state.store, config)
    app.state.invitations = Invitations(app.state.store, config)
    if interrupted := app.state.deployer.recover():
        log.warning("push jobs %s were interrupted by a stop of the controller: marked so",
                    interrupted)  # fmt: skip
    monitor: Monitor = app.state.monitor
    call_home = CallHome(
        app.state.store,
        config,
        app.state.deployer,
        submit=app.state.ztp_jobs.submit,
        report=monitor.report,
    )
    app.state.call_home = call_home

    def on_job(job: Job) -> None:
        job_alarms(monitor.report, job, utc_now())
        call_home.on_job(job)

    app.state.deployer.on_job = on_job
    pusher = DecisionPusher(app.state.deployer, config.devices.coalesce_s)
    app.state.decision_pusher = pusher
    return pusher


def _drift_check(deployer: Deployer, monitor: Monitor, at: datetime) -> None:
    """Read the enrolled CPEs; raise or clear each site's drift alarm."""
    if deployer.store.devices.all():
        drift_alarms(monitor.report, deployer.drift(), at)


def _reconcile(reconciler: Reconciler, pusher: DecisionPusher, at: datetime) -> StepReport:
    """A reconcile step, its moves handed to the devices' pusher."""
    report = reconciler.step(at)
    if report.changes:
        pusher.offer(report.changes)
    return report


def _watch_queues(app: FastAPI) -> None:
    """The queues behind the API, as gauges of `/metrics`, read from the app's state when
    Prometheus scrapes (the monitor and the telemetry store may open only at start-up)."""
    metrics: Metrics = app.state.metrics
    for status in (JobStatus.QUEUED, JobStatus.RUNNING):
        metrics.watch(
            f"branchline_simulations_{status.value}", f"Simulation jobs {status.value}.",
            partial(app.state.simulations.count, status),
        )  # fmt: skip

    def notifications() -> float:
        monitor = getattr(app.state, "monitor", None)
        return 0 if monitor is None else len(monitor.outbox.pending)

    def spooled() -> float:  # the InfluxDB backend's payloads waiting on disk for the server
        stats = getattr(getattr(app.state, "telemetry", None), "stats", None)
        return 0 if stats is None else stats.spool_depth

    metrics.watch(
        "branchline_notifications_pending",
        "Alarm notifications waiting for their first try or a retry (at most 1000 counted).",
        notifications,
    )
    metrics.watch(
        "branchline_telemetry_spooled_payloads",
        "Telemetry payloads waiting in the on-disk spool for the InfluxDB server (0: none, "
        "or the embedded store).",
        spooled,
    )

    def derived() -> float:
        reconciler = getattr(app.state, "reconciler", None)
        return 0 if reconciler is None else reconciler.demand_derived

    metrics.watch(
        "branchline_sites_demand_derived",
        "Sites evaluated in the last reconcile step whose CPEs report link figures but no "
        "application samples: their demand is derived from link load by the catalogue's "
        "expected bandwidth.",
        derived,
    )


NETWORK = Principal("monitor", Role.ADMIN)
"""Who the answers rendered after each monitor tick are for: the whole network."""


def monitor_tick(state: Any, at: datetime) -> None:
    """A monitor tick. The network-wide answers of its snapshot are rendered on the loop's
    thread before the snapshot is published, so that no request waits for them."""

    def prepare(snapshot: HealthSnapshot) -> None:
        map_page.status_body(state, NETWORK, snapshot)
        monitoring.summary_body(state, NETWORK, snapshot=snapshot)

    state.monitor.tick(at, prepare)
    map_page.warm_answers(state)


def _device_logs(config: Settings) -> LogStore:
    private_dir(config.data_dir)
    return LogStore(
        config.data_dir / "device-log.db",
        max_age=timedelta(days=config.syslog.keep_days),
        max_rows=config.syslog.keep_rows,
    )


def _monitor(app: FastAPI, config: Settings) -> Monitor:
    notifiers: list[Notifier] = []
    alarms = config.alarms
    if alarms.email_host:
        notifiers.append(
            open_notifier("email", host=alarms.email_host, port=alarms.email_port,
                          sender=alarms.email_sender, recipients=alarms.recipients)
        )  # fmt: skip
    if alarms.webhook_url:
        url = alarms.webhook_url.get_secret_value()
        notifiers.append(open_notifier("webhook", url=url))
    store: Store = app.state.store
    return Monitor(
        store, app.state.telemetry, notifiers, alarm_store=store.alarms, outbox_store=store.outbox
    )


def _reconciler(app: FastAPI, config: Settings) -> Reconciler:
    lookback = timedelta(seconds=config.observation_lookback_s)
    return Reconciler(app.state.store, app.state.telemetry, lookback)
