"""Every command the README and the guides show is one the project has, as written: each
`branchline ...` line of a code block names a command that exists and only options it takes,
each `make X` a target of the Makefile, each `curl ... /api/v1/...` a route of the API with that
method. (What the commands then do is tested where they are built: tests/controller/test_cli.py,
test_demo.py, the ztp, config and sim tests.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from controller.app import create_app
from controller.cli import app as cli_app
from controller.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```(?:sh|bash|console)?\n(.*?)```", re.DOTALL)


def commands(page: Path) -> list[tuple[int, str]]:
    """(line, command) of every shell line in the page's code blocks, continuations joined and
    comments and prompts dropped."""
    text = page.read_text(encoding="utf-8")
    found = []
    for block in BLOCK.finditer(text):
        first = text.count("\n", 0, block.start(1)) + 1
        pending, start = "", 0
        for offset, raw in enumerate(block.group(1).splitlines()):
            line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
            line = line.removeprefix("$ ")
            if not pending:
                start = first + offset
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            whole = (pending + line).strip()
            pending = ""
            if whole:
                found.append((start, whole))
    return found


def shown(prefix: str) -> list[tuple[str, str]]:
    return [(f"{page.name}:{line}", command) for page in PAGES
            for line, command in commands(page) if command.startswith(prefix)]  # fmt: skip


def test_the_pages_show_commands_at_all() -> None:
    assert len(shown("branchline ")) > 40 and shown("make ") and shown("curl ")


def _is_group(command: Any) -> bool:
    """A group of commands (typer's own click, or click's)."""
    return hasattr(command, "commands")


@pytest.mark.parametrize(("where", "command"), shown("branchline "))
def test_each_branchline_command_exists_with_its_options(where: str, command: str) -> None:
    words = shlex.split(command.split("|", maxsplit=1)[0].split(">", maxsplit=1)[0])[1:]
    group: Any = typer.main.get_command(cli_app)
    path = ["branchline"]
    while _is_group(group) and words and words[0] in group.commands:
        path.append(words[0])
        group = group.commands[words.pop(0)]
    assert len(path) > 1 or not words, f"{where}: {command!r}: no such command"
    if _is_group(group) and words and not words[0].startswith("-"):
        pytest.fail(f"{where}: {' '.join(path)} has no command {words[0]!r}")
    takes = {opt for p in group.params for opt in (*p.opts, *p.secondary_opts)}
    for word in words:
        option = word.split("=", 1)[0]
        if option.startswith("-") and option not in ("-", "--"):
            assert option in takes, f"{where}: {' '.join(path)} takes no {option}"


@pytest.mark.parametrize(("where", "command"), shown("make "))
def test_each_make_target_exists(where: str, command: str) -> None:
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))
    target = command.split()[1]
    assert target in targets, f"{where}: make {target}: no such target"


def _routes() -> set[tuple[str, re.Pattern[str]]]:
    app = create_app(Settings(reconcile_interval_s=0))
    found = set()
    for path, methods in app.openapi()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/?]+", path) + "(\\?.*)?$")
        found |= {(m.upper(), pattern) for m in methods}
    return found


ROUTES: set[tuple[str, re.Pattern[str]]] = set()


@pytest.mark.parametrize(("where", "command"), shown("curl "))
def test_each_curl_reaches_a_route_with_its_method(where: str, command: str) -> None:
    if not ROUTES:
        ROUTES.update(_routes())
    words = shlex.split(command)
    urls = [w for w in words if "/api/v1" in w]
    assert urls, f"{where}: {command!r} names no /api/v1 address"
    sends = any(w in words for w in ("-d", "--data", "--data-binary", "-F"))
    method = words[words.index("-X") + 1] if "-X" in words else "POST" if sends else "GET"
    path = "/api/v1" + urls[0].split("/api/v1", 1)[1]
    assert any(m == method and p.match(path) for m, p in ROUTES), (
        f"{where}: {method} {path}: no such route"
    )
