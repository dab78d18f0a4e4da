"""Signing in from a browser: `/` leads to the map, a browser without a session is sent to the
sign-in page, and the form exchanges a token for the map's session cookie."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from controller.auth.principal import Role
from controller.auth.sessions import COOKIE
from controller.store.facade import Store
from tests.conftest import bearer

HTML = {"Accept": "text/html,application/xhtml+xml"}


def token_of(store: Store, name: str, role: Role) -> str:
    return bearer(store, name, role)["Authorization"].split()[-1]


def test_home_leads_to_the_map_and_a_browser_without_a_session_to_sign_in(app: FastAPI) -> None:
    browser = TestClient(app, follow_redirects=False)
    assert browser.get("/").headers["location"] == "/map"
    assert browser.get("/map", headers=HTML).headers["location"] == "/login"
    api = browser.get("/map")  # a program, not a browser: the API's answer
    assert api.status_code == 401 and api.json()["status"] == 401


@pytest.mark.parametrize(
    ("headers", "query", "lang", "words"),
    [
        ({"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}, "", "zh-CN", "访问令牌"),
        ({"Accept-Language": "en-GB,en"}, "", "en", "Access token"),
        ({"Accept-Language": "zh-CN"}, "?lang=en", "en", "Access token"),
        ({}, "?lang=zh", "zh-CN", "登录"),
    ],
)
def test_the_sign_in_page_speaks_chinese_or_english(
    app: FastAPI, headers: dict[str, str], query: str, lang: str, words: str
) -> None:
    page = TestClient(app).get(f"/login{query}", headers=headers)
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text and words in page.text
    assert 'type="password"' in page.text and "http" not in page.text.split("<body>")[1]


def test_a_viewer_token_signs_in_and_is_kept_behind_a_cookie(app: FastAPI, store: Store) -> None:
    token = token_of(store, "watcher", Role.VIEWER)
    browser = TestClient(app, follow_redirects=False)
    answer = browser.post("/login", data={"token": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/map"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and token not in cookie
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert "Path=/;" in cookie + ";"  # the map's pages and a simulation's report
    assert browser.get("/map", headers=HTML).status_code == 200  # the cookie, kept
    assert browser.get("/map/status.json").status_code == 200


def test_a_bad_token_gets_the_form_again_and_never_its_echo(app: FastAPI, store: Store) -> None:
    browser = TestClient(app, follow_redirects=False, headers={"Accept-Language": "en"})
    wrong = "bl_not-a-token-at-all"
    answer = browser.post("/login", data={"token": wrong})
    assert answer.status_code == 401
    assert "not valid" in answer.text and wrong not in answer.text
    assert "www-authenticate" not in answer.headers
    assert COOKIE not in answer.headers.get("set-cookie", "")
    assert browser.post("/login", data={}).status_code == 401  # no token at all
    fields = {f"f{i}": "x" for i in range(10)}
    assert browser.post("/login", data=fields).status_code == 401  # not a sign-in form
    codes = [browser.post("/login", data={"token": wrong}).status_code for _ in range(10)]
    assert 429 in codes  # the same bad token again and again from one address
    slowed = browser.post("/login", data={"token": wrong})
    assert slowed.status_code == 429 and "wait a minute" in slowed.text
    assert "retry-after" in slowed.headers


def test_a_device_token_may_not_sign_in(app: FastAPI, store: Store) -> None:
    device = store.users.device_token("HZ-0001", "br-hangzhou-001", "test").text
    answer = TestClient(app, follow_redirects=False).post("/login", data={"token": device})
    assert answer.status_code == 403 and COOKIE not in answer.headers.get("set-cookie", "")


def test_a_large_form_is_refused_before_it_is_read(app: FastAPI) -> None:
    answer = TestClient(app).post("/login", data={"token": "x" * 10_000})
    assert answer.status_code == 413
