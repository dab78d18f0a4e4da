"""The languages of the controller's pages: Chinese and English."""

from __future__ import annotations

LANGUAGES = ("zh", "en")


def language(accept_language: str | None, asked: str | None) -> str:
    """`asked` (a page's `?lang=`) when it is one of ours, else Chinese when the browser
    prefers it (`Accept-Language`), else English."""
    if asked in LANGUAGES:
        return asked
    first = (accept_language or "").split(",")[0].strip().lower()
    return "zh" if first.startswith("zh") else "en"


def html_lang(lang: str) -> str:
    """The page's `<html lang>`."""
    return "zh-CN" if lang == "zh" else "en"
