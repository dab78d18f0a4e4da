"""`parse_upload` decides every upload exactly as the `SampleUpload` model does: the same
batch when valid, the same errors when not, whatever the columns hold."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from telemetry.batch import SampleBatch
from telemetry.errors import UploadError
from telemetry.upload import SampleUpload, parse_upload

GOOD: dict[str, Any] = {
    "site": "br-hangzhou-001", "link": "mpls-1", "app": None,
    "timestamp": "2026-12-05T06:00:00Z", "latency_ms": 30.0, "jitter_ms": 2, "loss_pct": 0.0,
    "utilization": 0.3, "throughput_bps": 2e6, "up": True,
}  # fmt: skip

# Values a field may be given: valid ones of every accepted shape and invalid ones of many kinds.
ODD: dict[str, list[Any]] = {
    "site": ["br-x", "BR-X", "", "br x", "br-x\n", 7, None, ["br-x"]],
    "link": ["inet-1", "a" * 63, "a" * 64, 1.5, True],
    "app": [None, "erp", "", "ERP", 3],
    "timestamp": [
        "2026-12-05T06:00:00.123+08:00",
        "2026-12-05 06:00:00Z",
        "2026-12-05T06:00:00",
        "1969-12-31T23:59:59Z",
        "20261205T060000Z",
        "yesterday",
        1764914400,
        1764914400.5,
        "2026-12-05T06:00:00.1234567Z",
        None,
        "",
        "2026-02-30T00:00:00Z",
    ],
    "latency_ms": [
        0,
        600_000,
        600_000.5,
        -0.0,
        -1,
        float("nan"),
        float("inf"),
        "12",
        True,
        10**400,
        None,
        1e308,
    ],
    "jitter_ms": [0.5, -3, "x"],
    "loss_pct": [100, 100.0001, 50, False],
    "utilization": [1, 1.0000001, 0.5, [0.5]],
    "throughput_bps": [0, 1e12, -1e-9, {"v": 1}],
    "up": [True, False, 1, 0, "true", None, "yes"],
}


def by_model(body: bytes) -> SampleBatch | list[tuple[Any, str]]:
    """The plain path: the model validates the document, errors as (loc, msg)."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return [(("json",), "JSON decode error")]
    try:
        upload = SampleUpload.model_validate(document)
    except ValidationError as exc:
        return [(e["loc"], e["msg"]) for e in exc.errors()]
    return SampleBatch.from_samples(upload.samples)


def by_parser(body: bytes) -> SampleBatch | list[tuple[Any, str]]:
    try:
        return parse_upload(body)
    except UploadError as exc:
        if exc.errors[0]["type"] == "json_invalid":
            return [(("json",), "JSON decode error")]
        return [(e["loc"], str(e["msg"])) for e in exc.errors]


def same(a: SampleBatch | list[tuple[Any, str]], b: SampleBatch | list[tuple[Any, str]]) -> None:
    if isinstance(a, list) or isinstance(b, list):
        assert a == b
        return
    assert (a.site, a.link, a.app) == (b.site, b.link, b.app)
    for name in ("ts_ms", "latency_ms", "jitter_ms", "loss_pct", "utilization",
                 "throughput_bps", "up"):  # fmt: skip
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


sample = st.fixed_dictionaries(
    {},
    optional={name: st.sampled_from([GOOD[name], *values]) for name, values in ODD.items()}
    | {"extra": st.just(1)},
).map(lambda odd: {**GOOD, **odd})
dropped = st.sets(st.sampled_from(sorted(GOOD)), max_size=2)


@settings(max_examples=400, deadline=None)
@given(rows=st.lists(st.tuples(sample, dropped), min_size=1, max_size=6))
def test_the_columns_decide_as_the_model_does(rows: list[tuple[dict[str, Any], set[str]]]) -> None:
    samples = [{k: v for k, v in s.items() if k not in drop} for s, drop in rows]
    body = json.dumps({"samples": samples}).encode()
    same(by_parser(body), by_model(body))


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"[]", b"null", b'{"samples": []}', b'{"samples": {}}', b'{"samples": [1]}',
     b'{"samples": [], "x": 1}', b'{"sample": []}', "\u00ff".encode("latin-1"),
     b'{"samples": [NaN]}', b"[" * 100_000],
)  # fmt: skip
def test_whatever_the_body_the_answer_is_the_models(body: bytes) -> None:
    same(by_parser(body), by_model(body))


def test_a_valid_upload_takes_the_column_path() -> None:
    """The point of the parser: a valid upload never builds a model per sample."""
    body = json.dumps({"samples": [GOOD, {**GOOD, "link": "inet-1", "app": "erp"}]}).encode()
    calls = []
    original = SampleUpload.model_validate

    def counting(*args: Any, **kwargs: Any) -> SampleUpload:
        calls.append(1)
        return original(*args, **kwargs)

    SampleUpload.model_validate = counting  # type: ignore[method-assign]
    try:
        batch = parse_upload(body)
    finally:
        SampleUpload.model_validate = original  # type: ignore[method-assign]
    assert calls == [] and batch.app == ("", "erp")
