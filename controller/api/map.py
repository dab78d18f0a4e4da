"""`GET /map`: the GIS map of site health, the JSON it reads after loading, and the files it
loads (`/map/static/...`).

The page embeds what a viewer may see, so it needs a viewer token: `Authorization: Bearer`,
or `?token=` for a browser's address bar, which is exchanged at once for a session cookie and
dropped from the address (see docs/security.md). The JSON routes (`/map/status.json`,
`/map/history.json`, `/map/sites/<id>.json`, `/map/sites/<id>/history.json`) take the same
credentials and show a site-scoped token only its sites. The static files are public: Leaflet,
its cluster plugin, the borderless land outline and the operator's boundary file if one is set.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Hashable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import xstatic.pkg.leaflet as xs_leaflet  # type: ignore[import-untyped]  # no types shipped
import xstatic.pkg.leaflet_markercluster as xs_cluster  # type: ignore[import-untyped]  # same
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from controller.api.auth import authenticate, browser_credentials
from controller.api.deps import StoreDep, running
from controller.api.gzipped import Gzipped, packaged_file
from controller.api.kept import Kept
from controller.api.login import PRIVATE, signed_in, without_token
from controller.api.snapshot_views import SnapshotViews
from controller.auth.principal import Principal, Role
from controller.languages import LANGUAGES, language
from controller.store.facade import Store
from controller.store.ztp_store import SiteState
from sites.inventory import Inventory
from telemetry.health import HealthLayout, HealthSnapshot, score
from telemetry.health.history import PERIODS, Period, history
from telemetry.map import (
    LAND_FILE,
    CurrentPath,
    MapOptions,
    PathChange,
    Replay,
    build_map_page,
    line_codes,
    link_series,
    opening_states,
    replay,
    site_details,
    status_codes,
)
from telemetry.samples import to_ms
from telemetry.store.base import Selector, TelemetryStore

router = APIRouter(tags=["map"])
TokenQuery = Annotated[str | None, Query(description="a viewer token, for browsers")]
CHANGES_SHOWN = 10
"""A site's panel lists its latest path changes, at most this many."""

STATIC_DIRS = {
    "leaflet": Path(xs_leaflet.BASE_DIR),
    "markercluster": Path(xs_cluster.BASE_DIR),
    "land": LAND_FILE.parent,
}
log = logging.getLogger("branchline.map")
TILES_ENV = "BRANCHLINE_MAP_TILE_URL"
"""An XYZ tile server for the base layer (unset: the offline land outline and graticule)."""
BOUNDARY_ENV = "BRANCHLINE_MAP_BOUNDARY_FILE"
"""A GeoJSON file of the boundaries the operator is approved to show (unset: none)."""
BOUNDARY_URL = "/map/static/boundary.geojson"
MAX_BOUNDARY_BYTES = 50_000_000
GEOJSON_TYPES = frozenset({"FeatureCollection", "Feature", "GeometryCollection", "LineString",
                           "MultiLineString", "Polygon", "MultiPolygon"})  # fmt: skip
ZONE_ENV = "BRANCHLINE_MAP_TIME_ZONE"
"""The network's time zone for the page's times (IANA; unset: `DEFAULT_ZONE`)."""
DEFAULT_ZONE = "Asia/Shanghai"


def map_options() -> MapOptions:
    """The operator's map settings, from the environment (a time zone the machine does not
    know is logged and the default used: the page must still show)."""
    zone = os.environ.get(ZONE_ENV) or DEFAULT_ZONE
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("%s=%r is not a time zone this machine knows: %s used", ZONE_ENV, zone,
                    DEFAULT_ZONE)  # fmt: skip
        zone = DEFAULT_ZONE
    return MapOptions(tile_url=os.environ.get(TILES_ENV) or None, time_zone=zone,
                      boundary_url=BOUNDARY_URL if boundary_file() else None)  # fmt: skip


_checked: dict[tuple[str, float, int], bool] = {}


def boundary_file() -> Path | None:
    """The operator's boundary file if one is set and usable: a GeoJSON object of at most
    `MAX_BOUNDARY_BYTES`. Checked once per version of the file; a file that is not usable is
    logged (which file, why) and left out: the map must still show."""
    name = os.environ.get(BOUNDARY_ENV)
    if not name:
        return None
    path = Path(name)
    try:
        stat = path.stat()
    except OSError as exc:
        if (name, -1.0, -1) not in _checked:  # said once, not at every page and tick
            _checked[(name, -1.0, -1)] = False
            log.warning("%s=%s cannot be read (%s): no boundaries drawn", BOUNDARY_ENV, name,
                        exc.strerror)  # fmt: skip
        return None
    key = (str(path), stat.st_mtime, stat.st_size)
    if key not in _checked:
        _checked[key] = _usable(path, stat.st_size)
    return path if _checked[key] else None


def _usable(path: Path, size: int) -> bool:
    why = None
    if size > MAX_BOUNDARY_BYTES:
        why = f"{size:,} bytes, more than {MAX_BOUNDARY_BYTES:,}"
    else:
        try:
            kind = json.loads(path.read_bytes()).get("type")
        except (OSError, ValueError, AttributeError) as exc:
            why = f"not a JSON object ({type(exc).__name__})"
        else:
            if kind not in GEOJSON_TYPES:
                why = f"its type is {kind!r}, not one of {', '.join(sorted(GEOJSON_TYPES))}"
    if why:
        log.warning("%s=%s: %s; no boundaries drawn", BOUNDARY_ENV, path, why)
    return why is None


def visible(inventory: Inventory, principal: Principal) -> Inventory:
    """The inventory cut down to the sites `principal` may see."""
    if not principal.scoped:
        return inventory
    sites = tuple(s for s in inventory.sites if principal.sees(s.id))
    return inventory.model_copy(update={"sites": sites})


async def viewer(request: Request, store: Store, token: str | None) -> Principal:
    """The caller, from `Authorization: Bearer`, else the map's session cookie, else
    `?token=`; 401/403 unless a viewer."""
    principal = await authenticate(request, store, await browser_credentials(request, token))
    if not principal.has(Role.VIEWER):
        raise HTTPException(403, "this needs the viewer role")
    return principal


@router.get("/map", response_class=HTMLResponse, responses={303: {"description": "to the map"}})
async def map_page(
    request: Request,
    store: StoreDep,
    token: TokenQuery = None,
    lang: Annotated[str | None, Query(pattern="^(zh|en)$")] = None,
) -> Response:
    """The map of every site the token may see, coloured by its latest health. A `?token=`
    is exchanged for a session cookie and the browser sent on to the address without it."""
    try:
        principal = await viewer(request, store, token)
    except HTTPException as refused:
        if refused.status_code == 401 and "text/html" in request.headers.get("accept", ""):
            return RedirectResponse("/login", 303, headers=PRIVATE)  # a browser: sign in
        raise
    if token and request.query_params.get("token"):
        return signed_in(request, token, without_token(request))
    running(request, "telemetry")
    # Reading the stores and rendering take a third of a second at 10,000 sites: off the loop.
    chosen = language(request.headers.get("accept-language"), lang)
    page = await run_in_threadpool(_page, request.app.state, principal, chosen)
    # The token may be in the URL: do not hand it to anything the page links to.
    return page.response(request, "text/html; charset=utf-8", PRIVATE)


@router.get("/map/status.json", response_class=JSONResponse)
async def map_status(request: Request, store: StoreDep, token: TokenQuery = None) -> Response:
    """`{"at_ms", "status": {site: code}, "lines": {spoke: code}, "opening": {site: state}}`
    for every visible site (the colours of markers and of spoke-hub lines); codes index
    `["green", "grey", "amber", "red"]` (worse is higher); `opening` names the sites being
    opened: planned, provisioning or failed (their own colours). The page polls it to
    recolour."""
    principal = await viewer(request, store, token)
    request.app.state.console_polled = time.monotonic()  # a console is open (`warm_answers`)
    # Rendered once per snapshot: most polls find their answer here, and are answered without
    # waiting for a worker thread (each hand-over waits for the interpreter under load).
    body = status_found(request.app.state, principal)
    if body is None:
        body = await run_in_threadpool(status_body, request.app.state, principal)
    return Response(body, media_type="application/json", headers=PRIVATE)


DayQuery = Annotated[
    date | None, Query(description="a day in the network's time zone (default: the last 24 h)")
]


@router.get("/map/history.json")
async def map_history(
    request: Request, store: StoreDep, day: DayQuery = None, token: TokenQuery = None
) -> JSONResponse:
    """The last 24 h, or the hours of `day` in the network's time zone, in hourly buckets:
    `{"sites", "buckets", "bucket_ms", "codes"}`, where `codes[b][i]` is the status digit of
    `sites[i]` in bucket `b` (see `telemetry.map.replay`). A day after today is refused (422)."""
    principal = await viewer(request, store, token)
    now = datetime.now(UTC)
    end = None if day is None else replay_end(day, map_options().time_zone, now)
    body = await run_in_threadpool(_history, request.app.state, principal, end, now)
    return JSONResponse(body, headers=PRIVATE)


def replay_end(day: date, zone: str, now: datetime) -> datetime:
    """The last moment of `day` in `zone`, where its replay ends, so that its buckets are the
    day's hours from midnight (today's later hours have no data yet)."""
    midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), ZoneInfo(zone))
    if midnight - timedelta(days=1) > now:
        raise HTTPException(422, f"day: {day.isoformat()} has not begun in {zone}")
    return midnight - timedelta(milliseconds=1)


@router.get("/map/sites/{site_id}.json")
async def map_site(
    request: Request, site_id: str, store: StoreDep, token: TokenQuery = None
) -> JSONResponse:
    """One site's popup details: links, applications with their current link, open alarms.
    404 for a site that does not exist or that the token may not see."""
    principal = await viewer(request, store, token)
    body = await run_in_threadpool(_site, request.app.state, principal, site_id)
    return JSONResponse(body, headers=PRIVATE)


@router.get("/map/sites/{site_id}/history.json")
async def map_site_history(
    request: Request,
    site_id: str,
    store: StoreDep,
    period: Period = Period.DAY,
    token: TokenQuery = None,
) -> JSONResponse:
    """One site's links over `period` (hour: 1 min means, day: 5 min, week: 1 h, month: 1 day)
    for its panel's charts: `{"period", "from_ms", "to_ms", "window_s", "links": {link: {"t",
    "latency_ms", "jitter_ms", "loss_pct", "utilization"}}}`. 404 as for the site's details."""
    principal = await viewer(request, store, token)
    body = await run_in_threadpool(_site_history, request.app.state, principal, site_id, period)
    return JSONResponse(body, headers=PRIVATE)


def _compiled(app_state: Any, principal: Principal) -> tuple[Inventory, HealthLayout]:
    """The inventory and layout `principal` may see, from the shared compiled copy."""
    inventory, layout = app_state.store.current.derived(HealthLayout.from_inventory)
    if principal.scoped:
        inventory = visible(inventory, principal)
        layout = HealthLayout.from_inventory(inventory)
    return inventory, layout


WATCHED_S = 600.0
"""A console whose statuses were polled this recently is open (its page polls every few
seconds): the last 24 h's replay is kept fresh for its slider."""


def warm_answers(app_state: Any) -> None:
    """At each monitor tick, once the monitor has a snapshot: the whole network's page in each
    language rendered in the background if not kept (then kept, `kept_answers`), so that the
    first screen opened after a start does not wait for it; and the last 24 h's replay, kept
    fresh while a console is open (`WATCHED_S`): computing it reads every raw sample not rolled
    up yet, more than a second under full ingest, which the slider would otherwise wait for."""
    if app_state.monitor.snapshot is None:
        return
    generation = app_state.store.current.generation()
    pages: Kept[PageKey, Gzipped] = app_state.kept_pages
    options = map_options()
    for lang in LANGUAGES:
        pages.warm((generation, None, lang, options))
    replays: Kept[ReplayKey, Replay] = app_state.kept_replays
    if time.monotonic() - app_state.console_polled < WATCHED_S:
        replays.keep_fresh((generation, None))
    else:
        replays.warm((generation, None))


def _page(app_state: Any, principal: Principal, lang: str) -> Gzipped:
    """The page for `principal` in `lang`, kept (`kept_answers`); the last 24 h's replay is
    started behind it (the slider may soon ask for it)."""
    generation = app_state.store.current.generation()
    pages: Kept[PageKey, Gzipped] = app_state.kept_pages
    page = pages.get((generation, principal.sites, lang, map_options()))
    replays: Kept[ReplayKey, Replay] = app_state.kept_replays
    replays.warm((generation, None))  # a page there is: so is a network to replay
    return page


def _render(app_state: Any, principal: Principal, lang: str, options: MapOptions) -> str:
    telemetry: TelemetryStore = app_state.telemetry
    inventory, layout = _compiled(app_state, principal)
    now = datetime.now(UTC)
    # The monitor's latest snapshot, as status.json answers from, when it is of this very
    # layout (the whole network's, this generation's): reading 10,000 sites' latest samples and
    # scoring them again would cost a tenth of a second more. Else (a scoped viewer, a network
    # just changed), this layout scored now.
    snapshot = app_state.monitor.snapshot
    if snapshot is None or snapshot.layout is not layout:
        snapshot = score(layout, telemetry.latest(now=now), now)
    return build_map_page(inventory, snapshot, options=options,
                          opening=_opening(app_state, principal), lang=lang)  # fmt: skip


def _status_key(principal: Principal, opening: dict[str, str]) -> Hashable:
    return ("map/status", principal.sites, tuple(sorted(opening.items())))


def status_found(app_state: Any, principal: Principal) -> bytes | None:
    """`status_body` if it is rendered already for the monitor's last snapshot, else None."""
    snapshot = app_state.monitor.snapshot
    states = app_state.store.ztp.kept_states()  # None: reading them would query: not here
    if snapshot is None or states is None:
        return None
    views: SnapshotViews = app_state.snapshot_views
    return views.peek(snapshot, _status_key(principal, _opening(app_state, principal, states)))


def status_body(
    app_state: Any, principal: Principal, snapshot: HealthSnapshot | None = None
) -> bytes:
    """From the monitor's latest snapshot (refreshed every monitor interval), or `snapshot`,
    rendered once per snapshot and scope: every browser polls this."""
    if snapshot is None:
        snapshot = app_state.monitor.current(datetime.now(UTC))
    opening = _opening(app_state, principal)  # changes between snapshots: part of the key

    def render() -> bytes:
        inventory, _ = _compiled(app_state, principal)
        status = status_codes(inventory, snapshot)
        lines = line_codes(snapshot)
        if principal.scoped:
            lines = {site: code for site, code in lines.items() if principal.sees(site)}
        return json.dumps(
            {"at_ms": snapshot.now_ms, "status": status, "lines": lines,
             "opening": opening}, separators=(",", ":"),
        ).encode()  # fmt: skip

    views: SnapshotViews = app_state.snapshot_views
    return views.get(snapshot, _status_key(principal, opening), render)


def _opening(
    app_state: Any, principal: Principal, states: Mapping[str, SiteState] | None = None
) -> dict[str, str]:
    """The visible sites being opened, and where each stands (`telemetry.map.opening_states`),
    from `states` when given (else read)."""
    store: Store = app_state.store
    if states is None:
        states = store.ztp.states()
    return opening_states({s: v.value for s, v in states.items() if principal.sees(s)})


ReplayKey = tuple[int, datetime | None]
PageKey = tuple[int, frozenset[str] | None, str, MapOptions]


def kept_answers(app_state: Any) -> tuple[Kept[ReplayKey, Replay], Kept[PageKey, Gzipped]]:
    """The app's kept replays and pages (`controller/api/kept.py`). A replay, of the whole
    network, by (generation, end: None for the last 24 h); recomputed behind the answer once a
    minute old. A page by (generation, scope, language, options), rendered (and compressed:
    `Gzipped`) again behind the answer once 15 s old: a page served a little old is repainted
    by its first status refresh, a second after it loads."""

    def replay_of(key: ReplayKey) -> Replay:
        _, layout = app_state.store.current.derived(HealthLayout.from_inventory)
        return replay(app_state.telemetry, layout, key[1] or datetime.now(UTC))

    def page_of(key: PageKey) -> Gzipped:
        _, sites, lang, options = key
        viewer = Principal("map", Role.VIEWER, sites)
        return Gzipped.of_text(_render(app_state, viewer, lang, options))

    app_state.console_polled = -WATCHED_S  # no console open yet (`warm_answers`)
    return (
        Kept(replay_of, fresh_s=60.0, keep_s=600.0, limit=16),
        Kept(page_of, fresh_s=15.0, keep_s=60.0, limit=32),
    )


def _history(
    app_state: Any, principal: Principal, end: datetime | None, now: datetime
) -> dict[str, Any]:
    replays: Kept[ReplayKey, Replay] = app_state.kept_replays
    kept = replays.get((app_state.store.current.generation(), end),
                       moving=end is None or end > now)  # fmt: skip
    return kept.seen_by(principal.sees).as_json()


def _site(app_state: Any, principal: Principal, site_id: str) -> dict[str, Any]:
    inventory, _ = _compiled(app_state, principal)
    site = inventory.site_by_id.get(site_id)
    if site is None or not principal.sees(site_id):
        raise HTTPException(404, f"no site {site_id!r}")
    # One site's layout and samples: the same rules as the map, at the cost of one site.
    one = inventory.model_copy(update={"sites": (site,)})
    now = datetime.now(UTC)
    telemetry: TelemetryStore = app_state.telemetry
    snapshot = score(
        HealthLayout.from_inventory(one), telemetry.latest(Selector(site=site_id), now=now), now
    )
    store: Store = app_state.store
    current, journal = store.paths.at_site(site_id, CHANGES_SHOWN)
    paths = [CurrentPath(p.app, p.link, p.reason) for p in current]
    changes = [PathChange(to_ms(c.at), c.app, c.from_link, c.to_link, c.reason) for c in journal]
    alarms = app_state.monitor.active().at(site_id)
    return site_details(site_id, snapshot, inventory.applications, paths, alarms, changes=changes)


def _site_history(
    app_state: Any, principal: Principal, site_id: str, period: Period
) -> dict[str, Any]:
    inventory, _ = _compiled(app_state, principal)
    if not principal.sees(site_id) or site_id not in inventory.site_by_id:
        raise HTTPException(404, f"no site {site_id!r}")
    telemetry: TelemetryStore = app_state.telemetry
    now = datetime.now(UTC)
    windows = history(telemetry, Selector(site=site_id, app=""), period, now)
    span, window = PERIODS[period]
    return {"period": str(period), "from_ms": to_ms(now - span), "to_ms": to_ms(now),
            **link_series(windows, window.total_seconds())}  # fmt: skip


@router.get(BOUNDARY_URL, include_in_schema=False)
async def map_boundary() -> FileResponse:
    """The operator's boundary file (`BRANCHLINE_MAP_BOUNDARY_FILE`), 404 when none is set."""
    path = await run_in_threadpool(boundary_file)
    if path is None:
        raise HTTPException(404, "no boundary file is set")
    return FileResponse(path, media_type="application/geo+json",
                        headers={"Cache-Control": "public, max-age=3600"})  # fmt: skip


@router.get("/map/static/{kind}/{name:path}", include_in_schema=False)
async def map_static(request: Request, kind: str, name: str) -> Response:
    """A file of Leaflet, of its cluster plugin, or the land outline (packaged: read and
    compressed once, `packaged_file`)."""
    root = STATIC_DIRS.get(kind)
    if root is None:
        raise HTTPException(404, "no such asset")
    path = (root / name).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        raise HTTPException(404, "no such asset")
    body, media_type = packaged_file(path)
    return body.response(request, media_type, {"Cache-Control": "public, max-age=86400"})
