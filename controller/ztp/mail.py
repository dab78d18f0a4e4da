"""The invitation mail: plain text and HTML, in Chinese and English, with the link and a QR code
of it (segno), and no other secret."""

from __future__ import annotations

import html
import io
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

import segno

PRODUCT = "Branchline"


def invitation_mail(
    *, sender: str, to: str, site_name: str, city: str, link: str, expires_at: datetime
) -> EmailMessage:
    until = f"{expires_at:%Y-%m-%d %H:%M} UTC"
    msg = EmailMessage()
    msg["From"] = f"{PRODUCT} <{sender}>"
    msg["To"] = to
    msg["Subject"] = f"开通网点 {site_name} / Open branch {site_name}"
    msg.set_content(
        f"您好，\n\n请在网点 {site_name}（{city}）打开以下链接，按页面提示输入设备序列号，"
        f"设备将自动完成配置并上线：\n\n{link}\n\n链接仅可使用一次，有效期至 {until}。\n\n"
        f"Hello,\n\nAt the branch {site_name} ({city}), open this link and enter the device's "
        f"serial number when the page asks; the device configures itself and comes online:\n\n"
        f"{link}\n\nThe link works once and until {until}.\n\n-- {PRODUCT}\n"
    )
    qr = io.BytesIO()
    segno.make(link, error="m").save(qr, kind="png", scale=6, border=2)
    image = make_msgid(domain=sender.split("@", 1)[1])
    name, place, href = html.escape(site_name), html.escape(city), html.escape(link, quote=True)
    msg.add_alternative(
        f"""<!doctype html><html><body style="font-family:sans-serif">
<p lang="zh">请在网点 <b>{name}</b>（{place}）打开以下链接，按页面提示输入设备序列号，
设备将自动完成配置并上线。链接仅可使用一次，有效期至 {until}。</p>
<p lang="en">At the branch <b>{name}</b> ({place}), open this link and enter the device's serial
number when the page asks; the device configures itself and comes online. The link works once
and until {until}.</p>
<p><a href="{href}">{href}</a></p>
<p><img src="cid:{image[1:-1]}" alt="QR code of the link / 链接二维码" width="240"></p>
<p>-- {PRODUCT}</p></body></html>""",
        subtype="html",
    )
    html_part = next(part for part in msg.iter_parts() if part.get_content_type() == "text/html")
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(qr.getvalue(), maintype="image", subtype="png", cid=image,
                          filename="branch-link-qr.png")  # fmt: skip
    return msg
