"""/ztp: the installer's side of opening a branch, for the person at the branch (no account).

`GET /ztp` is the page; its script reads the token after `#` in the link, exchanges it at
`POST /ztp/session` for a session cookie (HttpOnly, SameSite=Strict, path /ztp) and drops it from
the address and the history. `POST /ztp/claim` binds the CPE's serial to the invitation, and
`GET /ztp/status` is the site's progress (its timeline's steps, never who took them).
`POST /ztp/call-home` is the device's, and `POST /ztp/report` where it says it refused its
bootstrap.

An unknown or tampered token is 404 (the same path as any wrong token: one indexed lookup of its
hash); a used, expired or revoked one 410; a client that keeps failing gets 429.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Cookie, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from controller.api.deps import StoreDep, running
from controller.auth.ratelimit import FailureLimiter
from controller.auth.sessions import BrowserSessions
from controller.auth.tokens import hash_secret
from controller.languages import language
from controller.store.facade import Store
from controller.store.ztp_store import Invite, InviteStatus
from controller.ztp.callhome import CallHome, CallHomeRefusedError, CallHomeRequest
from controller.ztp.page import installer_page

router = APIRouter(
    prefix="/ztp", tags=["opening sites: installer"],
    responses={410: {"description": "the link was used already, has expired or was revoked"}},
)  # fmt: skip

COOKIE = "branchline_ztp"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; "
    "style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
}


class TokenBody(BaseModel):
    token: str = Field(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")


class ClaimBody(BaseModel):
    serial: str = Field(pattern=r"^[A-Za-z0-9-]{4,40}$", description="the CPE's serial number")


class Step(BaseModel):
    at: datetime
    step: str


class CallHomeBody(BaseModel):
    serial: str = Field(pattern=r"^[A-Za-z0-9-]{4,40}$")
    port: int = Field(ge=1, le=65535, description="where the device takes SSH or NETCONF")
    host_key: str = Field(
        max_length=2100, pattern=r"^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) "
        r"[A-Za-z0-9+/=]{16,2000}$", description="the device's SSH host key, pinned from now on",
    )  # fmt: skip


class ReportBody(BaseModel):
    serial: str = Field(pattern=r"^[A-Za-z0-9-]{4,40}$")
    step: Literal["bootstrap-refused"] = Field(description="what went wrong on the device")
    detail: str = Field(max_length=300, pattern=r"^[^\x00-\x1f\x7f]*$",
                        description="the device's own words (one line)")  # fmt: skip


class SignedRead(BaseModel):
    document: str = Field(description="the day-0 bootstrap, JSON")
    signature: str = Field(description="Ed25519 signature of the document's UTF-8 bytes, base64")
    key_id: str


class InstallerStatus(BaseModel):
    site: str
    name: str
    city: str
    state: str
    reason: str | None
    serial: str | None
    timeline: list[Step]


@router.get("", response_class=HTMLResponse)
def page(
    request: Request, lang: Annotated[str | None, Query(pattern="^(zh|en)$")] = None
) -> HTMLResponse:
    """The installer page, in Chinese or English (Accept-Language, or ?lang=)."""
    chosen = language(request.headers.get("accept-language"), lang)
    return HTMLResponse(installer_page(chosen), headers=PAGE_HEADERS)


@router.post("/session")
def open_session(
    request: Request, response: Response, store: StoreDep, body: TokenBody
) -> InstallerStatus:
    """Exchange the link's token for a session cookie; the site and its progress."""
    client, now, failures = _admitted(request)
    token_hash = hash_secret(body.token)
    invite = store.ztp.invite_by_hash(token_hash)
    if invite is None:
        failures.failed(client, now)
        raise HTTPException(404, "no such invitation: open the link from the mail as it is")
    _usable(invite)
    sessions: BrowserSessions = request.app.state.ztp_sessions
    session = sessions.open(token_hash, now)
    response.set_cookie(COOKIE, session, max_age=int(sessions.ttl_s), path="/ztp",
                        httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")  # fmt: skip
    return _status(store, invite)


@router.post("/claim")
def claim(
    request: Request, store: StoreDep, body: ClaimBody,
    session: Annotated[str | None, Cookie(alias=COOKIE)] = None,
) -> InstallerStatus:  # fmt: skip
    """Bind the CPE's serial number to the invitation."""
    invite = _invite(request, store, session)
    _, inventory = store.current.get()
    site = next((s for s in inventory.sites if s.id == invite.site), None)
    if site is None or body.serial not in {c.serial for c in site.cpes}:
        raise HTTPException(422, f"serial: {body.serial} is not a device of this branch")
    claimed = store.ztp.claim(invite.id, body.serial, f"installer:{invite.email}")
    return _status(store, claimed)


@router.get("/status")
def status(
    request: Request, store: StoreDep,
    session: Annotated[str | None, Cookie(alias=COOKIE)] = None,
) -> InstallerStatus:  # fmt: skip
    """The site's progress (also once the device has used the link up)."""
    return _status(store, _invite(request, store, session, watching=True))


@router.post("/call-home", responses={409: {"description": "this device called home already"}})
def call_home(request: Request, body: CallHomeBody) -> SignedRead:
    """A factory-default CPE asks for its day-0 bootstrap (see controller/ztp/callhome.py)."""
    client, now, failures = _admitted(request)
    service: CallHome = running(request, "call_home")
    try:
        signed = service.bootstrap(CallHomeRequest(body.serial, client, body.port, body.host_key))
    except CallHomeRefusedError as exc:
        failures.failed(client, now)
        raise HTTPException(exc.status, str(exc)) from None
    return SignedRead(**signed.to_json())


@router.post("/report", status_code=204, responses={403: {"description": "unknown serial"}})
def device_report(request: Request, body: ReportBody) -> Response:
    """A device says it refused its bootstrap (RFC 8572's progress report): written to its
    site's timeline and raised as a `ztp-failure` alarm. Anyone can send one, so every report
    counts against the client's failures (429 when it keeps sending)."""
    client, now, failures = _admitted(request)
    failures.failed(client, now)
    service: CallHome = running(request, "call_home")
    try:
        service.refused(body.serial, client, body.detail)
    except CallHomeRefusedError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return Response(status_code=204)


def _admitted(request: Request) -> tuple[str, float, FailureLimiter]:
    """The client's address, now, and the limiter of failures: 429 for a client that keeps
    failing (the session, the call-home and the reports count against one limit)."""
    client = request.client.host if request.client else "unknown"
    now = time.monotonic()
    failures: FailureLimiter = request.app.state.ztp_failures
    wait = failures.retry_after(client, now)
    if wait > 0:
        raise HTTPException(429, "too many failed attempts", {"Retry-After": f"{wait:.0f}"})
    return client, now, failures


def _invite(
    request: Request, store: Store, session: str | None, *, watching: bool = False
) -> Invite:
    sessions: BrowserSessions = request.app.state.ztp_sessions
    token_hash = sessions.token(session, time.monotonic()) if session else None
    invite = store.ztp.invite_by_hash(token_hash) if token_hash else None
    if invite is None:
        raise HTTPException(401, "open the link from the mail again")
    _usable(invite, watching=watching)
    return invite


def _usable(invite: Invite, *, watching: bool = False) -> None:
    """A used, expired or revoked link is refused (410); a session that watches the progress
    goes on once the device has used the link."""
    state = invite.status(datetime.now(UTC))
    gone = {InviteStatus.EXPIRED, InviteStatus.REVOKED, InviteStatus.CONSUMED}
    if watching:
        gone.discard(InviteStatus.CONSUMED)
    if state in gone:
        raise HTTPException(410, f"this link was {state.value}: ask HQ for a new one")


def _status(store: Store, invite: Invite) -> InstallerStatus:
    _, inventory = store.current.get()
    site = next((s for s in inventory.sites if s.id == invite.site), None)
    if site is None:  # deleted since it was invited
        raise HTTPException(410, "this branch is no longer planned: ask HQ")
    state = store.ztp.state(invite.site)
    steps = [Step(at=e.at, step=e.step) for e in store.ztp.timeline(invite.site)
             if e.at >= invite.created_at]  # fmt: skip
    return InstallerStatus(
        site=site.id, name=site.name, city=site.city,
        state=state[0].value if state else "in-service", reason=state[1] if state else None,
        serial=invite.serial, timeline=steps,
    )  # fmt: skip
