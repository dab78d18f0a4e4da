"""The Grafana dashboard queries exactly what the InfluxDB writer writes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from telemetry.store.influx.lineproto import FIELDS, MEASUREMENT, SERIES_TAGS

DASHBOARD = Path(__file__).resolve().parents[2] / "contrib" / "grafana" / "branchline-site.json"


def queries(dashboard: dict[str, Any]) -> list[str]:
    found = [t["query"] for p in dashboard["panels"] for t in p["targets"]]
    found += [v["query"] for v in dashboard["templating"]["list"] if v["type"] == "query"]
    return found


def test_every_query_names_our_measurement_fields_and_tags() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    texts = queries(dashboard)
    assert len(dashboard["panels"]) >= 6
    for text in texts:
        assert set(re.findall(r'_measurement == "([^"]+)"', text)) == {MEASUREMENT}
        assert set(re.findall(r'_field == "([^"]+)"', text)) <= set(FIELDS)
        assert set(re.findall(r"\br\.([a-z_]+)\b", text)) - {"_measurement", "_field"} <= set(
            SERIES_TAGS
        )
    plotted = {f for t in texts for f in re.findall(r'_field == "([^"]+)"', t)}
    assert plotted == set(FIELDS)  # every metric we store has a panel
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
