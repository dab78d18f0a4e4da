"""The operator's pages besides the map: the sign-in page (package data), in Chinese and
English. A browser signs in once with its token; the controller keeps the token behind a
session cookie, so the token is never in an address (history, bookmarks, proxies' logs)."""

from __future__ import annotations

import html
from importlib.resources import files

from controller.languages import html_lang
from telemetry.map.assets import ICON

STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "Branchline 网络运营中心", "heading": "登录",
        "token_label": "访问令牌",
        "token_hint": "由管理员用 branchline token create 生成；至少需要查看者角色。",
        "send": "登录", "other_lang": "en", "other_lang_name": "English",
        "refused": "令牌无效（未知、已撤销或输入有误），或没有查看权限。",
        "slow": "尝试次数过多，请稍后再试。",
    },
    "en": {
        "title": "Branchline network operations", "heading": "Sign in",
        "token_label": "Access token",
        "token_hint": "An administrator makes one with branchline token create; it needs the "
                      "viewer role at least.",
        "send": "Sign in", "other_lang": "zh", "other_lang_name": "中文",
        "refused": "The token is not valid (unknown, revoked or mistyped), or may not view.",
        "slow": "Too many tries: wait a minute.",
    },
}  # fmt: skip


def login_page(lang: str, problem: str | None = None) -> str:
    """The sign-in page; `problem` (a key of STRINGS: refused, slow) shown above the form."""
    words = STRINGS[lang]
    template = files("controller.console").joinpath("login.html").read_text("utf-8")
    message = "" if problem is None else f'<p class="error" role="alert">{words[problem]}</p>'
    plain = {k: html.escape(v) for k, v in words.items()}
    return template.format(lang=html_lang(lang), code=lang, icon=ICON, message=message, **plain)
