"""ZTP invitations: the mail (to a real SMTP server, plain, STARTTLS with a login, or TLS),
its link and QR code, the token kept only as a hash, re-invites, a mail that cannot be sent,
the API and the command line."""

from __future__ import annotations

import os
import re
import ssl
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trustme
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.auth.tokens import hash_secret
from controller.settings import Settings
from controller.store import ztp_store
from controller.store.facade import Store
from controller.store.ztp_store import InviteStatus, SiteState
from controller.stores import open_store
from controller.ztp.invitations import InvitationError, Invitations
from sites.inventory import Inventory
from telemetry.smtp import Security
from tests.components import free_port
from tests.conftest import BRANCHLINE, bearer
from tests.mailbox import Mailbox, smtp_server

SITE = "br-hangzhou-001"
LINK = re.compile(r"https://branchline\.example:8443/ztp#([A-Za-z0-9_-]+)")


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


def settings_for(tmp_path: Path, port: int, **smtp: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", reconcile_interval_s=0,
                    ztp={"public_url": "https://branchline.example:8443",
                         "sender": "noc@branchline.example",
                         "smtp": {"port": port, **smtp}})  # fmt: skip


@pytest.fixture
def store(tmp_path: Path, small_inventory: Inventory) -> Iterator[Store]:
    opened = open_store(Settings(data_dir=tmp_path / "data"))
    opened.replace_inventory(small_inventory, actor="test-setup")
    yield opened
    opened.engine.dispose()


def token_of(mail: object) -> str:
    body = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[attr-defined]
    found = LINK.search(body)
    assert found, body
    return found.group(1)


def test_the_mail_holds_the_link_and_its_qr_code_and_the_token_is_kept_only_hashed(
    store: Store, mailbox: Mailbox, tmp_path: Path
) -> None:
    invitations = Invitations(store, settings_for(tmp_path, mailbox.port))
    made = invitations.invite(SITE, "zhang.wei@branch.example.cn", "alice")
    [mail] = mailbox.messages
    assert mail["To"] == "zhang.wei@branch.example.cn"
    assert "Hangzhou Jiefang Road Branch" in mail["Subject"] and "开通网点" in mail["Subject"]
    token = token_of(mail)
    assert len(token) >= 22  # at least 128 random bits, base64url
    body = mail.get_body(preferencelist=("html",))
    assert body is not None
    html = body.get_content()
    assert f"https://branchline.example:8443/ztp#{token}" in html and "请在网点" in html
    [qr] = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    assert qr.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"cid:{qr['Content-ID'][1:-1]}" in html
    # Nowhere in the database but as its hash; the audit log names the invitation, not it.
    database = (tmp_path / "data").glob("*.db*")
    stored = b"".join(p.read_bytes() for p in database)
    assert token.encode() not in stored and hash_secret(token).encode() in stored
    assert store.ztp.invite_by_hash(hash_secret(token)) == store.ztp.get(made.id)
    assert store.ztp.state(SITE) == (SiteState.INVITED, None)
    assert [e.step for e in store.ztp.timeline(SITE)] == ["invited", "mailed"]


def test_inviting_again_revokes_the_previous_link(
    store: Store, mailbox: Mailbox, tmp_path: Path
) -> None:
    invitations = Invitations(store, settings_for(tmp_path, mailbox.port))
    first = invitations.invite(SITE, "a@branch.example.cn", "alice")
    second = invitations.invite(SITE, "b@branch.example.cn", "alice", ttl_h=2)
    now = datetime.now(UTC)
    assert store.ztp.get(first.id).status(now) is InviteStatus.REVOKED
    assert store.ztp.get(second.id).status(now) is InviteStatus.OPEN
    assert "previous invitation revoked" in store.ztp.timeline(SITE)[-2].detail
    assert token_of(mailbox.messages[0]) != token_of(mailbox.messages[1])


def test_a_mail_that_cannot_be_sent_revokes_its_link(store: Store, tmp_path: Path) -> None:
    invitations = Invitations(store, settings_for(tmp_path, free_port()))  # nothing listens
    with pytest.raises(InvitationError, match=r"SMTP 127\.0\.0\.1:\d+") as failed:
        invitations.invite(SITE, "a@branch.example.cn", "alice")
    assert "revoked" in str(failed.value)
    [invite] = store.ztp.invites(SITE)
    assert invite.revoked_at is not None and invite.mailed_at is None


# aiosmtpd cannot tell a session is encrypted when TLS starts with the first byte, and warns.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", [Security.STARTTLS, Security.TLS])
def test_starttls_or_tls_with_a_login(store: Store, tmp_path: Path, security: Security) -> None:
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    tls = {"starttls": server} if security is Security.STARTTLS else {"implicit_tls": server}
    with smtp_server(password="s3cret-mail", **tls) as box:
        settings = settings_for(tmp_path, box.port, security=security.value, username="noc",
                                password="s3cret-mail", ca_file=str(ca_file))  # fmt: skip
        Invitations(store, settings).invite(SITE, "a@branch.example.cn", "alice")
        assert box.logins == ["noc"] and len(box.messages) == 1
        wrong = settings_for(tmp_path, box.port, security=security.value, username="noc",
                             password="wrong", ca_file=str(ca_file))  # fmt: skip
        with pytest.raises(InvitationError) as refused:
            Invitations(store, wrong).invite(SITE, "a@branch.example.cn", "alice")
        assert "login refused for 'noc'" in str(refused.value)
        assert "wrong" not in str(refused.value)


def test_the_api_invites_lists_revokes_and_shows_the_timeline(
    store: Store, mailbox: Mailbox, tmp_path: Path
) -> None:
    app = create_app(settings_for(tmp_path, mailbox.port), store=store)
    scoped = bearer(store, "lhasa", Role.OPERATOR, ["br-lhasa-001"])
    with TestClient(app, headers=bearer(store, "root", Role.ADMIN)) as api:
        made = api.post(f"/api/v1/sites/{SITE}/invites", json={"email": "a@branch.example.cn"})
        assert made.status_code == 201, made.text
        token = token_of(mailbox.messages[0])
        assert token not in made.text and made.json()["status"] == "open"
        listed = api.get("/api/v1/invites", params={"site": SITE}).json()
        assert [i["id"] for i in listed] == [made.json()["id"]]
        revoked = api.delete(f"/api/v1/invites/{made.json()['id']}")
        assert revoked.json()["status"] == "revoked"
        life = api.get(f"/api/v1/sites/{SITE}/lifecycle").json()
        assert life["state"] == "invited"
        assert [e["step"] for e in life["timeline"]] == ["invited", "mailed", "revoked"]
        assert api.get("/api/v1/sites/br-lhasa-001/lifecycle").json()["state"] == "in-service"
        bad = api.post(f"/api/v1/sites/{SITE}/invites", json={"email": "not an address"})
        assert bad.status_code == 422 and "email" in bad.text
        header = api.post(f"/api/v1/sites/{SITE}/invites",
                          json={"email": "a@b.example\r\nBcc: x@evil.example"})  # fmt: skip
        assert header.status_code == 422
        assert api.post("/api/v1/sites/nope/invites",
                        json={"email": "a@b.example"}).status_code == 404  # fmt: skip
        outside = api.post(f"/api/v1/sites/{SITE}/invites", json={"email": "a@b.example"},
                           headers=scoped)  # fmt: skip
        assert outside.status_code == 403
    assert len(mailbox.messages) == 1  # nothing mailed for the refused ones


def test_the_command_line_invites_and_shows_the_timeline(
    store: Store, mailbox: Mailbox, tmp_path: Path
) -> None:
    env = {**os.environ, "BRANCHLINE_DATA_DIR": str(tmp_path / "data"),
           "BRANCHLINE_ZTP__SMTP__PORT": str(mailbox.port),
           "BRANCHLINE_ZTP__PUBLIC_URL": "https://branchline.example:8443"}  # fmt: skip

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([BRANCHLINE, *args], capture_output=True, text=True, env=env,
                              check=False, timeout=60)  # fmt: skip

    sent = run("ztp", "invite", SITE, "--email", "a@branch.example.cn")
    assert sent.returncode == 0, sent.stderr
    assert "mailed to a@branch.example.cn" in sent.stderr
    token = token_of(mailbox.messages[0])
    assert token not in sent.stdout + sent.stderr
    assert "open" in run("ztp", "invites").stdout
    assert "invited" in run("ztp", "timeline", SITE).stdout
    assert run("ztp", "invite", "nope", "--email", "a@b.example").returncode == 1


def test_the_api_writes_a_usb_bundle_for_a_device_of_the_site_only(
    store: Store, mailbox: Mailbox, tmp_path: Path
) -> None:
    app = create_app(settings_for(tmp_path, mailbox.port), store=store)
    scoped = bearer(store, "lhasa", Role.OPERATOR, ["br-lhasa-001"])
    viewer = bearer(store, "watcher", Role.VIEWER)
    with TestClient(app, headers=bearer(store, "root", Role.ADMIN)) as api:
        api.post(f"/api/v1/sites/{SITE}/invites", json={"email": "a@branch.example.cn"})
        made = api.post(f"/api/v1/sites/{SITE}/usb-bundle", json={"serial": "HZ-0001"})
        assert made.status_code == 201, made.text
        assert made.json()["format"] == "branchline-ztp-bundle/1"
        assert "HZ-0001.ztp.json" in made.headers["content-disposition"]
        assert api.get(made.headers["location"]).json()["channel"] == "usb"
        invites = api.get("/api/v1/invites", params={"site": SITE}).json()
        assert [(i["channel"], i["status"], i["serial"]) for i in invites] == [
            ("usb", "claimed", "HZ-0001"), ("mail", "revoked", None)]  # fmt: skip
        assert api.get(f"/api/v1/sites/{SITE}/lifecycle").json()["state"] == "claimed"
        other = api.post(f"/api/v1/sites/{SITE}/usb-bundle", json={"serial": "LS-0001"})
        assert other.status_code == 422 and "LS-0001 is not a device of" in other.text
        assert api.post("/api/v1/sites/nope/usb-bundle",
                        json={"serial": "HZ-0001"}).status_code == 404  # fmt: skip
        for headers in (scoped, viewer):
            refused = api.post(f"/api/v1/sites/{SITE}/usb-bundle", json={"serial": "HZ-0001"},
                               headers=headers)  # fmt: skip
            assert refused.status_code == 403


def test_opening_states_show_at_once_here_and_within_a_second_from_another_process(
    store: Store, tmp_path: Path
) -> None:
    """The map asks for the sites being opened on every poll; they are read at most once per
    `STATES_TTL_S`, and this process's own writes show at once."""
    clock = [1000.0]
    store.ztp.clock = lambda: clock[0]
    assert dict(store.ztp.states()) == {}
    store.ztp.plan("br-hangzhou-001", "test")
    assert dict(store.ztp.states()) == {"br-hangzhou-001": SiteState.PLANNED}
    other = open_store(Settings(data_dir=tmp_path / "data"))  # another process's (the CLI's)
    try:
        other.ztp.plan("br-lhasa-001", "test")
    finally:
        other.engine.dispose()
    assert "br-lhasa-001" not in store.ztp.states()  # read within the last second
    clock[0] += ztp_store.STATES_TTL_S
    assert set(store.ztp.states()) == {"br-hangzhou-001", "br-lhasa-001"}
