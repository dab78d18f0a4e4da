"""`branchline policy lint`, run as a user runs it: the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.conftest import BRANCHLINE, DATA

SMALL = str(DATA / "small.yaml")


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert BRANCHLINE.exists(), "the console script is installed by `pip install -e .`"
    return subprocess.run(
        [str(BRANCHLINE), *args],
        input=stdin,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_defaults_without_a_file_are_clean_and_show_the_anchors() -> None:
    result = run("policy", "lint")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "policy built-in defaults (no inventory: network checks skipped)" in out
    assert "ok: no findings" in out
    assert "flap dampening reaches its cap after 4 quick flaps" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert rows["this"][2:] == ["1", "s", "1", "s", "5", "s", "60", "s", "15", "min"]
    for anchor in ("Cisco", "Fortinet", "VeloCloud", "Versa", "mwan3", "flexiWAN", "RFC"):
        assert anchor in rows, out
    assert rows["mwan3"][1:] == ["10", "s", "50", "s", "50", "s", "50", "s", "-"]


def test_reference_network_is_clean(tmp_path: Path) -> None:
    ref = str(tmp_path / "ref.yaml")
    made = run("inventory", "generate", "--branches", "340", "--seed", "7", "-o", ref)
    assert made.returncode == 0, made.stderr
    result = run("policy", "lint", "--inventory", ref)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"against {ref} (341 sites, 16 applications)" in result.stdout
    assert "ok: no findings" in result.stdout


def test_an_error_exits_1_and_names_field_and_code(tmp_path: Path) -> None:
    policy = write(
        tmp_path,
        "p.yaml",
        "utilization:\n  primary: {upper: 0.70, lower: 0.65}\nsla_dampening:\n  hold_down_s: 0.5\n",
    )
    result = run("policy", "lint", policy)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("error sla_dampening.hold_down_s: hold-down 0.5 s is shorter")
    assert lines[1].endswith("(hold-down-below-probe)")
    assert lines[2].startswith("warning utilization.primary: the primary band 0.65-0.70")
    assert lines[-1] == "1 error, 1 warning"


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    result = run("policy", "lint", "--probe-interval", "10")  # mwan3's cadence
    assert result.returncode == 0, result.stderr
    assert "warning sla_dampening.bad_samples: a brown-out moves traffic only after" in (
        result.stdout
    )
    assert result.stdout.splitlines()[-1] == "0 errors, 1 warning"


def test_json_policy_from_stdin_with_a_json_report() -> None:
    policy = json.dumps({"offload_priorities": [], "sla_dampening": {"bad_samples": 3}})
    result = run("policy", "lint", "-", "--json", "--probe-interval", "0.5", stdin=policy)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert [(f["severity"], f["code"], f["field"]) for f in report["findings"]] == [
        ("error", "hysteresis-moves-nothing", "offload_priorities")
    ]
    assert report["timing"] == {
        "probe_interval_s": 0.5,
        "detect_multiplier": 1,
        "recover_probes": 1,
        "detect_down_s": 0.5,
        "detect_sla_s": 1.5,
        "fail_back_s": 60.0,
        "fail_back_flapping_s": 900.0,
        "flaps_to_max": 4,
    }
    fortinet = next(a for a in report["anchors"] if a["system"] == "Fortinet")
    assert (fortinet["detect_down_s"], fortinet["fail_back_s"]) == (2.5, 2.5)


def test_an_invalid_policy_reports_every_problem_with_line_and_field(tmp_path: Path) -> None:
    policy = write(
        tmp_path,
        "bad.yaml",
        "utilization:\n"
        "  backup: {upper: 0.5, lower: 0.6}\n"
        "sla_dampening:\n"
        "  bad_samples: 0\n"
        "predictive_retrun: true\n",
    )
    result = run("policy", "lint", policy)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"{policy}:2: utilization.backup: Value error, need 0 < lower < upper <= 1, "
        "got lower=0.6, upper=0.5"
    )
    assert lines[1].startswith(f"{policy}:4: sla_dampening.bad_samples: ")
    assert lines[2] == f"{policy}:5: predictive_retrun: Extra inputs are not permitted (got True)"
    assert lines[3] == "3 problems; the policy was not linted."

    as_json = run("policy", "lint", policy, "--json")
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert (report["ok"], report["invalid"]) == (False, "policy")
    assert [p["field"] for p in report["problems"]] == [
        "utilization.backup",
        "sla_dampening.bad_samples",
        "predictive_retrun",
    ]


def test_syntax_errors_and_missing_files_are_problems_too(tmp_path: Path) -> None:
    broken = run("policy", "lint", "-", stdin='{"sla_dampening": {"hold_down_s": 0},}')
    assert broken.returncode == 1
    assert broken.stderr.startswith("<stdin>:1: (document): not valid JSON:")
    missing = run("policy", "lint", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 1
    assert "cannot read file" in missing.stderr
    listed = run("policy", "lint", "-", stdin="- sla\n")
    assert listed.returncode == 1
    assert "expected a mapping at the top, got list" in listed.stderr


def test_inventory_checks_name_the_application(tmp_path: Path) -> None:
    policy = write(tmp_path, "p.json", '{"applications": {"o32-tradng": {"modes": ["sla"]}}}')
    result = run("policy", "lint", policy, "--inventory", SMALL)
    assert result.returncode == 1, result.stderr
    assert "error applications.o32-tradng: no application 'o32-tradng'" in result.stdout
    assert "did you mean 'o32-trading'?" in result.stdout


def test_an_invalid_inventory_is_reported_like_inventory_validate(tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "net.yaml",
        Path(SMALL).read_text(encoding="utf-8").replace("latitude: 30.2741", "latitude: 130"),
    )
    result = run("policy", "lint", "--inventory", bad)
    assert result.returncode == 1
    assert f"{bad}:40: sites[1].latitude:" in result.stderr
    assert "1 problem; nothing was loaded." in result.stderr


def test_a_bad_probe_interval_is_a_usage_error() -> None:
    result = run("policy", "lint", "--probe-interval", "0")
    assert result.returncode == 2
    assert "--probe-interval" in result.stderr


def test_a_probe_preset_counts_its_detect_multiplier_and_recover_count() -> None:
    done = run("policy", "lint", "--probe", "mwan3", "--json")
    assert done.returncode == 0, done.stderr
    timing = json.loads(done.stdout)["timing"]
    assert (timing["detect_multiplier"], timing["recover_probes"]) == (5, 5)
    assert (timing["detect_down_s"], timing["fail_back_s"]) == (50.0, 140.0)
    wrong = run("policy", "lint", "--probe", "bfd")
    assert wrong.returncode == 2 and "cisco-bfd" in wrong.stderr
