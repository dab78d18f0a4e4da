"""Model rules: each bad input is rejected with a message that names the field."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from sites.applications import Application, SlaClass, parse_port_range
from sites.enums import LinkRole, SiteRole
from sites.site import Site


def spoke(**changes: Any) -> dict[str, Any]:
    site: dict[str, Any] = {
        "id": "br-hangzhou-001",
        "name": "Hangzhou Jiefang Road Branch",
        "city": "Hangzhou",
        "latitude": 30.2741,
        "longitude": 120.1551,
        "role": "spoke",
        "branch_class": "B",
        "hubs": ["dc-shanghai"],
        "cpes": [cpe("HZ-0001", "172.16.0.3")],
        "links": [
            link("mpls-1", "MPLS", "primary", "HZ-0001"),
            link("inet-1", "Internet", "backup", "HZ-0001"),
        ],
    }
    site.update(changes)
    return site


def cpe(serial: str, address: str) -> dict[str, Any]:
    return {
        "serial": serial,
        "model": "BL-E300",
        "platform": "huawei_vrp",
        "management_address": address,
        "credentials_ref": "vault:cpe/branch",
    }


def link(link_id: str, transport: str, role: str, on: str) -> dict[str, Any]:
    return {
        "id": link_id,
        "transport": transport,
        "carrier": "China Telecom",
        "down_mbps": 20,
        "up_mbps": 20,
        "role": role,
        "cpe": on,
        "monthly_cost_cny": 1000,
    }


def error_text(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        Site.model_validate(data)
    return str(caught.value)


def test_valid_spoke_is_frozen() -> None:
    site = Site.model_validate(spoke())
    assert site.role is SiteRole.SPOKE
    assert site.link("inet-1").role is LinkRole.BACKUP
    with pytest.raises(ValidationError, match="frozen"):
        site.name = "renamed"  # type: ignore[misc]


def test_unknown_field_is_rejected_by_name() -> None:
    assert "bandwidth" in error_text(spoke(bandwidth=100))


@pytest.mark.parametrize(
    ("field", "value"),
    [("latitude", 91.0), ("latitude", -90.5), ("longitude", 180.1), ("longitude", -200.0)],
)
def test_coordinates_must_be_valid(field: str, value: float) -> None:
    text = error_text(spoke(**{field: value}))
    assert field in text


def test_hub_must_have_two_cpes() -> None:
    hub = spoke(role="hub", hubs=[], branch_class=None)
    assert "cpes: a hub must have 2 CPEs, this one has 1" in error_text(hub)


def test_spoke_has_at_most_two_cpes() -> None:
    data = spoke(cpes=[cpe(f"HZ-000{i}", f"172.16.0.{i}") for i in range(1, 4)])
    assert "cpes: a spoke has at most 2 CPEs, this one has 3" in error_text(data)


def test_link_must_terminate_on_a_cpe_of_its_own_site() -> None:
    data = spoke()
    data["links"][1]["cpe"] = "OTHER-0001"
    assert "links[1].cpe: 'OTHER-0001' is not a CPE of site 'br-hangzhou-001'" in error_text(data)


def test_site_needs_a_primary_link() -> None:
    data = spoke()
    data["links"][0]["role"] = "backup"
    assert "links: a site needs at least one primary link" in error_text(data)


def test_spoke_needs_branch_class_and_duplicate_ids_are_named() -> None:
    data = spoke(branch_class=None)
    data["links"].append(copy.deepcopy(data["links"][0]))
    text = error_text(data)
    assert "branch_class: a spoke needs a branch class" in text
    assert "links[2].id: duplicate id 'mpls-1'" in text


def test_link_cost_or_metered() -> None:
    data = spoke()
    del data["links"][0]["monthly_cost_cny"]
    data["links"][1]["cost_per_gb_cny"] = 8
    text = error_text(data)
    assert "monthly_cost_cny: give a monthly cost, or mark the link metered" in text
    assert "cost_per_gb_cny: only a metered link has a per-GB cost" in text


def test_credentials_are_a_reference_never_a_secret() -> None:
    data = spoke()
    data["cpes"][0]["credentials_ref"] = "hunter2"
    assert "credentials_ref" in error_text(data)
    data["cpes"][0]["credentials_ref"] = "env:BL_CPE_PASSWORD"
    assert Site.model_validate(data).cpes[0].credentials_ref == "env:BL_CPE_PASSWORD"


@pytest.mark.parametrize("field", ["max_latency_ms", "max_jitter_ms", "max_loss_pct"])
@pytest.mark.parametrize("value", [0, -1])
def test_sla_values_must_be_positive(field: str, value: float) -> None:
    data = {"name": "trading", "max_latency_ms": 80, "max_jitter_ms": 15, "max_loss_pct": 0.5}
    data[field] = value
    with pytest.raises(ValidationError) as caught:
        SlaClass.model_validate(data)
    assert caught.value.errors()[0]["loc"] == (field,)
    assert "greater than 0" in caught.value.errors()[0]["msg"]


def test_loss_cannot_exceed_100_percent() -> None:
    with pytest.raises(ValidationError, match="max_loss_pct"):
        SlaClass(name="x", max_latency_ms=1, max_jitter_ms=1, max_loss_pct=101)


@pytest.mark.parametrize(
    ("spec", "expected"), [("443", (443, 443)), ("10000-20000", (10000, 20000))]
)
def test_port_ranges_parse(spec: str, expected: tuple[int, int]) -> None:
    assert parse_port_range(spec) == expected


@pytest.mark.parametrize("spec", ["0", "70000", "200-100", "http", "1-2-3"])
def test_bad_port_specs_are_rejected(spec: str) -> None:
    with pytest.raises(ValueError, match="port"):
        parse_port_range(spec)


def test_application_needs_a_way_to_be_recognised() -> None:
    base = {"name": "x", "priority": "low", "sla_class": "bulk", "expected_kbps": 10}
    with pytest.raises(ValidationError, match="give at least one of ports, dscp or destinations"):
        Application.model_validate({**base, "match": {"protocol": "tcp"}})
    with pytest.raises(ValidationError, match="ports need protocol tcp or udp"):
        Application.model_validate({**base, "match": {"protocol": "icmp", "ports": [80]}})
    app = Application.model_validate(
        {**base, "match": {"protocol": "udp", "ports": [53, "5000-5010"]}}
    )
    assert app.match.ports == ("53", "5000-5010")
    assert app.model_dump(mode="json")["match"]["ports"] == [53, "5000-5010"]


def test_destinations_must_be_written_as_prefixes() -> None:
    base = {"name": "x", "priority": "low", "sla_class": "bulk", "expected_kbps": 10}
    for bad in (False, 0, 167772160):
        with pytest.raises(ValidationError, match="write the prefix as text"):
            Application.model_validate({**base, "match": {"destinations": [bad]}})
    app = Application.model_validate({**base, "match": {"destinations": ["10.1.11.0/24"]}})
    assert str(app.match.destinations[0]) == "10.1.11.0/24"
