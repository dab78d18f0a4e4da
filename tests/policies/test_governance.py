"""`policies.governance`: which policy version governed each site at an instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from policies.governance import PolicyHistory, Version, scope_of
from policies.policy import Policy
from sites.inventory import Inventory

T = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)
STRICT = Policy(predictive_return=False)
LOOSE = Policy(best_effort_margin=0.3)


def at(seconds: int) -> datetime:
    return T + timedelta(seconds=seconds)


def test_a_site_override_beats_its_class_which_beats_the_default(
    small_inventory: Inventory,
) -> None:
    hangzhou = small_inventory.site_by_id["br-hangzhou-001"]
    assert hangzhou.branch_class == "B"
    assert scope_of(hangzhou, set()) == "default"
    assert scope_of(hangzhou, {"class:B"}) == "class:B"
    assert scope_of(hangzhou, {"class:B", "site:br-hangzhou-001"}) == "site:br-hangzhou-001"
    assert scope_of(hangzhou, {"class:A", "site:br-lhasa-001"}) == "default"


def test_versions_govern_from_when_they_were_made_and_removal_falls_back(
    small_inventory: Inventory,
) -> None:
    history = PolicyHistory(
        [
            Version("class:B", 1, at(20), LOOSE),
            Version("default", 1, at(10), STRICT),
            Version("class:B", 2, at(40), None),  # the override removed
        ]
    )
    before = history.governing(small_inventory, at(5))
    assert {g.label for g in before.values()} == {"default v0"}
    assert before["br-hangzhou-001"].policy == Policy()  # the built-in defaults

    assert history.governing(small_inventory, at(10))["br-hangzhou-001"].label == "default v1"
    during = history.governing(small_inventory, at(39))
    assert during["br-hangzhou-001"].key == ("class:B", 1)
    assert during["br-hangzhou-001"].policy == LOOSE
    others = {g.key for s, g in during.items() if small_inventory.site_by_id[s].branch_class != "B"}
    assert others == {("default", 1)}
    after = history.governing(small_inventory, at(40))
    assert after["br-hangzhou-001"].key == ("default", 1)

    assert [history.epoch(at(s)) for s in (0, 10, 19, 20, 40, 99)] == [0, 1, 1, 2, 3, 3]


def test_a_fixed_policy_governs_every_site_always(small_inventory: Inventory) -> None:
    history = PolicyHistory.fixed(LOOSE, "candidate.yaml")
    for moment in (datetime(1999, 1, 1, tzinfo=UTC), at(0)):
        governing = history.governing(small_inventory, moment)
        assert set(governing) == {s.id for s in small_inventory.sites}
        assert {(g.policy == LOOSE, g.label) for g in governing.values()} == {
            (True, "candidate.yaml")
        }
