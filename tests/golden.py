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


def golden_pages(folder: Path) -> dict[str, bytes]:
    """Every generated file of the golden sample, as the bytes written to docs/."""
    project: Project = make_project(folder, golden_files())
    _, pages, _ = generate_pages(project)
    return {doc: content.encode("utf-8") if isinstance(content, str) else content for doc, content in pages.items()}


def refresh() -> None:
    """Rewrite tests/golden/expected/ from the current code and templates: run after an intended change."""
    with tempfile.TemporaryDirectory() as tmp:
        pages = golden_pages(Path(tmp) / "golden")
    shutil.rmtree(EXPECTED, ignore_errors=True)
    for doc, data in pages.items():
        target = EXPECTED / doc
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    print(f"wrote {len(pages)} expected pages to {EXPECTED}")
