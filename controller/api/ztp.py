"""/api/v1: opening sites. Invitations (a one-time link mailed to the person at the branch; the
link's token is in the mail only, never in an answer), USB bundles, and each site's lifecycle
and timeline. Inviting, writing bundles and revoking is for an operator of the site."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from controller.api.auth import Operator, Viewer, check_site
from controller.api.deps import StoreDep, running
from controller.api.problems import problem
from controller.errors import NotFoundError
from controller.store.ztp_store import Invite
from controller.ztp.invitations import EMAIL, InvitationError, Invitations
from controller.ztp.usb import usb_bundle

router = APIRouter(prefix="/api/v1", tags=["opening sites"])

MAIL_FAILED: dict[int | str, dict[str, Any]] = {
    502: {"description": "the invitation could not be mailed (its link is revoked)"}
}


class InviteBody(BaseModel):
    email: str = Field(max_length=254, pattern=EMAIL.pattern,
                       description="who opens the branch: the link goes there")  # fmt: skip
    ttl_h: float | None = Field(
        default=None, gt=0, le=24 * 30, description="hours the link works (default: settings)"
    )


class InviteRead(BaseModel):
    id: int
    site: str
    email: str
    status: str
    created_at: datetime
    created_by: str
    expires_at: datetime
    mailed_at: datetime | None
    claimed_at: datetime | None
    serial: str | None
    channel: str = Field(description="mail: an e-mailed link; usb: a USB bundle")


class BundleBody(BaseModel):
    serial: str = Field(pattern=r"^[A-Za-z0-9-]{4,40}$", description="the device it is for")
    ttl_h: float | None = Field(
        default=None, gt=0, le=24 * 90, description="hours its bootstrap is valid (default: "
        "settings, 14 days)"
    )  # fmt: skip


class EventRead(BaseModel):
    at: datetime
    state: str
    step: str
    detail: str
    actor: str


class LifecycleRead(BaseModel):
    site: str
    state: str = Field(description="planned, invited, claimed, provisioning, online, failed; "
                       "in-service: never opened through Branchline")  # fmt: skip
    reason: str | None
    timeline: list[EventRead]


@router.post("/sites/{site_id}/invites", status_code=status.HTTP_201_CREATED,
             responses=MAIL_FAILED, response_model=InviteRead)  # fmt: skip
def invite(
    request: Request, store: StoreDep, who: Operator, site_id: str, body: InviteBody
) -> InviteRead | JSONResponse:
    """Mail the person at the branch a one-time link to open it; the site's previous link, if
    any, stops working."""
    check_site(who, site_id)
    invitations: Invitations = running(request, "invitations")
    try:
        made = invitations.invite(site_id, body.email, who.name, body.ttl_h)
    except InvitationError as exc:
        return problem(502, str(exc))
    return _invite(made)


@router.post("/sites/{site_id}/usb-bundle", status_code=status.HTTP_201_CREATED)
def write_usb_bundle(
    request: Request, store: StoreDep, who: Operator, site_id: str, body: BundleBody
) -> JSONResponse:
    """A signed USB bundle to open the site with one device (the file to copy to the stick);
    the site's open invitations stop working. The invitation it stands for is in the
    `Location` header."""
    check_site(who, site_id)
    made, text = usb_bundle(store, request.app.state.settings, site_id, body.serial,
                            actor=who.name, ttl_h=body.ttl_h)  # fmt: skip
    name = f"{site_id}-{body.serial}.ztp.json"
    headers = {"Location": f"/api/v1/invites/{made.id}",
               "Content-Disposition": f'attachment; filename="{name}"'}  # fmt: skip
    return JSONResponse(json.loads(text), status_code=201, headers=headers)


@router.get("/invites")
def list_invites(
    store: StoreDep, who: Viewer, site: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[InviteRead]:  # fmt: skip
    """Newest first; a site-scoped user names one of their sites."""
    if site is not None:
        check_site(who, site)
    elif who.scoped:
        raise HTTPException(403, f"{who.name} is site-scoped: give ?site=")
    return [_invite(i) for i in store.ztp.invites(site, limit)]


@router.get("/invites/{invite_id}")
def get_invite(
    store: StoreDep, who: Viewer, invite_id: Annotated[int, Path(ge=1, le=2**31)]
) -> InviteRead:
    invite = store.ztp.get(invite_id)
    check_site(who, invite.site)
    return _invite(invite)


@router.delete("/invites/{invite_id}")
def revoke_invite(
    store: StoreDep, who: Operator, invite_id: Annotated[int, Path(ge=1, le=2**31)]
) -> InviteRead:
    """The link stops working (an invitation already used cannot be revoked: 409)."""
    check_site(who, store.ztp.get(invite_id).site)
    return _invite(store.ztp.revoke(invite_id, who.name))


@router.get("/sites/{site_id}/lifecycle")
def lifecycle(store: StoreDep, who: Viewer, site_id: str) -> LifecycleRead:
    check_site(who, site_id)
    if not store.sites.exists(site_id):
        raise NotFoundError(f"no site with id {site_id!r}")
    state = store.ztp.state(site_id)
    events = [EventRead(at=e.at, state=e.state.value, step=e.step, detail=e.detail,
                        actor=e.actor) for e in store.ztp.timeline(site_id)]  # fmt: skip
    return LifecycleRead(site=site_id, state=state[0].value if state else "in-service",
                         reason=state[1] if state else None, timeline=events)  # fmt: skip


def _invite(i: Invite) -> InviteRead:
    return InviteRead(id=i.id, site=i.site, email=i.email, status=i.status(datetime.now(UTC)),
                      created_at=i.created_at, created_by=i.created_by,
                      expires_at=i.expires_at, mailed_at=i.mailed_at, claimed_at=i.claimed_at,
                      serial=i.serial, channel=i.channel.value)  # fmt: skip
