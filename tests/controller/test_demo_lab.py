"""The demo lab's parts: which branches it opens by ZTP, and its mail server (a real one on
loopback, sent to with smtplib as the controller sends)."""

from __future__ import annotations

import os
import smtplib
import socket
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from controller.demo.branches import pick
from controller.demo.mailbox import MAX_BYTES, MailSink
from sites.enums import Platform
from sites.inventory import Inventory
from tests.conftest import BRANCHLINE


def test_the_ztp_branches_are_distinct_cities_with_one_cli_cpe_and_a_second_link(
    reference_340: Inventory,
) -> None:
    chosen = pick(reference_340, 3)
    assert len(chosen) == 3 and len({b.city for b in chosen}) == 3
    by_id = reference_340.site_by_id
    for branch in chosen:
        site = by_id[branch.site]
        assert [c.serial for c in site.cpes] == [branch.serial]
        assert site.cpes[0].platform is Platform.HUAWEI_VRP and len(site.links) >= 2
    assert [b.by_hand for b in chosen] == [False, False, True]  # the last is the user's
    assert pick(reference_340, 3) == chosen  # the same every run
    assert pick(reference_340, 0) == []


@pytest.fixture
def sink() -> Iterator[MailSink]:
    box = MailSink()
    box.start()
    yield box
    box.stop()


def invitation(to: str, size: int = 0) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "hq@example.cn", to, "开通邀请"
    message.set_content("Follow http://127.0.0.1:8080/ztp#abcdefghijklmnop" + "x" * size)
    message.add_alternative('<p><img src="cid:qr@branchline"></p>', subtype="html")
    html = message.get_body(preferencelist=("html",))
    assert isinstance(html, EmailMessage)
    html.add_related(b"\x89PNG fake", maintype="image", subtype="png", cid="<qr@branchline>")
    return message


def test_the_mail_server_keeps_what_it_is_sent_with_its_pictures_inline(sink: MailSink) -> None:
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as smtp:
        smtp.send_message(invitation("zhang@branch.example.cn"))
        smtp.send_message(invitation("li@branch.example.cn"))
    [newest, first] = sink.mails()
    assert first.to == ("zhang@branch.example.cn",) and first.subject == "开通邀请"
    assert "/ztp#abcdefghijklmnop" in first.text
    assert first.html is not None and "data:image/png;base64," in first.html
    assert "cid:" not in first.html
    assert sink.get(first.id) == first and sink.get(999) is None
    assert sink.wait_for("li@branch.example.cn", after=first.id, timeout_s=1) == newest
    assert sink.wait_for("nobody@example.cn", after=0, timeout_s=0.2) is None


def test_the_mail_server_refuses_a_mail_too_large(sink: MailSink) -> None:
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as smtp, \
            pytest.raises(smtplib.SMTPException):  # fmt: skip
        smtp.send_message(invitation("zhang@branch.example.cn", size=MAX_BYTES))
    assert sink.mails() == []


def test_the_demo_refuses_a_port_in_use_before_touching_anything(tmp_path: Path) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        done = subprocess.run(
            [str(BRANCHLINE), "demo", "--port", str(port)], capture_output=True, text=True,
            env={**os.environ, "BRANCHLINE_DATA_DIR": str(tmp_path)}, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 2 and f"--port: 127.0.0.1:{port} is not free" in done.stderr
    assert not (tmp_path / "demo").exists()  # no network generated, no branch planned
