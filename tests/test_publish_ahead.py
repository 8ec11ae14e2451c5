"""MkDocs is started during generation (publish.start, sitebuild.py): its start, the copy of site/, the pages'
front matter and the theme's templates are done while generation runs, and it builds only once told
what changed. A dirty build's MkDocs starts with generation, a full build's once the sources are checked.
A MkDocs that is not needed (nothing to publish, a failed generation, a killed build) ends without
building, and leaves neither a folder nor a process behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import File
from mkdocs.structure.pages import Page

from demarche import pipeline, publish
from demarche.cache import SourceCache
from demarche.pipeline import Project, build, build_site
from demarche.problems import ContentError
from demarche.sitebuild import ABANDONED, _ReadAhead
from tests.conftest import MINIMAL, make_project
from tests.test_incremental_publish import TEXT, edit, inodes

pytestmark = pytest.mark.slow


def sitebuilds() -> list[int]:
    """This process's children that run sitebuild.py (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rpartition(")")[2].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == os.getpid() and b"demarche.sitebuild" in command:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[publish.Started]:
    """Each MkDocs the pipeline starts."""
    found: list[publish.Started] = []

    def start(*args: Any, **kwargs: Any) -> publish.Started:
        found.append(publish.start(*args, **kwargs))
        return found[-1]

    monkeypatch.setattr(pipeline, "start_mkdocs", start)
    return found


@pytest.fixture
def built(tmp_path: Path) -> Project:
    project = make_project(tmp_path / "p", MINIMAL)
    build(project)
    return project


def test_a_started_mkdocs_whose_input_ends_builds_nothing(built: Project) -> None:
    """As when the build that started it is killed: the kernel closes its stdin, and it ends, releasing the lock."""
    before = inodes(built.site)
    started = publish.start(built.root, previous=built.site)
    assert started.dirty
    assert started.process.stdin is not None
    started.process.stdin.close()
    assert started.process.wait(timeout=120) == ABANDONED
    publish.abandon(started)
    assert [p.name for p in built.root.glob("site*")] == ["site"]
    assert inodes(built.site) == before


def test_a_failed_generation_stops_the_mkdocs_started_for_it(built: Project, started: list[publish.Started]) -> None:
    before = inodes(built.site)
    edit(built.root, TEXT, "speaker: sergei-lavrov", "speaker: nobody-known")
    with pytest.raises(ContentError):
        build_site(built)
    assert [s.process.returncode for s in started] == [-signal.SIGKILL]
    assert sitebuilds() == []
    assert [p.name for p in built.root.glob("site*")] == ["site"]
    assert inodes(built.site) == before


def test_sources_with_errors_start_no_full_build(tmp_path: Path, started: list[publish.Started]) -> None:
    """A full build's MkDocs starts only once the sources are checked: with an error in them, none is started."""
    project = make_project(tmp_path / "p", MINIMAL)
    edit(project.root, TEXT, "speaker: sergei-lavrov", "speaker: nobody-known")
    with pytest.raises(ContentError):
        build_site(project)
    assert started == []
    assert sitebuilds() == []
    assert list(project.root.glob("site*")) == []


@pytest.mark.parametrize("dirty", [False, True], ids=["full", "dirty"])
def test_mkdocs_starts_when_generation_leaves_a_processor_free(
    tmp_path: Path, started: list[publish.Started], monkeypatch: pytest.MonkeyPatch, dirty: bool
) -> None:
    """A dirty build's MkDocs starts with generation, before the sources are read (few are, after a small change);
    a full build's once they are read and checked (loading takes both processors), before the link stage."""
    project = make_project(tmp_path / "p", MINIMAL)
    if dirty:
        build(project)
        edit(project.root, TEXT, "He recalled", "He then recalled")
        started.clear()
    events: list[str] = []
    load, link = SourceCache.load, pipeline.link

    def loading(self: SourceCache, *args: Any, **kwargs: Any) -> Any:
        events.append(f"load ({len(started)} started)")
        return load(self, *args, **kwargs)

    def linking(*args: Any, **kwargs: Any) -> Any:
        events.append(f"link ({len(started)} started)")
        return link(*args, **kwargs)

    monkeypatch.setattr(SourceCache, "load", loading)
    monkeypatch.setattr(pipeline, "link", linking)
    report, published = build_site(project)
    assert events == [f"load ({int(dirty)} started)", "link (1 started)"]
    assert [s.dirty for s in started] == [dirty]
    assert published is not None and published.dirty is dirty
    assert report.written


def test_a_generation_that_changes_no_page_stops_the_mkdocs_started_for_it(
    built: Project, started: list[publish.Started]
) -> None:
    """A source saved again unchanged: generation runs (its file's time changed), docs/ stays as it was, MkDocs has nothing to do."""
    before = inodes(built.site)
    source = built.root / TEXT
    info = source.stat()
    os.utime(source, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    report, published = build_site(built)
    assert (report.written, published) == ((), None)
    assert [s.process.returncode for s in started] == [-signal.SIGKILL]
    assert sitebuilds() == []
    assert [p.name for p in built.root.glob("site*")] == ["site"]
    assert inodes(built.site) == before


def test_pages_read_ahead_are_taken_only_from_the_file_read(built: Project, tmp_path: Path) -> None:
    """A page that generation writes after it was read ahead is read again; the others are taken as read."""
    config = load_config(config_file=str(built.config_file), site_dir=str(tmp_path / "out"), strict=True)
    ahead = _ReadAhead(config.theme.get_env())
    ahead.run(config)
    (built.docs / "about.md").write_text("---\nupdated: 2030-01-01\n---\n# About\n", encoding="utf-8")
    pages = {
        uri: Page(None, File(uri, config.docs_dir, config.site_dir, config.use_directory_urls), config)
        for uri in ("about.md", "index.md")
    }
    assert ahead.read_source(pages["about.md"], config) is False
    assert ahead.read_source(pages["index.md"], config) is True
    fresh = Page(None, File("index.md", config.docs_dir, config.site_dir, config.use_directory_urls), config)
    fresh.read_source(config)
    assert (pages["index.md"].markdown, pages["index.md"].meta) == (fresh.markdown, fresh.meta)
    compiled = {key[1] for key, _ in ahead.env.cache.items()} if ahead.env.cache is not None else set()
    assert {"main.html", "base.html", "404.html", "sitemap.xml"} <= compiled


def test_the_word_to_build_reaches_mkdocs_before_what_runs_meanwhile(tmp_path: Path) -> None:
    """What the build writes while MkDocs builds (publish.build's meanwhile) holds Python's lock for long stretches;
    the line that tells MkDocs to build (a dirty build's names every unchanged page) is written whole before it
    starts, so MkDocs does not wait for that work. A child takes the place of MkDocs and notes (on the system's
    monotonic clock) when the whole line came; meanwhile is one long call that holds the lock throughout."""
    mark = tmp_path / "line-read"
    child = (
        "import sys, time, pathlib; print('ready', flush=True); line = sys.stdin.readline(); "
        f"pathlib.Path({str(mark)!r}).write_text(f'{{time.monotonic()}} {{len(line)}}')"
    )
    process = subprocess.Popen([sys.executable, "-c", child], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    line = json.dumps({"unchanged": [f"sources/source-{n:06d}/index.md" for n in range(60_000)]}) + "\n"  # about 2 MB
    ended: list[float] = []

    def meanwhile() -> None:
        sum(range(200_000_000))  # C code that keeps the lock until it returns
        ended.append(time.monotonic())

    publish._communicated(process, line, meanwhile)
    came, length = mark.read_text().split()
    assert int(length) == len(line)
    assert float(came) < ended[0], "the line came only after meanwhile's work"
