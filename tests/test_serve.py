"""`demarche serve`'s watcher and server, with the real watchdog observer and the real build on a project in a
temporary folder, and HTTP requests to the server.

Each change builds once, after its burst of events; reading files (as the build itself does), and the
build's own writes to docs/, build nothing, and the watcher then takes next to no CPU time.
"""

from __future__ import annotations

import os
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from demarche.pipeline import Project, build
from demarche.serve import Regenerator, Serving, Watcher, watch

SOURCE = "sources/texts/2021/lavrov-osce.md"
PAGE = "sources/lavrov-osce.md"
QUIET = 0.2
BUILT = 120  # seconds a build may take on a loaded machine (MkDocs and Pagefind run in each)
SETTLE = 1.0  # longer than watchdog's inotify buffer (0.5 s) and the quiet time together: a late regeneration would show


@pytest.fixture
def watched(project: Callable[..., Project]) -> Iterator[tuple[Project, Watcher]]:
    p = project()
    build(p)
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
    assert watcher.regenerator.ran.wait(BUILT), "no regeneration after the change"
    watcher.regenerator.ran.clear()
    assert not watcher.regenerator.ran.wait(SETTLE), "generation's own reads or a late event regenerated again"
    assert watcher.regenerator.count == 1
    assert "He then recalled" in (p.docs / page).read_text(encoding="utf-8")
    assert "He then recalled" in published(p, page)


def published(p: Project, page: str) -> str:
    """The HTML of a docs page in site/."""
    return (p.site / page.removesuffix(".md") / "index.html").read_text(encoding="utf-8")


SITE_EDITS: dict[str, Callable[[Path], None]] = {
    "a hand-written page": lambda root: (root / "docs/about.md").write_text(
        (root / "docs/about.md").read_text(encoding="utf-8") + "\nHe then recalled.\n", encoding="utf-8"
    ),
    "overrides/": lambda root: (root / "overrides/main.html").write_text(
        (root / "overrides/main.html")
        .read_text(encoding="utf-8")
        .replace("{{ super() }}", "{{ super() }}<!-- He then recalled -->", 1),
        encoding="utf-8",
    ),
    "mkdocs.yml": lambda root: (root / "mkdocs.yml").write_text(
        (root / "mkdocs.yml").read_text(encoding="utf-8").replace("site_name: Demarche", "site_name: He then recalled"),
        encoding="utf-8",
    ),
}


@pytest.mark.parametrize("edit", SITE_EDITS, ids=list(SITE_EDITS))
def test_a_change_to_what_mkdocs_reads_rebuilds_the_site_once(watched: tuple[Project, Watcher], edit: str) -> None:
    p, watcher = watched
    SITE_EDITS[edit](p.root)
    assert watcher.regenerator.ran.wait(BUILT), "no build after the change"
    watcher.regenerator.ran.clear()
    assert not watcher.regenerator.ran.wait(SETTLE), "the build's own writes built again"
    assert watcher.regenerator.count == 1
    assert "He then recalled" in published(p, "about.md")


def test_a_removed_source_regenerates_once_and_its_page_goes(watched: tuple[Project, Watcher]) -> None:
    p, watcher = watched
    (p.root / SOURCE).unlink()
    assert watcher.regenerator.ran.wait(BUILT)
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
    (p.root / "notes.txt").write_text("not read by a build", encoding="utf-8")
    (p.docs / ".about.md.swp").write_text("an editor's temporary file", encoding="utf-8")
    for folder in (p.sources, p.templates, p.docs, p.root / "overrides"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                path.read_bytes()
    build(p)  # reads every source, template and docs file, as a build does
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
    assert watcher.regenerator.ran.wait(BUILT)
    watcher.regenerator.ran.clear()
    assert "demarche: template error: Expected an expression, got 'end of statement block'" in capsys.readouterr().err
    template.write_text(good.replace("## Mentions", "## Mentions\n\nHe then recalled."), encoding="utf-8")
    assert watcher.regenerator.ran.wait(BUILT)
    assert watcher.regenerator.count == 2
    assert "He then recalled" in (p.docs / PAGE).read_text(encoding="utf-8")
    # The page changed, and MkDocs rendered it, the nav's pages and the hand-written ones, of the 20.
    assert capsys.readouterr().err == "demarche: regenerated (1 pages changed; 14 of 21 pages rendered)\n"


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
        assert regenerator.ran.wait(BUILT)
        regenerator.ran.clear()
        assert capsys.readouterr().err == "demarche: regeneration failed: RuntimeError: disk on fire\n"
        regenerator.changed()
        assert regenerator.ran.wait(BUILT)
        assert runs == [0, 1] and regenerator.count == 2
    finally:
        regenerator.stop()


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=70) as response:  # the reload poll answers within 60 s
        return str(response.read().decode("utf-8"))


def test_serve_shows_an_edit_and_tells_the_browser_to_reload(
    project: Callable[..., Project], capsys: pytest.CaptureFixture[str]
) -> None:
    """The served page carries MkDocs' reload script; after an edit, its poll answers with a newer epoch (the
    browser reloads) and the page has the edit. Broken content is reported, and the last good site is served on."""
    p = project()
    build(p)
    serving = Serving(p, "127.0.0.1:0", quiet=QUIET)
    try:
        assert serving.url.startswith("http://127.0.0.1:") and serving.url.endswith("/demarche/")
        page = fetch(serving.url + "sources/lavrov-osce/")
        epoch = re.search(r"livereload\((\d+), \d+\)", page)
        assert epoch is not None and "He recalled" in page
        edit_in_place(p.root / SOURCE)
        assert int(fetch(f"{serving.url.removesuffix('/demarche/')}/livereload/{epoch[1]}/1")) > int(epoch[1])
        assert "He then recalled" in fetch(serving.url + "sources/lavrov-osce/")
        capsys.readouterr()
        serving.watcher.regenerator.ran.clear()
        source = p.root / SOURCE
        source.write_text(source.read_text(encoding="utf-8").replace("kind: article", "kind: artcle"), encoding="utf-8")
        assert serving.watcher.regenerator.ran.wait(BUILT)
        assert capsys.readouterr().err == (
            "sources/texts/2021/lavrov-osce.md:4:7: error: 'artcle' is not a known kind\n    hint: did you mean 'article'?\n1 error\n"
        )
        assert "He then recalled" in fetch(serving.url + "sources/lavrov-osce/")
    finally:
        serving.stop()
