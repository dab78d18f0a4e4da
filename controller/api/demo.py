"""What `branchline demo` adds to the API (404 when the controller is not a demo):

- `GET /api/v1/demo`: the branches it opens by ZTP (where each stands) and the outages in force;
- `POST /api/v1/demo/outages`: fail a branch link (`{"link": "SITE/LINK"}`), every link of a
  carrier (`{"carrier": "China Telecom", "transport": "Internet"}`) or a hub CPE
  (`{"hub_cpe": 0}`) in the running simulation; `DELETE /api/v1/demo/outages/{id}` repairs it;
- `GET /demo/mailbox`: the mails the controller sent (the ZTP invitations), in Chinese or
  English, and `GET /demo/mailbox/{id}` one of them, for an admin signed in (the mails hold
  one-time links).
"""

from __future__ import annotations

import html
import re
from typing import Annotated, Any, Protocol
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from controller.api.auth import Operator, authenticate, browser_credentials, require
from controller.api.deps import StoreDep
from controller.api.login import PRIVATE, signed_in, without_token
from controller.api.map import map_options
from controller.auth.principal import Principal, Role
from controller.demo.mailbox import Mail
from controller.languages import html_lang, language
from sites.enums import Transport

router = APIRouter(tags=["demo"])
LINKS = re.compile(r"https?://[^\s<>\"']+")


NAME = "[a-z0-9][a-z0-9._-]{0,62}"  # an identifier (sites.base)


class OutageBody(BaseModel):
    """One of: `link` ("SITE/LINK"), `carrier` (with an optional `transport`), `hub_cpe`."""

    model_config = ConfigDict(extra="forbid")

    link: str | None = Field(default=None, pattern=f"^{NAME}/{NAME}$",
                             description="a branch link, SITE/LINK")  # fmt: skip
    carrier: str | None = Field(default=None, min_length=1, max_length=64)
    transport: Transport | None = None
    hub_cpe: int | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _one(self) -> OutageBody:
        given = [n for n in ("link", "carrier", "hub_cpe") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of link, carrier, hub_cpe")
        if self.transport is not None and self.carrier is None:
            raise ValueError("transport: only with carrier")
        return self


class Outage(BaseModel):
    id: int
    name: str


class DemoLabView(Protocol):
    """What the routes need of the running demo (`controller.demo.lab.DemoLab`)."""

    def status(self) -> dict[str, Any]: ...
    def fail(self, body: OutageBody) -> tuple[int, str]: ...
    def restore(self, ident: int) -> str | None: ...
    def mails(self) -> list[Mail]: ...
    def mail(self, ident: int) -> Mail | None: ...


def _demo(request: Request) -> DemoLabView:
    demo: DemoLabView | None = getattr(request.app.state, "demo", None)
    if demo is None:
        raise HTTPException(404, "this controller is not running the demo (branchline demo)")
    return demo


Demo = Annotated[DemoLabView, Depends(_demo)]


@router.get("/api/v1/demo")
def demo_status(_: Operator, demo: Demo) -> dict[str, Any]:
    """The demo's ZTP branches (site, serial, state, who opens it) and outages in force."""
    return demo.status()


@router.post("/api/v1/demo/outages", status_code=201, response_model=Outage)
def fail(_: Operator, demo: Demo, body: OutageBody) -> Outage:
    """Fail a link, a carrier or a hub CPE in the running simulation (422 naming what does
    not exist)."""
    try:
        ident, name = demo.fail(body)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return Outage(id=ident, name=name)


@router.delete("/api/v1/demo/outages/{ident}", status_code=204)
def restore(_: Operator, demo: Demo, ident: int) -> Response:
    """Repair an outage."""
    if demo.restore(ident) is None:
        raise HTTPException(404, f"no outage {ident} in force")
    return Response(status_code=204)


async def _admin_browser(request: Request, store: StoreDep) -> Principal | None:
    """An admin by bearer token, the /login session, or `?token=` (as the map takes it);
    None for a browser not signed in."""
    credentials = await browser_credentials(request, request.query_params.get("token"))
    if credentials is None and "text/html" in request.headers.get("accept", ""):
        return None
    principal = await authenticate(request, store, credentials)
    return await require(Role.ADMIN, network_wide=True)(principal)


async def _page_for(request: Request, store: StoreDep) -> Response | None:
    """What to answer instead of the page: /login to a browser not signed in; a token in the
    address exchanged for the session and the address without it (as /map does)."""
    if await _admin_browser(request, store) is None:
        return RedirectResponse("/login", 303, headers=PRIVATE)
    token = request.query_params.get("token")
    return signed_in(request, token, without_token(request)) if token else None


Lang = Annotated[str | None, Query(pattern="^(zh|en)$")]
WORDS = {
    "en": {"title": "Demo mailbox", "none": "No mail yet.", "to": "To", "subject": "Subject",
           "received": "Received", "back": "All mails", "map": "Map",
           "note": "Mail the controller sent, caught on this machine: nothing leaves it."},
    "zh": {"title": "演示邮箱", "none": "暂无邮件。", "to": "收件人", "subject": "主题",
           "received": "接收时间", "back": "全部邮件", "map": "地图",
           "note": "控制器发出的邮件在本机截获，不会发往外部。"},
}  # fmt: skip


def _page(lang: str, title: str, body: str) -> HTMLResponse:
    words = WORDS[lang]
    text = (
        f"<!DOCTYPE html><html lang='{html_lang(lang)}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font:15px/1.5 system-ui,'Noto Sans CJK SC',sans-serif;margin:2rem;color:#1f2933}"
        "table{border-collapse:collapse}td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;"
        "text-align:left}pre{white-space:pre-wrap;background:#f5f7fa;padding:1rem}"
        "a{color:#0b57d0}</style></head><body>"
        f"<nav><a href='/demo/mailbox?lang={lang}'>{words['back']}</a> · "
        f"<a href='/map?lang={lang}'>{words['map']}</a> · "
        f"<a href='?lang={'en' if lang == 'zh' else 'zh'}'>{'English' if lang == 'zh' else '中文'}"
        f"</a></nav><h1>{html.escape(title)}</h1><p>{words['note']}</p>{body}</body></html>"
    )
    return HTMLResponse(text, headers=PRIVATE | {"Content-Security-Policy": CSP})


CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'"


@router.get("/demo/mailbox", response_class=HTMLResponse, include_in_schema=False)
async def mailbox(request: Request, store: StoreDep, demo: Demo, lang: Lang = None) -> Response:
    if (instead := await _page_for(request, store)) is not None:
        return instead
    chosen = language(request.headers.get("accept-language"), lang)
    words = WORDS[chosen]
    zone, tz = _zone()
    rows = "".join(
        f"<tr><td>{m.received.astimezone(tz).strftime('%Y-%m-%d %H:%M:%S')}</td>"
        f"<td>{html.escape(', '.join(m.to))}</td>"
        f"<td><a href='/demo/mailbox/{m.id}?lang={chosen}'>{html.escape(m.subject)}</a></td></tr>"
        for m in demo.mails()
    )
    body = f"<p>{words['none']}</p>"
    if rows:
        body = (f"<table><tr><th>{words['received']} ({zone})</th><th>{words['to']}</th>"
                f"<th>{words['subject']}</th></tr>{rows}</table>")  # fmt: skip
    return _page(chosen, words["title"], body)


@router.get("/demo/mailbox/{ident}", response_class=HTMLResponse, include_in_schema=False)
async def one_mail(
    request: Request, store: StoreDep, demo: Demo, ident: int, lang: Lang = None
) -> Response:
    if (instead := await _page_for(request, store)) is not None:
        return instead
    chosen = language(request.headers.get("accept-language"), lang)
    mail = demo.mail(ident)
    if mail is None:
        raise HTTPException(404, f"no mail {ident}")
    words = WORDS[chosen]
    zone, tz = _zone()
    at = mail.received.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    head = (f"<p>{words['to']}: {html.escape(', '.join(mail.to))}<br>{words['received']}: "
            f"{at} ({zone})</p>")  # fmt: skip
    # The HTML part as the recipient's mail program would show it, sandboxed (no script, no
    # request of its own), its links opening a page of their own as a mail program's do (in
    # the sandbox the installer could not keep its session); the text part below it.
    shown = ""
    if mail.html is not None:
        body = "<base target='_blank'>" + mail.html
        shown = (f"<iframe sandbox='allow-popups allow-popups-to-escape-sandbox' "
                 f"style='width:100%;height:32rem;border:1px solid #ddd' "
                 f"srcdoc=\"{html.escape(body, quote=True)}\"></iframe>")  # fmt: skip
    text = html.escape(mail.text)
    for link in set(LINKS.findall(mail.text)):
        escaped = html.escape(link)
        text = text.replace(escaped, f"<a href='{escaped}'>{escaped}</a>")
    return _page(chosen, mail.subject, f"{head}{shown}<pre>{text}</pre>")


def _zone() -> tuple[str, ZoneInfo]:
    name = map_options().time_zone
    return name, ZoneInfo(name)
