"""Screenshots the docs show, taken by the suite's browser: what a page looked like at one stage
(its DOM, Chromium's log and the picture), and the command that takes a set of them again."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.chromium import chromium, console_errors


@dataclass(frozen=True)
class Shot:
    stage: str
    language: str
    dom: str
    stderr: str
    png: Path


def shot(stage: str, language: str, url: str, *, png: Path, profile: Path, window: str) -> Shot:
    """`url` in headless Chromium (a profile of its own): its DOM, and its picture at `png`."""
    png.unlink(missing_ok=True)
    done = chromium(profile, "--dump-dom", url, window=window)
    chromium(profile, f"--screenshot={png}", url, window=window)
    return Shot(stage, language, done.stdout, done.stderr, png)


def visible(dom: str) -> str:
    """The page's text: its markup, script and style left out."""
    dom = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", dom, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", dom)


def each_view_says(shots: list[Shot], phrases: Mapping[str, Sequence[str]]) -> None:
    """Every shot's visible text holds each of its stage's `phrases`."""
    for shot in shots:
        text = visible(shot.dom)
        for words in phrases[shot.stage]:
            assert words in text, (shot.stage, words)


def take_all(out: Path, shoot: Callable[[str, Path, Path], list[Shot]], module: str) -> None:
    """Every stage of `shoot` in Chinese and English into `out`, each in a scratch directory,
    and the command that does it again (`python -m <module> <out>`)."""
    for language in ("zh", "en"):
        with tempfile.TemporaryDirectory(prefix="branchline-shots-") as work:
            for shot in shoot(language, out, Path(work)):
                print(f"{shot.png}  ({shot.stage}, {shot.language})")
    print(json.dumps({"command": f"python -m {module} {out}"}))


def taken(
    shoot: Callable[[str, Path, Path], list[Shot]],
    language: str,
    tmp_path: Path,
    stages: tuple[str, ...],
    min_bytes: int,
) -> list[Shot]:
    """Each of `stages` shot in `language` (in `tmp_path`): every one there, in order, with no
    console error and a picture of at least `min_bytes`."""
    shots = shoot(language, tmp_path / "out", tmp_path / "work")
    assert [s.stage for s in shots] == list(stages)
    for shot in shots:
        assert console_errors(shot.stderr) == [], shot.stage
        assert shot.png.stat().st_size > min_bytes, shot.stage
    return shots
