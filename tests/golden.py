"""The golden sample archive: its sources, and the generated Markdown expected from them."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from demarche.pipeline import Project, generate_pages
from tests.conftest import make_project

GOLDEN = Path(__file__).resolve().parent / "golden"
ARCHIVE = GOLDEN / "archive"
EXPECTED = GOLDEN / "expected"


def golden_files() -> dict[str, str | bytes]:
    return {p.relative_to(ARCHIVE).as_posix(): p.read_bytes() for p in sorted(ARCHIVE.rglob("*.md"))}


def golden_pages(folder: Path) -> dict[str, str]:
    project: Project = make_project(folder, golden_files())
    _, pages, _ = generate_pages(project)
    return pages


def refresh() -> None:
    """Rewrite tests/golden/expected/ from the current code and templates: run after an intended change."""
    with tempfile.TemporaryDirectory() as tmp:
        pages = golden_pages(Path(tmp) / "golden")
    shutil.rmtree(EXPECTED, ignore_errors=True)
    for doc, text in pages.items():
        target = EXPECTED / doc
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    print(f"wrote {len(pages)} expected pages to {EXPECTED}")
