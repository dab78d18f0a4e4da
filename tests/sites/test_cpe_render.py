"""Rendering of the reference class-A, B and C configurations: golden files and diffs."""

from __future__ import annotations

from pathlib import Path

import pytest

from sites.config.cli_diff import cli_remediation
from sites.config.diff import Change, diff_configs
from sites.config.render import render
from sites.config.schema import NAMESPACE
from sites.config.vrp import render_vrp
from sites.config.xml import parse_xml, render_edit_config, render_xml
from sites.enums import Platform
from sites.errors import ConfigError
from tests.golden import check_golden
from tests.sites.cpe_fixtures import REFERENCE_SITES, site_configs

GOLDEN = Path(__file__).parent / "golden" / "cpe"
CASES = [
    (cls, serial)
    for cls, site_id in sorted(REFERENCE_SITES.items())
    for serial in site_configs(site_id)
]


@pytest.mark.parametrize(("cls", "serial"), CASES)
def test_rendering_matches_the_reviewed_golden_files(cls: str, serial: str) -> None:
    config = site_configs(REFERENCE_SITES[cls])[serial]
    check_golden(GOLDEN / f"class-{cls}-{serial}.xml", render_xml(config))
    check_golden(GOLDEN / f"class-{cls}-{serial}.vrp", render_vrp(config))


@pytest.mark.parametrize(("cls", "serial"), CASES)
def test_xml_reads_back_into_the_same_model(cls: str, serial: str) -> None:
    config = site_configs(REFERENCE_SITES[cls])[serial]
    assert parse_xml(render_xml(config)) == config
    assert parse_xml(f"<data>{render_edit_config(config)}</data>") == config


def test_rendering_is_deterministic() -> None:
    first = site_configs(REFERENCE_SITES["B"])
    again = site_configs(REFERENCE_SITES["B"])
    for serial, config in first.items():
        assert render_vrp(config) == render_vrp(again[serial])
        assert render_xml(config) == render_xml(again[serial])


def test_platform_names_the_dialect() -> None:
    config = site_configs(REFERENCE_SITES["C"])["LS-0001"]
    assert render(config, Platform.HUAWEI_VRP).startswith("#\nsysname br-lhasa-001\n")
    assert render(config, Platform.NETCONF).startswith("<cpe xmlns=")
    with pytest.raises(ConfigError, match="platform: no configuration dialect for 'cisco_ios'"):
        render(config, Platform.CISCO_IOS)


def test_structural_diff_names_the_changed_leaf() -> None:
    site = REFERENCE_SITES["C"]
    running = site_configs(site)["LS-0001"]
    intended = site_configs(site, steering={"office-web": "lte-1"})["LS-0001"]
    assert diff_configs(intended, running) == (
        Change("/cpe/application[name=office-web]/link", "inet-1", "lte-1"),
    )
    assert diff_configs(running, running) == ()
    added = diff_configs(intended, None)
    assert Change("/cpe/identity/hostname", None, "br-lhasa-001") in added
    assert all(c.before is None for c in added)
    removed = diff_configs(None, running)
    assert all(c.after is None for c in removed)
    assert len(removed) == len(added)


def test_structural_diff_sees_list_order_and_removed_entries() -> None:
    site = REFERENCE_SITES["A"]
    running = site_configs(site)["BJ-0001"]
    intended = running.model_copy(update={"tunnels": running.tunnels[1:][::-1]})
    rendered = [c.render() for c in diff_configs(intended, running)]
    assert rendered[0].startswith("~ /cpe/tunnel/(order): mstp-1.hub-0001, mstp-1.hub-0002")
    assert "- /cpe/tunnel[name=mstp-1.hub-0001]/remote = 172.16.0.1" in rendered


def test_cli_remediation_retypes_a_single_valued_command() -> None:
    site = REFERENCE_SITES["B"]
    running = render_vrp(site_configs(site)["HZ-0001"])
    intended = render_vrp(site_configs(site, steering={"office-web": "inet-1"})["HZ-0001"])
    diff = cli_remediation(intended, running)
    assert diff.remediation == ("sdwan application office-web", " link inet-1", " quit")
    assert diff.rollback == ("sdwan application office-web", " link mpls-1", " quit")
    assert diff.diff == ("sdwan application office-web", " - link mpls-1", " + link inet-1")
    assert cli_remediation(running, running).empty


def test_cli_remediation_undoes_what_is_no_longer_intended() -> None:
    site = REFERENCE_SITES["B"]
    running = render_vrp(site_configs(site)["HZ-0001"])
    intended = running.replace(" match port 443\n", "")
    diff = cli_remediation(intended, running)
    assert diff.remediation == ("sdwan application office-web", " undo match port 443", " quit")
    # A device with no configuration gets all of it.
    full = cli_remediation(running, "")
    assert full.remediation[0] == "sysname br-hangzhou-001-1"
    assert " link mpls-1" in full.remediation


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('<!DOCTYPE x [<!ENTITY a "b">]><cpe/>', "DTD or entities"),
        ("<cpe", "not well-formed"),
        (
            '<cpe xmlns="urn:branchline:yang:branchline-cpe"><x xmlns="urn:other"/></cpe>',
            "unexpected",
        ),
        (
            f'<cpe xmlns="{NAMESPACE}"><identity><site>x</site></identity></cpe>',
            "identity.hostname",
        ),
    ],
)
def test_a_bad_device_answer_is_a_config_error(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_xml(text)


def test_an_empty_datastore_has_no_configuration() -> None:
    assert parse_xml('<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>') is None
