"""Column batches of samples: the form that moves at 40,000 samples a second.

A `SampleBatch` holds one column per field (tuples of ids, numpy arrays of numbers), is checked
once with vectorised tests, and is what every store writes and reads. `Sample` models are for
the edge (one API request, one test); `SampleBatch.from_samples` turns them into a batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from telemetry.errors import SampleError
from telemetry.samples import MAX_LATENCY_MS, Sample, from_ms

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# The rule of sites.base.Identifier. fullmatch, not match with "$": "$" also matches before a
# trailing newline, which would let "br-x\n" through and break a line-protocol line.
IDENTIFIER = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
LINK_LEVEL = ""
"""The `app` column value of a sample about the whole link rather than one application."""

# field -> (low, high) of the numeric columns; the same bounds as the Sample model.
BOUNDS: dict[str, tuple[float, float]] = {
    "latency_ms": (0.0, MAX_LATENCY_MS),
    "jitter_ms": (0.0, MAX_LATENCY_MS),
    "loss_pct": (0.0, 100.0),
    "utilization": (0.0, 1.0),
    "throughput_bps": (0.0, float("inf")),
}
METRICS = tuple(BOUNDS)


def _frozen(values: object, dtype: type[np.generic]) -> npt.NDArray[Any]:
    array: npt.NDArray[Any] = np.array(values, dtype=dtype)  # a copy: callers reuse buffers
    array.flags.writeable = False
    return array


def _check_ids(name: str, values: Sequence[str], allow_empty: bool) -> None:
    for value in set(values):  # ~40k rows have a few thousand distinct ids: check each once
        if (allow_empty and value == LINK_LEVEL) or (
            isinstance(value, str) and IDENTIFIER.fullmatch(value)
        ):
            continue
        row = list(values).index(value)
        raise SampleError(f"row {row}: {name}: {value!r} is not a lower-case identifier")


@dataclass(frozen=True, eq=False)
class SampleBatch:
    """Samples as columns. Row i is (site[i], link[i], app[i], ts_ms[i], ...).

    `app` is "" for link-level samples. Timestamps are integer milliseconds since the epoch.
    Construction checks every column (ids, finite values in range, equal lengths) and raises
    `SampleError` naming the field and the first bad row; the arrays are read-only copies.
    """

    site: tuple[str, ...]
    link: tuple[str, ...]
    app: tuple[str, ...]
    ts_ms: IntArray
    latency_ms: FloatArray
    jitter_ms: FloatArray
    loss_pct: FloatArray
    utilization: FloatArray
    throughput_bps: FloatArray
    up: BoolArray

    def __post_init__(self) -> None:
        n = len(self.site)
        for spec in fields(self):
            if len(getattr(self, spec.name)) != n:
                raise SampleError(
                    f"{spec.name}: {len(getattr(self, spec.name))} values for {n} rows"
                )
        for name in ("site", "link", "app"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        _check_ids("site", self.site, allow_empty=False)
        _check_ids("link", self.link, allow_empty=False)
        _check_ids("app", self.app, allow_empty=True)
        object.__setattr__(self, "ts_ms", _frozen(self.ts_ms, np.int64))
        object.__setattr__(self, "up", _frozen(self.up, np.bool_))
        for name, (low, high) in BOUNDS.items():
            column = _frozen(getattr(self, name), np.float64)
            bad = ~((column >= low) & (column <= high))  # NaN fails both comparisons
            if bad.any():
                row = int(np.argmax(bad))
                raise SampleError(
                    f"row {row}: {name} must be within {low:g}..{high:g}, got {column[row]}"
                )
            object.__setattr__(self, name, column)
        if n and int(self.ts_ms.min()) < 0:
            raise SampleError(f"row {int(np.argmin(self.ts_ms))}: ts_ms is before 1970")

    def __len__(self) -> int:
        return len(self.site)

    @classmethod
    def empty(cls) -> SampleBatch:
        return cls.from_samples(())

    @classmethod
    def from_samples(cls, samples: Iterable[Sample]) -> SampleBatch:
        """A batch of already validated `Sample` models, in their order."""
        rows = list(samples)
        return cls(
            site=tuple(s.site for s in rows),
            link=tuple(s.link for s in rows),
            app=tuple(s.app or LINK_LEVEL for s in rows),
            ts_ms=np.array([s.ts_ms for s in rows], dtype=np.int64),
            latency_ms=np.array([s.latency_ms for s in rows]),
            jitter_ms=np.array([s.jitter_ms for s in rows]),
            loss_pct=np.array([s.loss_pct for s in rows]),
            utilization=np.array([s.utilization for s in rows]),
            throughput_bps=np.array([s.throughput_bps for s in rows]),
            up=np.array([s.up for s in rows], dtype=np.bool_),
        )

    def samples(self) -> Iterator[Sample]:
        """The rows as `Sample` models (slow: for small results, APIs and tests)."""
        for i in range(len(self)):
            yield Sample(
                site=self.site[i],
                link=self.link[i],
                app=self.app[i] or None,
                timestamp=from_ms(int(self.ts_ms[i])),
                latency_ms=float(self.latency_ms[i]),
                jitter_ms=float(self.jitter_ms[i]),
                loss_pct=float(self.loss_pct[i]),
                utilization=float(self.utilization[i]),
                throughput_bps=float(self.throughput_bps[i]),
                up=bool(self.up[i]),
            )

    def with_timestamps(self, ts_ms: IntArray) -> SampleBatch:
        """The same rows, stamped `ts_ms` instead."""
        return replace(self, ts_ms=ts_ms)

    def take(self, index: npt.NDArray[np.intp] | slice) -> SampleBatch:
        """The rows at `index` (an index array or a slice), as a new batch."""
        rows = np.arange(len(self))[index]
        return SampleBatch(
            site=tuple(self.site[i] for i in rows),
            link=tuple(self.link[i] for i in rows),
            app=tuple(self.app[i] for i in rows),
            ts_ms=self.ts_ms[rows],
            latency_ms=self.latency_ms[rows],
            jitter_ms=self.jitter_ms[rows],
            loss_pct=self.loss_pct[rows],
            utilization=self.utilization[rows],
            throughput_bps=self.throughput_bps[rows],
            up=self.up[rows],
        )

    def sorted(self) -> SampleBatch:
        """Rows ordered by (site, link, app, ts_ms): the order every store answers in."""
        order = sorted(
            range(len(self)),
            key=lambda i: (self.site[i], self.link[i], self.app[i], int(self.ts_ms[i])),
        )
        return self.take(np.array(order, dtype=np.intp))


@dataclass(frozen=True, eq=False)
class WindowBatch:
    """Samples aggregated per series and time window, ordered by (site, link, app, ts_ms).

    `ts_ms` is the window's start (windows are aligned to the epoch), `count` the number of
    samples in it, the metric columns their means and `up_ratio` the fraction of samples up.
    """

    site: tuple[str, ...]
    link: tuple[str, ...]
    app: tuple[str, ...]
    ts_ms: IntArray
    count: IntArray
    latency_ms: FloatArray
    jitter_ms: FloatArray
    loss_pct: FloatArray
    utilization: FloatArray
    throughput_bps: FloatArray
    up_ratio: FloatArray

    def __len__(self) -> int:
        return len(self.site)
