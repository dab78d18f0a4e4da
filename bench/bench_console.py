"""The console in the real browser (headless Chromium) on `branchline serve` at 340 and 10,000
sites, with telemetry POSTed at the reference rate (every link of every site once a second)
meanwhile: page ready, clusters drawn, a status refresh, and each JSON answer the page asks for.

    .venv/bin/python -m bench.bench_console --sites 340 10000 --loads 5

Each load is a new browser (no cache), started on a blank page, then sent to the map's address
with a token, which the page exchanges for its session: a first visit. (Before the loads one
browser is started and stopped: the machine's first start of Chromium, its files read from
disk, is not the page's time.) Then the same browser opens the map again
(`return`): signed in, with Leaflet, its plugin and the land in its cache, as a NOC screen
reopened. Measured in the browser, from the navigation's start (the token's redirect
included):

- page: the page's HTML received (the server's answer, the token's redirect included), and
  parsed: the document parsed;
- ready: the page's last script has run and the clusters are drawn (marks `bl-ready` and
  the last `bl-clusters`, whichever is later: clusters are drawn when the cluster joins the
  map, and again, in chunks, if a filter in the address re-clusters them);
- refresh: the first status refresh, fetched and repainted (measure `bl-refresh`);
- each JSON answer the page asks for, from the browser's resource timing: the statuses, the
  alarms, a site's details and its history (its panel opened), the 24 h replay (the slider
  moved).

With `--plain SECONDS` (and `--loads 0` for it alone) the same answers are also asked from a
plain HTTP client, without a browser on the cores: each of the five (the statuses, the alarms,
a site's details and history, a different site each round, and the replay) in turn, every
0.3 s for SECONDS, with their p50, p90, p99 and maximum. What an answer waits on in the
controller shows there apart from the browser's own load.

Ingest starts `--warmup` seconds before the first load (the first export of the inventory and
the first write of every series are not what a NOC screen waits on every morning) and runs
until the last load ends; its rate and p99 are reported, so a figure taken while ingest fell
behind shows as such. Targets (issue 12), 10,000 sites: ready under 1.5 s; each JSON answer
under 200 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.bench_controller import _load, _series
from bench.served import served
from sites.inventory import Inventory
from tests.cdp import Page, browser_page

HERE = Path(__file__).resolve().parent.parent
ROUTES = {"status": "/map/status.json", "alarms": "/map/alarms.json",
          "site": "/map/sites/", "replay": "/map/history.json"}  # fmt: skip
MARKS = """JSON.stringify({
    ready: Math.max(...['bl-ready', 'bl-clusters'].map(
        n => (performance.getEntriesByName(n).at(-1) || {startTime: NaN}).startTime)),
    clusters: (performance.getEntriesByName('bl-clusters').at(-1) || {}).startTime,
    page: performance.getEntriesByType('navigation')[0].responseEnd,
    parsed: performance.getEntriesByType('navigation')[0].domInteractive,
    refresh: (performance.getEntriesByName('bl-refresh')[0] || {}).duration,
    assets: Math.round(Math.max(0, ...performance.getEntriesByType('resource')
        .filter(r => r.name.includes('/map/static/') && r.name.endsWith('.js'))
        .map(r => r.responseEnd))),
    marks: Object.fromEntries(['bl-markers', 'bl-after', 'bl-clusters', 'bl-ready'].map(
        n => [n, Math.round((performance.getEntriesByName(n)[0] || {startTime: -1}).startTime)])),
    json: performance.getEntriesByType('resource')
        .filter(r => r.name.includes('.json') && !r.name.includes('/map/static/'))
        .map(r => [new URL(r.name).pathname, r.responseEnd - r.startTime]),
})"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[340, 10_000])
    parser.add_argument("--loads", type=int, default=5, help="page loads per size")
    parser.add_argument("--warmup", type=float, default=20.0,
                        help="seconds of ingest before the first load")  # fmt: skip
    parser.add_argument("--port", type=int, default=18091)
    parser.add_argument("--plain", type=float, default=0.0, metavar="SECONDS",
                        help="ask the answers from a plain HTTP client for SECONDS")  # fmt: skip
    args = parser.parse_args()
    command = " ".join(["python -m bench.bench_console", *sys.argv[1:]])
    print("command:", command, flush=True)
    for sites in args.sites:
        result = run(sites, args.loads, args.warmup, args.port, args.plain)
        print(json.dumps(result, indent=1), flush=True)
        for name, took in result.get("plain_ms", {}).items():
            print(f"{sites} sites, plain client: {name} p50/p90/p99/max "
                  f"{'/'.join(str(took[q]) for q in ('p50', 'p90', 'p99', 'max'))} ms "
                  f"({took['n']} asks)", flush=True)  # fmt: skip
        if not args.loads:
            print(f"{sites} sites: ingest {result['ingest_rate']}/s p99 {result['post_p99_s']} s")
            continue
        json_ms = ", ".join(f"{k} {result['json_p50_ms'][k]}/{v} ms"
                            for k, v in result["json_max_ms"].items())  # fmt: skip
        again = result["return"]
        print(
            f"{sites} sites: ready p50 {result['ready_p50_ms']} ms (max "
            f"{result['ready_max_ms']}; its HTML received at {result['page_p50_ms']} ms), "
            f"clusters p50 {result['clusters_p50_ms']} ms, refresh p50 "
            f"{result['refresh_p50_ms']} ms; JSON p50/max {json_ms}; ingest "
            f"{result['ingest_rate']}/s p99 {result['post_p99_s']} s; opened again: ready p50 "
            f"{again['ready_p50_ms']} ms (max {again['ready_max_ms']}; its HTML at "
            f"{again['page_p50_ms']} ms)",
            flush=True,
        )
    print(f"reproduce: .venv/bin/python -m bench.bench_console {' '.join(sys.argv[1:])}")


def run(sites: int, loads: int, warmup: float, port: int, plain: float) -> dict[str, Any]:
    with served(HERE, sites, port) as controller:
        series = _series(controller.inventory, 4)
        figures: dict[str, Any] = {}
        done = threading.Event()

        def ingest() -> None:
            # Long enough for every load; the loads end it early by setting `done`.
            figures.update(_ingest(controller.base, controller.token, series, warmup, done))

        feeder = threading.Thread(target=ingest, daemon=True)
        feeder.start()
        time.sleep(warmup + 1.0)
        spoke = next(s.id for s in controller.inventory.sites if s.hubs)
        if plain:
            figures["plain_ms"] = _plain(controller.base, controller.token, controller.inventory,
                                         plain)  # fmt: skip
        first, back = [], []
        with tempfile.TemporaryDirectory(prefix="bench-console-") as tmp:
            if not loads:
                done.set()
                feeder.join()
                return {"sites": sites, "loads": 0, **figures}
            # The machine's first start of Chromium reads its files from disk: not what a
            # NOC screen's load waits on, and not the page's time.
            with browser_page(Path(tmp) / "profile-warm", "about:blank") as page:
                page.wait_for("document.readyState === 'complete'")
            for i in range(loads):
                url = f"{controller.base}/map?token={controller.token}"
                # A new browser, its profile empty, started on a blank page; then the address.
                with browser_page(Path(tmp) / f"profile-{i}", "about:blank") as page:
                    page.wait_for("document.readyState === 'complete'")
                    page.navigate(url)
                    page.wait_for("location.pathname === '/map' && document.readyState === "
                                  "'complete'", timeout=60)  # fmt: skip
                    first.append(_measure(page, spoke))
                    # The same screen opened again: signed in, Leaflet and the land cached.
                    page.evaluate("(window.blOld = true) && (location.href = '/map') && true")
                    page.wait_for("!window.blOld && document.readyState === 'complete'",
                                  timeout=60)  # fmt: skip
                    back.append(_measure(page, spoke))
        done.set()
        feeder.join()
    return {"sites": sites, "loads": loads, **_summary(first),
            "return": _summary(back), **figures}  # fmt: skip


def _plain(base: str, token: str, inventory: Inventory, seconds: float) -> dict[str, Any]:
    """The console's answers from a plain HTTP client, in turn, every 0.3 s for `seconds`."""
    spokes = [s.id for s in inventory.sites if s.hubs][:50]
    took: dict[str, list[float]] = {}
    end, round_ = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        spoke = spokes[round_ % len(spokes)]
        round_ += 1
        for name, path in (("status", ROUTES["status"]), ("alarms", ROUTES["alarms"]),
                           ("site", f"{ROUTES['site']}{spoke}.json"),
                           ("site_history", f"{ROUTES['site']}{spoke}/history.json"),
                           ("replay", ROUTES["replay"])):  # fmt: skip
            ask = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
            started = time.monotonic()
            with urllib.request.urlopen(ask, timeout=60) as answer:
                answer.read()
            took.setdefault(name, []).append((time.monotonic() - started) * 1000)
        time.sleep(0.3)
    out = {}
    for name, values in took.items():
        values.sort()
        out[name] = {"n": len(values), "p50": round(statistics.median(values)),
                     **{f"p{q}": round(values[len(values) * q // 100]) for q in (90, 99)},
                     "max": round(values[-1])}  # fmt: skip
    return out


def _measure(page: Page, spoke: str) -> dict[str, Any]:
    """One load: wait for the first refresh, open a site's panel, move the replay slider."""
    page.wait_for("performance.getEntriesByName('bl-refresh').length", timeout=60)
    page.wait_for("performance.getEntriesByName('bl-clusters').length", timeout=60)
    page.evaluate(f"BL.site.open({json.dumps(spoke)}) && true")
    page.wait_for("document.body.dataset.siteLoads", timeout=60)
    slide = (
        "(() => { const s = document.querySelector('input.bl-slider');"
        " s.value = '20'; s.dispatchEvent(new Event('input')); return true; })()"
    )
    page.evaluate(slide)
    page.wait_for("document.body.dataset.replayBuckets", timeout=60)
    alarms = "performance.getEntriesByType('resource').filter(r => r.name.includes('alarms'))"
    page.wait_for(f"{alarms}.length", timeout=60)
    marks: dict[str, Any] = json.loads(page.evaluate(MARKS))
    return marks


def _summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("ready", "page", "parsed", "clusters", "refresh"):
        values = [s[key] for s in samples if s.get(key) is not None]
        out[f"{key}_p50_ms"] = round(statistics.median(values)) if values else None
        out[f"{key}_max_ms"] = round(max(values)) if values else None
    took_by: dict[str, list[float]] = {}
    for s in samples:
        for path, took in s["json"]:
            name = next((k for k, r in ROUTES.items() if path.startswith(r)), path)
            if name == "site" and path.endswith("/history.json"):
                name = "site_history"
            took_by.setdefault(name, []).append(took)
    # Each load's own figures: a maximum is one of them, and where its time went shows here.
    out["each"] = [{"ready": round(s["ready"]), "page": round(s["page"]),
                    "parsed": round(s["parsed"]), "scripts": s["assets"], **s["marks"]}
                   for s in samples]  # fmt: skip
    out["json_p50_ms"] = {k: round(statistics.median(v)) for k, v in sorted(took_by.items())}
    out["json_max_ms"] = {k: round(max(v)) for k, v in sorted(took_by.items())}
    return out


def _ingest(
    base: str, token: str, series: list[tuple[str, str, str]], warmup: float,
    done: threading.Event,
) -> dict[str, Any]:  # fmt: skip
    """The reference load until `done`, in rounds of 10 s (the first `warmup` not counted)."""
    totals: dict[str, Any] = {}
    first = True
    while not done.is_set():
        ingest, _, _ = _load(base, token, series, 10.0, warmup if first else 0.0,
                             reads_per_s=0.2)  # fmt: skip
        first = False
        totals["ingest_rate"] = min(totals.get("ingest_rate", ingest["ingest_rate"]),
                                    ingest["ingest_rate"])  # fmt: skip
        totals["post_p99_s"] = max(totals.get("post_p99_s", 0.0), ingest["post_p99_s"] or 0.0)
        totals["samples_failed"] = totals.get("samples_failed", 0) + ingest["samples_failed"]
    return totals


if __name__ == "__main__":
    main()
