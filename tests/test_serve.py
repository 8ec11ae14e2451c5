"""`demarche serve`'s watcher, with the real watchdog observer on a project in a temporary folder.

Each change regenerates once, after its burst of events; reading files (as generation itself does)
regenerates nothing, and the watcher then takes next to no CPU time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from demarche.pipeline import Project, generate
from demarche.serve import Regenerator, Watcher, watch

SOURCE = "sources/texts/2021/lavrov-osce.md"
PAGE = "sources/lavrov-osce.md"
QUIET = 0.2
SETTLE = 1.0  # longer than watchdog's inotify buffer (0.5 s) and the quiet time together: a late regeneration would show


@pytest.fixture
def watched(project: Callable[..., Project]) -> Iterator[tuple[Project, Watcher]]:
    p = project()
    generate(p)
    watcher = watch(p, quiet=QUIET)
    try:
        yield p, watcher
    finally:
        watcher.stop()


def edit_in_place(path: Path) -> None:
    """An editor that writes the file in several writes."""
    text = path.read_text(encoding="utf-8").replace("He recalled", "He then recalled")
    with path.open("w", encoding="utf-8") as f:
        for part in (text[:40], text[40:80], text[80:]):
            f.write(part)
            f.flush()
            os.fsync(f.fileno())


def save_by_rename(path: Path) -> None:
    """An editor that writes a temporary file and renames it over the old one (vim, VS Code, gedit)."""
    temporary = path.with_name(f".{path.name}.swp")
    temporary.write_text(path.read_text(encoding="utf-8").replace("He recalled", "He then recalled"), encoding="utf-8")
    os.replace(temporary, path)


def edit_template(root: Path) -> None:
    template = root / "templates/source.md.j2"
    template.write_text(template.read_text(encoding="utf-8").replace("## Mentions", "## Mentions\n\nHe then recalled."))


def add_source(root: Path) -> None:
    (root / "sources/texts/2021/another.md").write_text(
        "---\ntitle: Another\ndate: 2021-12-05\nkind: article\n---\nHe then recalled the Bucharest decision.\n", encoding="utf-8"
    )


def edit_three_sources(root: Path) -> None:
    for path in sorted((root / "sources/actors").glob("*.md")):
        path.write_text(path.read_text(encoding="utf-8") + "\nHe then recalled.\n", encoding="utf-8")


EDITS: dict[str, tuple[Callable[[Path], None], str]] = {
    "written in place in several writes": (lambda root: edit_in_place(root / SOURCE), PAGE),
    "saved through a temporary file renamed over it": (lambda root: save_by_rename(root / SOURCE), PAGE),
    "a template edited": (edit_template, PAGE),
    "a source added": (add_source, "sources/another.md"),
    "three records edited at once": (edit_three_sources, "actors/nato.md"),
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_one_change_regenerates_once(watched: tuple[Project, Watcher], edit: str) -> None:
    p, watcher = watched
    change, page = EDITS[edit]
    change(p.root)
    assert watcher.regenerator.ran.wait(10), "no regeneration after the change"
    watcher.regenerator.ran.clear()
    assert not watcher.regenerator.ran.wait(SETTLE), "generation's own reads or a late event regenerated again"
    assert watcher.regenerator.count == 1
    assert "He then recalled" in (p.docs / page).read_text(encoding="utf-8")


def test_a_removed_source_regenerates_once_and_its_page_goes(watched: tuple[Project, Watcher]) -> None:
    p, watcher = watched
    (p.root / SOURCE).unlink()
    assert watcher.regenerator.ran.wait(10)
    watcher.regenerator.ran.clear()
    assert not watcher.regenerator.ran.wait(SETTLE)
    assert watcher.regenerator.count == 1
    assert not (p.docs / PAGE).exists()


def test_reading_touching_or_writing_other_files_regenerates_nothing_and_the_watcher_idles(
    watched: tuple[Project, Watcher],
) -> None:
    p, watcher = watched
    (p.root / SOURCE).touch()  # only its time changes: there is nothing to regenerate
    (p.root / "sources/notes.txt").write_text("not a record", encoding="utf-8")
    (p.docs / "about.md").write_text((p.docs / "about.md").read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    for folder in (p.sources, p.templates, p.docs):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                path.read_bytes()
    generate(p)  # reads every source and template, as a regeneration does
    assert not watcher.regenerator.ran.wait(SETTLE)
    assert watcher.regenerator.count == 0
    start, wall = time.process_time(), time.monotonic()
    assert not watcher.regenerator.ran.wait(2.0)
    cpu, elapsed = time.process_time() - start, time.monotonic() - wall
    assert cpu < 0.05 * elapsed, f"{cpu:.3f} s of CPU in {elapsed:.1f} s of idling"


def test_a_broken_template_is_reported_and_watching_goes_on(
    watched: tuple[Project, Watcher], capsys: pytest.CaptureFixture[str]
) -> None:
    p, watcher = watched
    template = p.root / "templates/source.md.j2"
    good = template.read_text(encoding="utf-8")
    template.write_text(good + "{% if %}\n", encoding="utf-8")
    assert watcher.regenerator.ran.wait(10)
    watcher.regenerator.ran.clear()
    assert "demarche: template error: Expected an expression, got 'end of statement block'" in capsys.readouterr().err
    template.write_text(good.replace("## Mentions", "## Mentions\n\nHe then recalled."), encoding="utf-8")
    assert watcher.regenerator.ran.wait(10)
    assert watcher.regenerator.count == 2
    assert "He then recalled" in (p.docs / PAGE).read_text(encoding="utf-8")
    assert capsys.readouterr().err == "demarche: regenerated (1 pages changed)\n"


def test_the_regenerator_outlives_a_failure_and_runs_once_per_burst(capsys: pytest.CaptureFixture[str]) -> None:
    runs: list[int] = []

    def action() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("disk on fire")

    regenerator = Regenerator(action, quiet=QUIET)
    try:
        for _ in range(5):
            regenerator.changed()
        assert regenerator.ran.wait(10)
        regenerator.ran.clear()
        assert capsys.readouterr().err == "demarche: regeneration failed: RuntimeError: disk on fire\n"
        regenerator.changed()
        assert regenerator.ran.wait(10)
        assert runs == [0, 1] and regenerator.count == 2
    finally:
        regenerator.stop()
