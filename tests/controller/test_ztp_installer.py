"""The installer's side of opening a branch: the page (Chinese and English, nothing fetched from
elsewhere), the link's token exchanged for a cookie, the serial claimed, the progress; used,
revoked, expired, unknown and tampered links, and a client that keeps failing."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from controller.app import create_app
from controller.auth.principal import Role
from controller.settings import Settings
from controller.store.facade import Store
from controller.stores import open_store
from controller.ztp.invitations import Invitations
from sites.inventory import Inventory
from tests.conftest import bearer
from tests.mailbox import Mailbox, smtp_server

SITE = "br-hangzhou-001"


@pytest.fixture
def world(
    tmp_path: Path, small_inventory: Inventory
) -> Iterator[tuple[TestClient, Store, Mailbox]]:
    settings = Settings(data_dir=tmp_path / "data", reconcile_interval_s=0)
    store = open_store(settings)
    store.replace_inventory(small_inventory, actor="test-setup")
    with smtp_server() as box:
        configured = Settings(data_dir=tmp_path / "data", reconcile_interval_s=0,
                              ztp={"smtp": {"port": box.port}})  # fmt: skip
        app = create_app(configured, store=store)
        app.state.invitations = Invitations(store, configured)
        with TestClient(app, base_url="https://testserver") as client:
            yield client, store, box
    store.engine.dispose()


def invite(client: TestClient, box: Mailbox, ttl_h: float | None = None) -> str:
    invitations: Invitations = client.app.state.invitations  # type: ignore[attr-defined]
    invitations.invite(SITE, "zhang.wei@branch.example.cn", "alice", ttl_h)
    body = box.messages[-1].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    found = re.search(r"/ztp#([A-Za-z0-9_-]+)", body)
    assert found is not None
    return found.group(1)


def test_the_page_speaks_chinese_or_english_and_fetches_nothing_from_elsewhere(
    world: tuple[TestClient, Store, Mailbox],
) -> None:
    client, _, _ = world
    zh = client.get("/ztp", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert zh.status_code == 200 and '<html lang="zh-CN">' in zh.text and "设备序列号" in zh.text
    en = client.get("/ztp", headers={"Accept-Language": "en-GB"})
    assert '<html lang="en">' in en.text and "Device serial number" in en.text
    assert '<html lang="en">' in client.get("/ztp?lang=en",
                                           headers={"Accept-Language": "zh"}).text  # fmt: skip
    assert "connect-src 'self'" in zh.headers["content-security-policy"]
    assert zh.headers["referrer-policy"] == "no-referrer"
    assert not re.search(r"(src|href)=\"(https?:)?//", zh.text)  # every asset inline


def test_a_link_opens_a_session_and_the_installer_claims_the_serial(
    world: tuple[TestClient, Store, Mailbox],
) -> None:
    client, store, box = world
    token = invite(client, box)
    assert client.get("/ztp/status").status_code == 401  # no session yet
    opened = client.post("/ztp/session", json={"token": token})
    assert opened.status_code == 200, opened.text
    cookie = opened.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/ztp" in cookie
    assert "Secure" in cookie and token not in cookie
    assert opened.json()["name"] == "Hangzhou Jiefang Road Branch"
    assert [s["step"] for s in opened.json()["timeline"]] == ["invited", "mailed"]

    other = client.post("/ztp/claim", json={"serial": "LS-0001"})  # another branch's device
    assert other.status_code == 422 and "serial" in other.text
    claimed = client.post("/ztp/claim", json={"serial": "HZ-0001"})
    assert claimed.status_code == 200 and claimed.json()["state"] == "claimed"
    assert claimed.json()["serial"] == "HZ-0001"
    assert client.post("/ztp/claim", json={"serial": "HZ-0001"}).status_code == 200  # again
    assert client.get("/ztp/status").json()["timeline"][-1]["step"] == "claimed"
    assert "actor" not in client.get("/ztp/status").text  # steps, not who took them
    [made] = store.ztp.invites(SITE)
    assert made.serial == "HZ-0001" and made.claimed_at is not None


def test_unknown_tampered_revoked_and_expired_links(
    world: tuple[TestClient, Store, Mailbox],
) -> None:
    client, _, box = world
    token = invite(client, box)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.post("/ztp/session", json={"token": tampered}).status_code == 404
    assert client.post("/ztp/session", json={"token": "x" * 32}).status_code == 404
    assert client.post("/ztp/session", json={"token": "<script>"}).status_code == 422
    renewed = invite(client, box)  # inviting again revokes the first link
    assert client.post("/ztp/session", json={"token": token}).status_code == 410
    assert client.post("/ztp/session", json={"token": renewed}).status_code == 200
    short = invite(client, box, ttl_h=1 / 3600)
    time.sleep(1.2)
    expired = client.post("/ztp/session", json={"token": short})
    assert expired.status_code == 410 and "expired" in expired.text
    assert client.get("/ztp/status").status_code == 410  # the session's link is gone too


def test_a_client_that_keeps_failing_is_slowed_down(
    world: tuple[TestClient, Store, Mailbox],
) -> None:
    client, _, box = world
    token = invite(client, box)
    answers = [client.post("/ztp/session", json={"token": f"{'y' * 31}{i}"}).status_code
               for i in range(12)]  # fmt: skip
    assert answers[:10] == [404] * 10 and answers[10:] == [429, 429]
    refused = client.post("/ztp/session", json={"token": token})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0


def test_a_branch_deleted_since_its_invitation_is_gone(
    world: tuple[TestClient, Store, Mailbox],
) -> None:
    client, store, box = world
    token = invite(client, box)
    assert client.post("/ztp/session", json={"token": token}).status_code == 200
    store.sites.delete(SITE, store.sites.get(SITE).revision, "test")
    gone = client.get("/ztp/status")
    assert gone.status_code == 410 and "no longer planned" in gone.text


def test_a_device_that_refused_its_bootstrap_is_heard_once_and_raises_an_alarm(
    world: tuple[TestClient, Store, Mailbox],
) -> None:
    client, store, _ = world
    report = {"serial": "HZ-0001", "step": "bootstrap-refused",
              "detail": "bootstrap refused: the signature does not verify"}  # fmt: skip
    for _ in range(2):
        assert client.post("/ztp/report", json=report).status_code == 204
    notes = [e.detail for e in store.ztp.timeline(SITE) if e.step == "bootstrap refused"]
    assert len(notes) == 1 and "the signature does not verify" in notes[0]
    assert "branchline ztp key show" in notes[0]  # what to do
    admin = bearer(store, "root", Role.ADMIN)
    alarms = client.get("/api/v1/alarms", params={"kind": "ztp-failure"}, headers=admin).json()
    assert [a["site"] for a in alarms] == [SITE] and "signature" in alarms[0]["message"]
    assert client.post("/ztp/report", json={**report, "serial": "XX-9999"}).status_code == 403
    for bad in ({**report, "detail": "line\r\nForged: entry"}, {**report, "detail": "x" * 301},
                {**report, "step": "anything"}):  # fmt: skip
        assert client.post("/ztp/report", json=bad).status_code == 422
    # Anyone can send one: a client that keeps sending is slowed down.
    answers = [client.post("/ztp/report", json=report).status_code for _ in range(10)]
    assert 429 in answers


def test_a_tampered_token_takes_the_very_path_of_an_unknown_one(
    world: tuple[TestClient, Store, Mailbox],
) -> None:
    """No timing to tell them apart: the same answer and the same statements against the
    database (one lookup of the token's hash), whatever the token shares with a real one.
    bench/bench_ztp.py measures the times themselves."""
    client, store, box = world
    token = invite(client, box)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    answers = {}
    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        for name, tried in (("tampered", token[:-1] + ("A" if token[-1] != "A" else "B")),
                            ("prefix", token[:16] + "x" * (len(token) - 16)),
                            ("unknown", "x" * len(token))):  # fmt: skip
            statements.clear()
            answer = client.post("/ztp/session", json={"token": tried})
            answers[name] = (answer.status_code, answer.text, tuple(statements))
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    assert answers["tampered"] == answers["prefix"] == answers["unknown"]
    status, _, executed = answers["unknown"]
    lookups = [s for s in executed if s.startswith("SELECT")]
    assert status == 404 and len(lookups) == 1 and "WHERE ztp_invites.token_hash = " in lookups[0]
