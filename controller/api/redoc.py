"""`/redoc` with nothing from outside the controller. fastapi-offline serves ReDoc's bundle
locally, but the bundle itself draws its sidebar's "API docs by Redocly" logo from
cdn.redoc.ly at run time (the browser's network log showed it): the page here loads the same
bundle with that one address pointed at the controller's own icon."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request, Response
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

BUNDLE = Path(fastapi_offline.__file__).parent / "static" / "redoc.standalone.js"
REMOTE_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
STATIC = "/static-offline-docs"  # where fastapi-offline serves its assets


@cache
def _bundle() -> bytes:
    text = BUNDLE.read_text(encoding="utf-8")
    return text.replace(REMOTE_LOGO, f"{STATIC}/favicon.png").encode("utf-8")


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return get_redoc_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} - ReDoc",
        redoc_js_url=f"{root}/redoc-assets/redoc.standalone.js",
        redoc_favicon_url=f"{root}{STATIC}/favicon.png",
        with_google_fonts=False,
    )


@router.get("/redoc-assets/redoc.standalone.js")
async def bundle() -> Response:
    return Response(
        _bundle(),
        media_type="application/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )
