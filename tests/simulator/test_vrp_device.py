"""The VRP-like device of the SSH CLI CPE, without SSH: what it takes, what it refuses and how,
its lock and its trial timer."""

from __future__ import annotations

import time

from simulator.lab.vrp.device import Session, VrpDevice
from sites.config.cli_diff import cli_remediation
from sites.config.vrp import render_vrp
from tests.sites.cpe_fixtures import REFERENCE_SITES, site_configs


def typed(session: Session, *lines: str) -> list[str]:
    return [session.handle(line)[0] for line in lines]


def test_the_reference_configurations_typed_as_remediation_display_as_rendered() -> None:
    for site in REFERENCE_SITES.values():
        for config in site_configs(site).values():
            device = VrpDevice()
            session = device.session()
            text = render_vrp(config)
            lines = cli_remediation(text, device.display()).remediation
            answers = typed(session, "system-view", *lines, "return")
            assert [a for a in answers[1:] if a] == []
            assert device.display() + "\n" == text


def test_a_refusal_puts_the_caret_under_the_word_at_fault_and_changes_nothing() -> None:
    device = VrpDevice()
    session = device.session()
    typed(session, "system-view", "sdwan wan-link mpls-1")
    prompt = session.prompt
    assert prompt == "[HUAWEI-sdwan-wan-link-mpls-1]"
    before = device.display()
    cases = {
        " utilization upper 170 lower 50": ("Wrong parameter", len(" utilization upper ")),
        " utilisation upper 70 lower 50": ("Unrecognized command", 1),
        " utilization upper 70": ("Incomplete command", len(" utilization upper 70") + 1),
        " bandwidth down 10 up 10 now": ("Too many parameters", len(" bandwidth down 10 up 10 ")),
        " transport Carrier-Pigeon": ("Wrong parameter", len(" transport ")),
    }
    for line, (message, column) in cases.items():
        (answer,) = typed(session, line)
        caret, error = answer.split("\n")
        assert error == f"Error: {message} found at '^' position."
        assert caret == " " * (len(prompt) + column) + "^", line
    assert device.display() == before


def test_single_valued_commands_replace_and_undo_removes() -> None:
    device = VrpDevice()
    session = device.session()
    typed(session, "system-view", "sdwan application erp", " link mpls-1", " match port 443",
          " match port 8443", " link inet-1", " undo match port 443", "quit")  # fmt: skip
    # the new link replaced the old one in its place
    assert "sdwan application erp\n link inet-1\n match port 8443\n#" in device.display()
    typed(session, "undo sdwan application erp")
    assert "erp" not in device.display()
    assert typed(session, "undo sdwan application erp") == [
        "Error: The configuration does not exist."
    ]


def test_the_lock_keeps_other_sessions_out_until_released_or_gone() -> None:
    device = VrpDevice()
    first, second = device.session(), device.session()
    typed(second, "system-view")
    typed(first, "configuration exclusive")
    assert typed(second, "sysname other") == ["Error: The configuration is locked by another user."]
    assert typed(second, "return", "configuration exclusive")[1].startswith("Error: ")
    first.close()  # the session that held it ends
    assert typed(second, "configuration exclusive")[0].startswith("Info: ")


def test_a_trial_not_confirmed_goes_back_to_where_it_began_even_when_restarted() -> None:
    device = VrpDevice()
    session = device.session()
    typed(session, "configuration trial 600", "system-view", "sysname one", "return")
    typed(session, "configuration trial 1")  # the timer starts again, from the same start
    assert device.name == "one"
    deadline = time.monotonic() + 10
    while device.name != "HUAWEI":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert typed(session, "configuration confirm") == ["Error: No configuration trial is running."]
    typed(session, "configuration trial 600", "system-view", "sysname two", "return")
    assert typed(session, "configuration confirm")[0].startswith("Info: ")
    assert device.name == "two"
    device.close()


def test_save_asks_first() -> None:
    device = VrpDevice()
    session = device.session()
    assert typed(session, "save")[0].endswith("[Y/N]:")
    assert session.prompt == ""
    assert typed(session, "n") == ["Info: The configuration was not saved."]
    assert "vrpcfg.cfg" not in device.files
    typed(session, "save", "y")
    assert device.files["vrpcfg.cfg"] == device.display()
