"""The installer's page in a real browser (headless Chromium, a phone-sized window), in Chinese
and English, through every stage of opening a branch: the link from the mail asks for the
serial; once claimed it shows the progress; once the CPE has called home and been configured,
the branch online; the same link opened again on another phone is refused as used. The
screenshots are those of the guide (tests/installer_shots.py, docs/opening-a-branch.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.chromium import need_chromium
from tests.installer_shots import STAGES, shoot
from tests.shots import taken, visible

pytestmark = pytest.mark.slow  # a browser, a server, an SSH CLI CPE

EXPECTED = {
    "zh": {"serial": "设备序列号", "progress": "等待设备连接", "online": "网点已上线",
           "used": "此链接已使用"},
    "en": {"serial": "Device serial number", "progress": "Waiting for the device to call in",
           "online": "The branch is online", "used": "This link was used already"},
}  # fmt: skip


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_installer_page_takes_the_person_at_the_branch_through_every_stage(
    tmp_path: Path, language: str
) -> None:
    need_chromium()
    shots = taken(shoot, language, tmp_path, STAGES, 5_000)
    for shot in shots:
        text = visible(shot.dom)
        assert EXPECTED[language][shot.stage] in text, (shot.stage, text[-1500:])
        # Every step is told in the page's language, never by its id.
        assert not re.search(r"called-home|usb-bundle|call-home refused", text), text
    by_stage = {s.stage: visible(s.dom) for s in shots}
    assert "HZ-0001" not in by_stage["serial"] and "Hangzhou" in by_stage["serial"]
    assert by_stage["online"].count(EXPECTED[language]["online"]) == 1  # said once
    assert "Hangzhou" not in by_stage["used"]  # a used link shows nothing of the branch
