"""What the console's browser tests check at 340 and at 10,000 sites: the controller's API as a
page's viewer calls it, and whether what a page shows is what the API says."""

from __future__ import annotations

import json
from typing import Any
from urllib.request import Request, urlopen

from tests.cdp import Page
from tests.map_app import Served

LINKS = """JSON.stringify(Array.from(document.querySelectorAll('.bl-site-links tbody tr'))
    .map(r => [r.dataset.link, Object.fromEntries(Array.from(r.querySelectorAll('td[data-metric]'))
        .map(c => [c.dataset.metric, c.textContent]))]))"""
APPS = """JSON.stringify(Object.fromEntries(Array.from(document.querySelectorAll(
    '.bl-site-apps tr')).map(r => [r.dataset.app, r.dataset.link])))"""
FIGURES = (("latency_ms", 1, " ms", 1), ("jitter_ms", 1, " ms", 1), ("loss_pct", 2, " %", 1),
           ("utilization", 0, " %", 100))  # fmt: skip


def api(served: Served, path: str, body: object = None, token: str | None = None) -> Any:
    """The controller's API as the watcher (or `token`) calls it."""
    base, watcher = served.url.split("/map?token=")
    headers = {"Authorization": f"Bearer {token or watcher}", "Content-Type": "application/json"}
    data = None if body is None else json.dumps(body).encode()
    with urlopen(Request(base + path, data=data, headers=headers)) as answer:
        return json.loads(answer.read())


def agrees(page: Page, served: Served, site: str) -> dict[str, Any]:
    """Assert the panel's links, state and applications are the API's; return its health."""
    health = api(served, f"/api/v1/sites/{site}/health")
    shown = dict(json.loads(page.evaluate(LINKS)))
    assert list(shown) == [k["link"] for k in health["links"]]
    for link in health["links"]:
        cells = shown[link["link"]]
        for name, digits, unit, scale in FIGURES:
            value = link[name]
            assert cells[name] == ("\u2013" if value is None else
                                   f"{value * scale:.{digits}f}{unit}"), (link, cells)  # fmt: skip
    status = page.evaluate("document.querySelector('.bl-site-status').dataset.status")
    assert status == health["status"]
    paths = {p["app"]: p["link"] for p in api(served, f"/api/v1/sites/{site}/paths")}
    apps = json.loads(page.evaluate(APPS))
    assert {a: apps[a] for a in paths} == {a: link or "" for a, link in paths.items()}
    return dict(health)


def status_counts(served: Served) -> list[int]:
    """How many sites the status route has in each state (green, grey, amber, red)."""
    codes = list(api(served, "/map/status.json")["status"].values())
    return [codes.count(code) for code in range(4)]
