"""The cache of serialised path answers: fresh while the generation holds, never past its TTL,
and entries filled together expire at different times."""

from __future__ import annotations

from controller.api.read_cache import ReadCache


def test_generation_and_ttl_bound_an_entry() -> None:
    cache = ReadCache(ttl_s=10)
    cache.put("br-a-001", generation=3, now=100.0, body=b"[]")
    assert cache.get("br-a-001", generation=3, now=100.1) == b"[]"
    assert cache.get("br-a-001", generation=4, now=100.1) is None  # a new decision was recorded
    assert cache.get("br-a-001", generation=3, now=110.0) is None  # never older than the TTL
    assert cache.get("br-b-001", generation=3, now=100.1) is None


def test_entries_filled_together_expire_apart() -> None:
    cache = ReadCache(ttl_s=10)
    keys = [f"br-city-{n:03d}" for n in range(300)]
    for key in keys:
        cache.put(key, generation=0, now=0.0, body=b"[]")
    alive_at = {t: sum(cache.get(k, 0, float(t)) is not None for k in keys) for t in range(4, 11)}
    assert alive_at[4] == 300  # nothing expires before half the TTL
    assert alive_at[10] == 0
    assert 50 < alive_at[7] < 250  # in between, expiries are spread out, not all at once
