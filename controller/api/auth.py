"""Bearer-token authentication and role checks for the routes.

401: no token or a bad one (with WWW-Authenticate); 403: a good token without the right;
429: a bad token tried too often, or too many bad tokens from one address (with Retry-After;
see `controller.auth.ratelimit.AuthLimiter`). A token that verifies is never refused.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from controller.api.deps import StoreDep
from controller.auth.cache import TokenCache
from controller.auth.principal import Principal, Role
from controller.auth.ratelimit import AuthLimiter
from controller.auth.sessions import COOKIE, BrowserSessions

bearer = HTTPBearer(auto_error=False, description="an API token: `branchline token create USER`")


async def authenticate(
    request: Request,
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    limiter: AuthLimiter = request.app.state.auth_failures
    client = request.client.host if request.client else "unknown"
    now = time.monotonic()
    if credentials is None:
        raise HTTPException(
            401, "send Authorization: Bearer <token>", headers={"WWW-Authenticate": "Bearer"}
        )
    secret = credentials.credentials
    wait = limiter.retry_after(client, secret, now)
    if wait > 0:  # this very credential failed again and again from here: not looked up
        raise _too_many(wait)
    cache: TokenCache = request.app.state.token_cache
    principal = cache.get(secret, now)
    if principal is None:
        principal = store.users.authenticate(secret)
        if principal is not None:
            cache.put(secret, principal, now)
    if principal is None:
        wait = limiter.failed(client, secret, now)
        if wait > 0:
            raise _too_many(wait)
        raise HTTPException(
            401,
            "the token is not valid (unknown, revoked or mistyped)",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return principal


async def browser_credentials(
    request: Request, token: str | None = None
) -> HTTPAuthorizationCredentials | None:
    """`Authorization: Bearer`, else the session cookie of a browser signed in at /login, else
    `token` (the map's `?token=`, which it trades for a cookie at once)."""
    credentials = await bearer(request)
    session = request.cookies.get(COOKIE)
    if credentials is None and session:
        sessions: BrowserSessions = request.app.state.browser_sessions
        known = sessions.token(session, time.monotonic())
        if known is not None:
            credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=known)
    if credentials is None and token:
        credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
    return credentials


async def browser_network_viewer(request: Request, store: StoreDep) -> Principal:
    """A dependency for what a browser opens (a simulation's report and its plots): a network-
    wide viewer, by bearer token or by the session cookie of /login; never a token in the
    address."""
    principal = await authenticate(request, store, await browser_credentials(request))
    return await require(Role.VIEWER, network_wide=True)(principal)


def _too_many(wait: float) -> HTTPException:
    return HTTPException(
        429,
        "too many failed authentications from this address; try again later",
        headers={"Retry-After": str(math.ceil(wait))},
    )


def require(
    role: Role, *, network_wide: bool = False
) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency: the caller, if they hold `role` (and, if asked, are not site-scoped)."""

    async def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.has(role):
            raise HTTPException(
                403, f"this needs the {role} role; {principal.name} is {principal.role}"
            )
        if network_wide and principal.scoped:
            raise HTTPException(
                403, f"this acts on the whole network; {principal.name}'s token is scoped to sites"
            )
        return principal

    return check


async def reporter(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """A dependency: the caller, if they may upload telemetry (a device, or an operator)."""
    if not principal.reports:
        raise HTTPException(403, f"uploading telemetry needs a device's token or the operator "
                                 f"role; {principal.name} is {principal.role}")  # fmt: skip
    return principal


def check_site(principal: Principal, site_id: str) -> None:
    if not principal.sees(site_id):
        raise HTTPException(403, f"site {site_id!r} is outside {principal.name}'s scope")


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]
NetworkViewer = Annotated[Principal, Depends(require(Role.VIEWER, network_wide=True))]
BrowserNetworkViewer = Annotated[Principal, Depends(browser_network_viewer)]
NetworkOperator = Annotated[Principal, Depends(require(Role.OPERATOR, network_wide=True))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN, network_wide=True))]
Reporter = Annotated[Principal, Depends(reporter)]
