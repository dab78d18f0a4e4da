"""The operator's console in a real browser, as the NOC sees it, in Chinese and English: the map
of the 340-branch reference network with its summary, filters and alarms; a site's panel open;
the table of the sites with problems. Headless Chromium dumps each view's DOM (the test reads
it: tests/controller/test_console_shots.py) and takes its screenshot (the docs show them:
docs/telemetry.md, "The map").

    python -m tests.console_shots docs/images     # refresh the docs' screenshots

Everything runs on loopback: the controller in this process over an embedded store with one
sample per link (some links down or failing their SLA), a link-down alarm, and two decisions
recorded for the site whose panel is shown."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from policies.moves import PolicyRef
from policies.reasons import Decision, Reason, Rule
from sites.generator import generate_reference_network
from telemetry.alarms import AlarmKind
from tests.map_app import serve_map
from tests.shots import Shot, shot, take_all

VIEWS = ("map", "site", "table")
WINDOW = "1280,860"


def shoot(language: str, out: Path, work: Path) -> list[Shot]:
    """Each of `VIEWS` in `language`: its DOM, its screenshot in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    inventory = generate_reference_network(340, seed=7)
    shots: list[Shot] = []
    with serve_map(work, inventory) as served:
        site = next(s for s in inventory.sites[10:] if s.hubs and len(s.links) >= 2)
        now = datetime.now(UTC)
        first, second = site.links[0].id, site.links[1].id
        placed = [
            Decision(site.id, "o32-trading", first, None, Reason(Rule.PLACED, first)),
            Decision(site.id, "hd-video", second, first, Reason(Rule.OFFLOAD, first)),
        ]
        served.store.paths.record([(d, PolicyRef.stored("default", 0)) for d in placed], now)
        served.app.state.monitor.report(
            AlarmKind.PUSH_FAILURE, site.id, "the CPE refused the pushed policy", now
        )
        views = {
            "map": "",
            "site": f"&site={site.id}",
            "table": "&problems=1&view=table",
        }
        for view in VIEWS:
            shots.append(
                shot(
                    view,
                    language,
                    f"{served.url}&lang={language}{views[view]}",
                    png=out / f"console-{language}-{view}.png",
                    profile=work / f"profile-{language}-{view}",
                    window=WINDOW,
                )
            )
    return shots


def main(out: Path) -> None:
    take_all(out, shoot, "tests.console_shots")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images"))
