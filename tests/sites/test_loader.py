"""Inventory files: every problem with file, line and field; nothing half-loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sites.errors import InventoryError
from sites.loader import dump_inventory, load_inventory, load_inventory_text


def line_of(text: str, fragment: str) -> int:
    """1-based line of the only line containing `fragment`."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(hits) == 1, f"{fragment!r} is on lines {hits}"
    return hits[0]


def problems_of(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(InventoryError) as caught:
        load_inventory_text(text, source="net.yaml")
    assert all(p.source == "net.yaml" for p in caught.value.problems)
    return [(p.line, p.field, p.message) for p in caught.value.problems]


def test_small_file_loads(small_yaml: str) -> None:
    inventory = load_inventory_text(small_yaml)
    assert [s.id for s in inventory.sites] == ["dc-shanghai", "br-hangzhou-001", "br-lhasa-001"]
    assert inventory.site_by_id["br-lhasa-001"].link("lte-1").metered


def test_three_different_mistakes_are_all_reported_with_lines(small_yaml: str) -> None:
    text = (
        small_yaml.replace("latitude: 30.2741", "latitude: 130.2741")  # out of range
        .replace("transport: LTE", "transport: DSL")  # not a transport
        .replace("role: primary, cpe: HUB-0002", "role: primary, cpe: HUB-0003")  # not its CPE
    )
    found = problems_of(text)
    assert len(found) == 3, found
    by_field = {field: (line, message) for line, field, message in found}
    assert by_field["sites[1].latitude"][0] == line_of(text, "latitude: 130.2741")
    assert "less than or equal to 90" in by_field["sites[1].latitude"][1]
    assert by_field["sites[2].links[1].transport"][0] == line_of(text, "transport: DSL")
    assert "'MSTP', 'MPLS', 'Internet' or 'LTE'" in by_field["sites[2].links[1].transport"][1]
    cpe_line, cpe_message = by_field["sites[0].links[1].cpe"]
    assert cpe_line == line_of(text, "cpe: HUB-0003")
    assert "'HUB-0003' is not a CPE of site 'dc-shanghai'" in cpe_message


def test_three_mistakes_in_one_site_are_reported_in_one_run(small_yaml: str) -> None:
    """A field out of range, a rule of the site (a duplicate link id) and a rule across the
    file (an unknown hub): the site that cannot be built is still checked by every rule its
    valid fields allow, and the sites after it keep their places."""
    text = (
        small_yaml.replace("latitude: 30.2741", "latitude: 130.2741")
        .replace("{id: inet-1, transport: Internet, carrier: China Unicom",
                 "{id: mpls-1, transport: Internet, carrier: China Unicom")
        .replace("hubs: [dc-shanghai]\n    cpes:\n      - {serial: HZ-0001",
                 "hubs: [dc-nowhere]\n    cpes:\n      - {serial: HZ-0001")
        .replace("hubs: [dc-shanghai]\n    cpes:\n      - {serial: LS-0001",
                 "hubs: [dc-beijing]\n    cpes:\n      - {serial: LS-0001")
    )  # fmt: skip
    found = {field: (line, message) for line, field, message in problems_of(text)}
    assert found["sites[1].latitude"][0] == line_of(text, "latitude: 130.2741")
    assert found["sites[1].links[1].id"] == (
        line_of(text, "{id: mpls-1, transport: Internet"),
        "duplicate id 'mpls-1'",
    )
    assert found["sites[1].hubs[0]"] == (
        line_of(text, "hubs: [dc-nowhere]"),
        "no site with id 'dc-nowhere'",
    )
    assert found["sites[2].hubs[0]"] == (
        line_of(text, "hubs: [dc-beijing]"),
        "no site with id 'dc-beijing'",
    )


def test_cross_site_references_are_located(small_yaml: str) -> None:
    text = (
        small_yaml.replace("sla_class: bulk", "sla_class: bulky")
        .replace("serial: LS-0001", "serial: HZ-0001")
        .replace("cpe: LS-0001", "cpe: HZ-0001")
        .replace("hubs: [dc-shanghai]\n    cpes:\n      - {serial: HZ-0001, model: BL-E100",
                 "hubs: [dc-beijing]\n    cpes:\n      - {serial: HZ-0001, model: BL-E100")
    )  # fmt: skip
    found = {field: (line, message) for line, field, message in problems_of(text)}
    assert found["applications[1].sla_class"] == (
        line_of(text, "sla_class: bulky"),
        "unknown SLA class 'bulky' (known: bulk, trading)",
    )
    assert found["sites[2].cpes[0].serial"][1] == (
        "'HZ-0001' is already used at sites[1].cpes[0].serial"
    )
    assert found["sites[2].hubs[0]"] == (
        line_of(text, "hubs: [dc-beijing]"),
        "no site with id 'dc-beijing'",
    )


def test_missing_field_points_at_its_parent(small_yaml: str) -> None:
    text = small_yaml.replace("    city: Lhasa\n", "")
    [(line, field, message)] = problems_of(text)
    assert (field, message) == ("sites[2].city", "Field required")
    assert line == line_of(text, "id: br-lhasa-001")


def test_yaml_syntax_error_has_a_line(small_yaml: str) -> None:
    text = small_yaml.replace("hubs: [dc-shanghai]", "hubs: [dc-shanghai", 1)
    [(line, field, message)] = problems_of(text)
    assert field == "(document)"
    assert message.startswith("not valid YAML")
    unclosed = next(n for n, ln in enumerate(text.splitlines(), 1) if ln.endswith("[dc-shanghai"))
    assert line is not None
    assert unclosed <= line <= unclosed + 1, (line, unclosed)  # where the parser notices it


def test_duplicate_keys_are_an_error_not_a_silent_overwrite(small_yaml: str) -> None:
    text = small_yaml.replace("organisation: Test Securities", "organisation: A\norganisation: B")
    [(_, _, message)] = problems_of(text)
    assert "duplicate" in message


def test_top_level_must_be_a_mapping() -> None:
    assert problems_of("- 1\n- 2\n")[0][2] == "expected a mapping at the top, got list"


def test_nothing_is_half_loaded(small_yaml: str) -> None:
    """One bad site fails the whole file; the good sites are not returned on their own."""
    text = small_yaml.replace("longitude: 91.1721", "longitude: 191.1721")
    with pytest.raises(InventoryError) as caught:
        load_inventory_text(text)
    assert len(caught.value.problems) == 1
    assert "1 problem in inventory" in str(caught.value)


def test_round_trip_through_yaml(small_yaml: str) -> None:
    inventory = load_inventory_text(small_yaml)
    assert load_inventory_text(dump_inventory(inventory)) == inventory


def test_unreadable_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="cannot read file"):
        load_inventory(tmp_path / "missing.yaml")


def test_standard_input(small_yaml: str) -> None:
    code = "from sites.loader import load_inventory; print(len(load_inventory('-').sites))"
    run = subprocess.run(
        [sys.executable, "-c", code], input=small_yaml, capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == "3"
