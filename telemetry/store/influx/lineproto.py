"""InfluxDB line protocol for sample batches, built with plain string formatting.

Schema (docs/telemetry.md): measurement `wan_link`; tags `app` (absent for link-level
samples), `link`, `site` and any fixed tags of the store (e.g. `instance`); fields
`latency_ms`, `jitter_ms`, `loss_pct`, `utilization`, `throughput_bps` (floats) and `up`
(integer 1 or 0); timestamp in milliseconds. VictoriaMetrics stores each field as the metric
`wan_link_<field>` with the tags as labels.

Tag values need no escaping: site, link and app ids are validated identifiers
([a-z0-9._-]), and so are the store's fixed tags. That is what lets one f-string per row
reach ~1 M lines/s where influxdb-client's Point objects reach ~150 k/s (DESIGN §5).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from telemetry.batch import METRICS, SampleBatch

MEASUREMENT = "wan_link"
FIELDS = (*METRICS, "up")
SERIES_TAGS = ("site", "link", "app")
_TAG = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")  # used with fullmatch (see batch.py)
_UP = ("0i", "1i")


def fixed_tags(tags: Mapping[str, str]) -> str:
    """The ',k=v' suffix of a store's fixed tags, checked so that it needs no escaping."""
    for key, value in tags.items():
        if key in SERIES_TAGS or key == "__name__":
            raise ValueError(f"tag {key!r} is reserved for the sample's own series")
        if not (_TAG.fullmatch(key) and _TAG.fullmatch(value)):
            raise ValueError(f"tag {key}={value!r}: keys and values must be lower-case ids")
    return "".join(f",{key}={tags[key]}" for key in sorted(tags))


def encode(batch: SampleBatch, tags: str = "", start: int = 0, stop: int | None = None) -> bytes:
    """Rows [start, stop) of the batch as newline-separated lines (no trailing newline)."""
    rows = slice(start, stop)
    head = f"{MEASUREMENT},app="
    link_head = f"{MEASUREMENT},link="
    lines = [
        # repr() of a float is its shortest exact form, which line protocol parses back
        # to the same double; `up` is an integer field so it sums and averages.
        f"{head}{app},link={link},site={site}{tags} latency_ms={lat!r},jitter_ms={jit!r},"
        f"loss_pct={loss!r},utilization={util!r},throughput_bps={tput!r},up={_UP[up]} {ts}"
        if app
        else f"{link_head}{link},site={site}{tags} latency_ms={lat!r},jitter_ms={jit!r},"
        f"loss_pct={loss!r},utilization={util!r},throughput_bps={tput!r},up={_UP[up]} {ts}"
        for site, link, app, ts, lat, jit, loss, util, tput, up in zip(
            batch.site[rows],
            batch.link[rows],
            batch.app[rows],
            batch.ts_ms[rows].tolist(),
            batch.latency_ms[rows].tolist(),
            batch.jitter_ms[rows].tolist(),
            batch.loss_pct[rows].tolist(),
            batch.utilization[rows].tolist(),
            batch.throughput_bps[rows].tolist(),
            batch.up[rows].tolist(),
            strict=True,
        )
    ]
    return "\n".join(lines).encode()


def series_of(line: bytes) -> tuple[str, str, str, int]:
    """(site, link, app, ts_ms) of one line this module wrote (app "" if it has none)."""
    key, _, rest = line.decode().partition(" ")
    tags = dict(part.split("=", 1) for part in key.split(",")[1:])
    return tags["site"], tags["link"], tags.get("app", ""), int(rest.rpartition(" ")[2])
