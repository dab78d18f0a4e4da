"""Reading samples back from VictoriaMetrics' export API (`/api/v1/export`).

InfluxDB 2 reads need Flux; VictoriaMetrics, which accepts the same v2 writes, offers no Flux
but a Prometheus-style API. We read raw samples through `/api/v1/export` because it returns
every sample with its exact timestamp (no step alignment, no `-search.latencyOffset` hiding
the last 30 s, no lookback interpolation), so the backend can aggregate windows exactly like
the embedded store does. Field metrics of one series are pivoted back into rows; a repeated
(series, timestamp) keeps the last value, which is InfluxDB's rule for duplicate points.
"""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from telemetry.batch import METRICS, SampleBatch
from telemetry.errors import StoreUnavailableError, TelemetryStoreError
from telemetry.store.base import Selector
from telemetry.store.influx.lineproto import FIELDS, MEASUREMENT

SeriesKey = tuple[str, str, str]


class VictoriaMetricsReader:
    """Raw-range and latest reads of the `wan_link` schema, limited to the store's fixed tags."""

    def __init__(self, url: str, tags: Mapping[str, str], timeout: float) -> None:
        self.url = url.rstrip("/")
        self._tags = dict(tags)
        self._timeout = timeout

    def _get(self, path: str, params: dict[str, str]) -> bytes:
        query = urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(
                f"{self.url}{path}?{query}", timeout=self._timeout
            ) as response:
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError as exc:
            raise TelemetryStoreError(
                f"{self.url}{path}: HTTP {exc.code}: {exc.read()[:200]!r}"
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise StoreUnavailableError(f"{self.url}{path}: {exc}") from exc

    def _match(self, select: Selector) -> str:
        names = "|".join(FIELDS)
        labels = [f'__name__=~"{MEASUREMENT}_({names})"']
        wanted = {**self._tags, "site": select.site, "link": select.link, "app": select.app}
        # json.dumps quotes and escapes the way PromQL string literals expect.
        labels += [
            f"{key}={json.dumps(value)}" for key, value in wanted.items() if value is not None
        ]
        return "{" + ",".join(labels) + "}"

    def raw(self, select: Selector, start: int, end: int) -> SampleBatch:
        """Samples with start <= ts < end (ms), ordered by (site, link, app, ts)."""
        if end <= start:
            return SampleBatch.empty()
        body = self._get(
            "/api/v1/export",
            {
                "match[]": self._match(select),
                "start": f"{start / 1000:.3f}",
                "end": f"{(end - 1) / 1000:.3f}",  # export's end is inclusive
            },
        )
        columns: dict[SeriesKey, dict[str, dict[int, float]]] = defaultdict(dict)
        for line in body.splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            labels = item["metric"]
            if "site" not in labels or "link" not in labels:
                continue  # someone else's metric under our name: not a sample of ours
            key = (labels["site"], labels["link"], labels.get("app", ""))
            field = labels["__name__"].removeprefix(f"{MEASUREMENT}_")
            values = columns[key].setdefault(field, {})
            for ts, value in zip(item["timestamps"], item["values"], strict=True):
                if start <= ts < end:
                    values[ts] = value  # a later duplicate wins
        return _rows(columns)

    def latest(self, select: Selector, after: int, until: int) -> SampleBatch:
        """The newest sample of each series with after < ts <= until."""
        batch = self.raw(select, after + 1, until + 1)
        if not len(batch):
            return batch
        last = np.r_[
            [
                (batch.site[i], batch.link[i], batch.app[i])
                != (batch.site[i + 1], batch.link[i + 1], batch.app[i + 1])
                for i in range(len(batch) - 1)
            ],
            True,
        ]
        return batch.take(np.flatnonzero(last))

    def make_readable(self) -> None:
        """Ask VictoriaMetrics to make buffered samples searchable now (best effort)."""
        # An older server or a proxy without the endpoint: reads just wait a little longer.
        with contextlib.suppress(TelemetryStoreError):
            self._get("/internal/force_flush", {})


def _rows(columns: Mapping[SeriesKey, Mapping[str, Mapping[int, float]]]) -> SampleBatch:
    """Pivot per-field series into sample rows; a row needs every field (they travel in one
    line, so a missing one means a foreign or truncated write, which is skipped)."""
    site: list[str] = []
    link: list[str] = []
    app: list[str] = []
    values: dict[str, list[float]] = {name: [] for name in (*FIELDS, "ts")}
    for key in sorted(columns):
        fields = columns[key]
        if not all(name in fields for name in FIELDS):
            continue
        stamps = sorted(set.intersection(*(set(fields[name]) for name in FIELDS)))
        site += [key[0]] * len(stamps)
        link += [key[1]] * len(stamps)
        app += [key[2]] * len(stamps)
        values["ts"] += stamps
        for name in FIELDS:
            values[name] += [fields[name][ts] for ts in stamps]
    return SampleBatch(
        site=tuple(site),
        link=tuple(link),
        app=tuple(app),
        ts_ms=np.array(values["ts"], dtype=np.int64),
        up=np.array(values["up"]) > 0,
        **{name: np.array(values[name], dtype=np.float64) for name in METRICS},
    )
