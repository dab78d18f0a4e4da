"""The console in a real browser (headless Chromium, the 340-branch reference network), in
Chinese and English: the map with its summary, filters and alarms, a site's panel and the table
of the sites with problems, each told in the page's language. The screenshots are the docs'
(tests/console_shots.py, docs/telemetry.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chromium import need_chromium
from tests.console_shots import VIEWS, shoot
from tests.shots import each_view_says, taken

pytestmark = pytest.mark.slow  # a browser and a server

EXPECTED = {
    "zh": {"map": ["故障", "降级", "正常", "无数据", "告警", "实时（时区 Asia/Shanghai）"],
           "site": ["线路", "时延", "利用率", "应用（当前线路与原因）", "最近的路径切换",
                    "未恢复告警"],
           "table": ["状态", "名称", "城市", "网点级别"]},
    "en": {"map": ["Down", "Degraded", "Normal", "No data", "Alarms",
                   "live (times in Asia/Shanghai)"],
           "site": ["Links", "Latency", "Utilization", "Applications (current link and why)",
                    "Latest path changes", "Open alarms"],
           "table": ["State", "Name", "City", "Branch class"]},
}  # fmt: skip


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_console_speaks_the_page_s_language_in_every_view(
    tmp_path: Path, language: str
) -> None:
    need_chromium()
    shots = taken(shoot, language, tmp_path, VIEWS, 20_000)
    each_view_says(shots, EXPECTED[language])
    site = next(s for s in shots if s.stage == "site")
    assert 'data-site-loads="' in site.dom and "the CPE refused the pushed policy" in site.dom
    assert 'data-table-rows="' in next(s for s in shots if s.stage == "table").dom
