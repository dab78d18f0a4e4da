"""The installer page (package data): one HTML file with its style and script inline, so that it
works on a phone at the branch with no Internet; its words in Chinese and English."""

from __future__ import annotations

import json
from importlib.resources import files

from controller.languages import html_lang

STRINGS: dict[str, dict[str, object]] = {
    "zh": {
        "title": "网点开通", "serial_label": "设备序列号",
        "serial_placeholder": "见设备背面标签", "send": "开始开通",
        "serial_hint": "输入设备背面标签上的序列号。开通过程中请勿断电。",
        "other_lang": "en", "other_lang_name": "English",
        "js": {"gone": "此链接已使用、已过期或已被撤销。请联系总部重新发送。",
               "unknown": "链接无效。请直接打开邮件中的链接。",
               "slow": "尝试次数过多，请稍后再试。", "error": "出错了，请重试。",
               "wrong_serial": "该序列号不属于此网点。请核对设备标签；设备发错了请联系总部。",
               "waiting": "等待设备连接……", "online": "网点已上线。", "failed": "开通失败：",
               "steps": {"planned": "已规划", "invited": "已发出邀请",
                         "mailed": "邀请邮件已发送", "claimed": "已登记设备序列号",
                         "usb-bundle": "已生成U盘开通文件", "revoked": "邀请已撤销",
                         "call-home refused": "设备已连接，但尚未登记序列号",
                         "called-home": "设备已连接，正在下发配置",
                         "bootstrap refused": "设备拒绝了开通配置", "failed": "开通失败",
                         "online": "网点已上线"}},
    },
    "en": {
        "title": "Open this branch", "serial_label": "Device serial number",
        "serial_placeholder": "on the label at the back", "send": "Start",
        "serial_hint": "Type the serial number from the label at the back of the device. Keep "
                       "it powered while it sets itself up.",
        "other_lang": "zh", "other_lang_name": "中文",
        "js": {"gone": "This link was used already, has expired or was revoked. Ask HQ for a "
                       "new one.",
               "unknown": "This link is not valid. Open the link from your mail as it is.",
               "wrong_serial": "This serial is not a device of this branch. Check the label; "
                               "if the wrong device was shipped, call HQ.",
               "slow": "Too many tries: wait a minute.", "error": "Something went wrong: try "
                                                                  "again.",
               "waiting": "Waiting for the device to call in...", "online": "The branch is "
                                                                           "online.",
               "failed": "Opening failed:",
               "steps": {"planned": "Planned", "invited": "Invitation made",
                         "mailed": "Invitation mailed", "claimed": "Device serial registered",
                         "usb-bundle": "USB bundle written", "revoked": "Invitation revoked",
                         "call-home refused": "The device called in before its serial was "
                                              "registered",
                         "called-home": "The device called in; it is being configured",
                         "bootstrap refused": "The device refused its set-up",
                         "failed": "Opening failed", "online": "The branch is online"}},
    },
}  # fmt: skip


def installer_page(lang: str) -> str:
    words = STRINGS[lang]
    template = files("controller.ztp.page").joinpath("installer.html").read_text("utf-8")
    plain = {k: v for k, v in words.items() if isinstance(v, str)}
    return template.format(lang=html_lang(lang), **plain,
                           strings=json.dumps(words["js"], ensure_ascii=False))  # fmt: skip
