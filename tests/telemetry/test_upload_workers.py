"""Uploads decoded in processes of their own answer exactly as `parse_upload` does, and a
worker that dies loses no upload."""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import signal
from collections.abc import Iterator
from typing import Any

import pytest

from telemetry.errors import UploadError
from telemetry.upload import parse_upload
from telemetry.upload_workers import OFFLOAD_BYTES, UploadDecoders
from tests.telemetry.test_upload import GOOD, same


def upload(n: int, **change: Any) -> bytes:
    samples = [{**GOOD, "site": f"br-{i:05d}"} for i in range(n)]
    samples[n // 2].update(change)
    return json.dumps({"samples": samples}).encode()


LARGE = upload(3_000)
assert len(LARGE) > OFFLOAD_BYTES


@pytest.fixture
def decoders() -> Iterator[UploadDecoders]:
    found = UploadDecoders(1)
    yield found
    found.close()


def workers() -> list[multiprocessing.process.BaseProcess]:
    return multiprocessing.active_children()


def test_a_large_upload_is_decoded_in_a_worker_as_the_parser_decodes_it(
    decoders: UploadDecoders,
) -> None:
    same(decoders.parse(LARGE), parse_upload(LARGE))
    assert len(workers()) == 1


def test_a_large_bad_upload_names_the_same_fields(decoders: UploadDecoders) -> None:
    bad = upload(3_000, loss_pct=101, link="no such link")
    with pytest.raises(UploadError) as here:
        parse_upload(bad)
    with pytest.raises(UploadError) as there:
        decoders.parse(bad)
    assert there.value.errors == here.value.errors
    assert {e["loc"] for e in there.value.errors} == {
        ("samples", 1500, "loss_pct"),
        ("samples", 1500, "link"),
    }


def test_small_uploads_start_no_process(decoders: UploadDecoders) -> None:
    small = upload(3)
    same(decoders.parse(small), parse_upload(small))
    assert workers() == []


def test_a_worker_killed_loses_no_upload(decoders: UploadDecoders) -> None:
    decoders.parse(LARGE)
    (first,) = workers()
    assert first.pid is not None
    os.kill(first.pid, signal.SIGKILL)
    first.join(10)
    # The pool is broken: this upload is decoded here, and the next by a new worker.
    same(decoders.parse(LARGE), parse_upload(LARGE))
    same(decoders.parse(LARGE), parse_upload(LARGE))
    assert [p.pid for p in workers()] not in ([], [first.pid])


def test_closed_decoders_stop_their_workers_and_still_decode(decoders: UploadDecoders) -> None:
    decoders.parse(LARGE)
    decoders.close()
    assert workers() == []
    same(decoders.parse(LARGE), parse_upload(LARGE))
    assert workers() == []


def test_an_upload_error_survives_the_trip_between_processes() -> None:
    error = UploadError([{"type": "x", "loc": ("samples", 0, "up"), "msg": "bad"}])
    again = pickle.loads(pickle.dumps(error))
    assert again.errors == error.errors and str(again) == str(error)


def test_workers_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        UploadDecoders(-1)
