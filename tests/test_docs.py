"""The documentation's pictures: every image a page shows exists, and every image kept is
shown somewhere (a picture no page uses is one nobody refreshes)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_every_image_a_page_shows_exists_and_every_image_is_shown() -> None:
    shown: set[Path] = set()
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            image = (page.parent / target).resolve()
            assert image.is_file(), f"{page.name} shows {target}, which does not exist"
            shown.add(image)
    kept = {p.resolve() for p in (DOCS / "images").glob("*.png")}
    assert kept, "docs/images holds no picture"
    assert kept <= shown, f"not shown by any page: {sorted(p.name for p in kept - shown)}"
