"""Assertions shared by the telemetry tests."""

from __future__ import annotations

import numpy as np

from telemetry.batch import METRICS, SampleBatch, WindowBatch


def assert_same_samples(got: SampleBatch, want: SampleBatch) -> None:
    """Same rows in the same order; floats equal to 1e-9 relative (text formats round-trip)."""
    assert len(got) == len(want)
    assert got.site == want.site
    assert got.link == want.link
    assert got.app == want.app
    np.testing.assert_array_equal(got.ts_ms, want.ts_ms)
    np.testing.assert_array_equal(got.up, want.up)
    for name in METRICS:
        np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=1e-9, err_msg=name)


def assert_same_windows(got: WindowBatch, want: WindowBatch) -> None:
    assert len(got) == len(want)
    assert (got.site, got.link, got.app) == (want.site, want.link, want.app)
    np.testing.assert_array_equal(got.ts_ms, want.ts_ms)
    np.testing.assert_array_equal(got.count, want.count)
    for name in (*METRICS, "up_ratio"):
        np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=1e-9, err_msg=name)
