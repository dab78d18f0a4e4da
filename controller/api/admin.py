"""/api/v1/users, /api/v1/tokens and /api/v1/audit: for admins only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from controller.api.auth import Admin
from controller.api.deps import MAX_OFFSET, StoreDep
from controller.auth.cache import TokenCache
from controller.auth.principal import Role
from controller.errors import UnknownReferenceError
from controller.store.site_store import SiteFilter
from sites.base import Identifier

router = APIRouter(prefix="/api/v1", tags=["users and audit"])


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Identifier
    role: Role
    sites: list[Identifier] | None = Field(
        default=None, description="limit the user to these sites; omit for the whole network"
    )


class UserRead(BaseModel):
    name: str
    role: Role
    sites: list[str] | None
    created_at: datetime


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(default="", max_length=200)


class TokenCreated(BaseModel):
    id: str
    user: str
    token: str = Field(description="shown this once; only its hash is stored")


class TokenRead(BaseModel):
    id: str
    user: str
    description: str
    created_at: datetime
    revoked_at: datetime | None


class AuditRead(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    resource: str
    before: Any
    after: Any


class AuditPage(BaseModel):
    total: int
    items: list[AuditRead]


@router.get("/users")
def list_users(store: StoreDep, _: Admin) -> list[UserRead]:
    return [
        UserRead(name=u.name, role=u.role, sites=list(u.sites) if u.sites else u.sites,
                 created_at=u.created_at)
        for u in store.users.all()
    ]  # fmt: skip


@router.post("/users", status_code=201)
def create_user(store: StoreDep, who: Admin, body: UserCreate) -> UserRead:
    if body.sites is not None:
        _, known = store.sites.list(SiteFilter(within=frozenset(body.sites)), len(body.sites), 0)
        missing = sorted(set(body.sites) - {s.id for s in known})
        if missing:
            raise UnknownReferenceError(f"no such sites: {', '.join(missing)}", "sites")
    user = store.users.add(body.name, body.role, body.sites, who.name)
    return UserRead(name=user.name, role=user.role, sites=body.sites, created_at=user.created_at)


@router.post("/users/{name}/tokens", status_code=201)
def create_token(store: StoreDep, who: Admin, name: str, body: TokenCreate) -> TokenCreated:
    token = store.users.create_token(name, body.description, who.name)
    return TokenCreated(id=token.id, user=name, token=token.text)


@router.get("/tokens")
def list_tokens(store: StoreDep, _: Admin, user: str | None = None) -> list[TokenRead]:
    return [
        TokenRead(id=t.id, user=t.user, description=t.description, created_at=t.created_at,
                  revoked_at=t.revoked_at)
        for t in store.users.tokens(user)
    ]  # fmt: skip


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(request: Request, store: StoreDep, who: Admin, token_id: str) -> Response:
    store.users.revoke_token(token_id, who.name)
    cache: TokenCache = request.app.state.token_cache
    cache.forget(token_id)  # revoked here: refused from the next request on
    return Response(status_code=204)


@router.get("/audit")
def read_audit(
    store: StoreDep,
    _: Admin,
    actor: str | None = None,
    resource: Annotated[str | None, Query(description="prefix, e.g. sites/ or sites/br-x")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> AuditPage:
    """Every write, newest first: who, when, what, and the resource before and after."""
    total, entries = store.audit.list(actor, resource, limit, offset)
    return AuditPage(
        total=total,
        items=[
            AuditRead(id=e.id, at=e.at, actor=e.actor, action=e.action, resource=e.resource,
                      before=e.before, after=e.after)
            for e in entries
        ],
    )  # fmt: skip
