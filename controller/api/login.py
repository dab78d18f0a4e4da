"""Signing in from a browser: `/` leads to the map, `/login` exchanges a viewer token typed
into a form for the map's session cookie (the token never appears in an address)."""

from __future__ import annotations

import time
from typing import Annotated
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from controller.api.auth import authenticate
from controller.api.deps import StoreDep
from controller.auth.principal import Role
from controller.auth.sessions import COOKIE, BrowserSessions
from controller.console import login_page
from controller.languages import language

router = APIRouter(tags=["console"], include_in_schema=False)

MAX_FORM_BYTES = 4096
"""The sign-in form's body (enforced by `controller.api.limits.BodyLimit`)."""
PRIVATE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
Lang = Annotated[str | None, Query(pattern="^(zh|en)$")]


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/map", 303)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, lang: Lang = None) -> HTMLResponse:
    """The sign-in page, in Chinese or English (Accept-Language, or ?lang=)."""
    chosen = language(request.headers.get("accept-language"), lang)
    return HTMLResponse(login_page(chosen), headers=PRIVATE)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, store: StoreDep, lang: Lang = None) -> Response:
    """A viewer token from the form: a session cookie and on to the map (303); a token that
    is not one, 401 and the form again (429 after too many)."""
    chosen = language(request.headers.get("accept-language"), lang)
    try:
        form = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=4)
    except ValueError:  # more fields than a sign-in form has: no token taken from it
        form = {}
    token = (form.get("token") or [""])[0].strip()
    credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
    try:
        if not token:
            raise HTTPException(401)
        principal = await authenticate(request, store, credentials)
        if not principal.has(Role.VIEWER):
            raise HTTPException(403)
    except HTTPException as refused:
        problem = "slow" if refused.status_code == 429 else "refused"
        headers = {**PRIVATE, **(refused.headers or {})}
        headers.pop("WWW-Authenticate", None)  # a form, not a Bearer challenge
        return HTMLResponse(login_page(chosen, problem), refused.status_code, headers=headers)
    return signed_in(request, token, "/map")


def signed_in(request: Request, token: str, to: str) -> RedirectResponse:
    """A 303 to `to` with the browser session of `token` (a valid one) in its cookie: the
    token goes no further than this answer (not in the address the browser goes on to)."""
    sessions: BrowserSessions = request.app.state.browser_sessions
    session = sessions.open(token, time.monotonic())
    answer = RedirectResponse(to, 303, headers=PRIVATE)
    answer.set_cookie(
        COOKIE, session, max_age=int(sessions.ttl_s), path="/", httponly=True,
        samesite="strict", secure=request.url.scheme == "https",
    )  # fmt: skip
    return answer


def without_token(request: Request) -> str:
    """The request's path and query, its `token` taken out."""
    rest = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
    return request.url.path + (f"?{rest}" if rest else "")
