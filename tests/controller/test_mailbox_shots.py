"""The demo's mailbox in a real browser (headless Chromium), in Chinese and English: the list of
mails and one invitation, each told in the page's language, the invitation's link and QR code
there. The screenshots are the guide's (tests/mailbox_shots.py, docs/guide.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chromium import need_chromium
from tests.mailbox_shots import VIEWS, shoot
from tests.shots import each_view_says, taken

pytestmark = pytest.mark.slow  # a browser and a server

EXPECTED = {
    "zh": {"mailbox": ["演示邮箱", "接收时间", "收件人", "主题", "zhang.wei@branch.example.cn"],
           "mail": ["全部邮件", "收件人", "/ztp#"]},
    "en": {"mailbox": ["Demo mailbox", "Received", "To", "Subject",
                       "zhang.wei@branch.example.cn"],
           "mail": ["All mails", "To", "/ztp#"]},
}  # fmt: skip


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_mailbox_speaks_the_page_s_language(tmp_path: Path, language: str) -> None:
    need_chromium()
    shots = taken(shoot, language, tmp_path, VIEWS, 10_000)
    each_view_says(shots, EXPECTED[language])
    mail = shots[1].dom
    assert "<iframe" in mail and "data:image/png;base64," in mail  # the QR code, inline
    assert "token=" not in mail  # the address's token was exchanged, not kept in the page
