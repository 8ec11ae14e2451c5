"""A rebuild renders only what changed (MkDocs' dirty build on a hard-link copy of site/, sitebuild.py), and gives,
byte for byte, what a clean build of the same tree gives: every file of site/, Pagefind's bundle too.

Each case builds a small archive, changes it as a contributor would, builds again, and compares that
site/ with the one a clean build of the same sources, templates, hand-written pages and config makes
in a folder of its own. A build that fails or is killed leaves site/ as it was: the same files, the
same inodes, not written into.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from mkdocs.utils.yaml import yaml_load

from demarche import publish as publish_module
from demarche.pipeline import Project, build, build_site
from demarche.publish import PARTIAL, Published, PublishError
from demarche.write import read_manifest
from tests import conftest
from tests.conftest import MINIMAL, ROOT, make_project
from tests.faults import tree

pytestmark = pytest.mark.slow

TEXT = "sources/texts/2021/lavrov-osce.md"
ANOTHER = "sources/texts/2021/another.md"
BASE: dict[str, str | bytes] = {
    **MINIMAL,
    ANOTHER: "---\ntitle: Another\ndate: 2021-12-03\nkind: article\n---\nHe then recalled the Bucharest decision.\n",
}


def _nav_pages(nav: object) -> set[str]:
    if isinstance(nav, str):
        return {nav}
    if isinstance(nav, dict):
        return set().union(*(_nav_pages(v) for v in nav.values()))
    if isinstance(nav, list):
        return set().union(*(_nav_pages(v) for v in nav))
    return set()


# The pages of mkdocs.yml's nav, and the hand-written pages: rendered by every build.
with (ROOT / "mkdocs.yml").open(encoding="utf-8") as config:
    NAV = _nav_pages(yaml_load(config)["nav"])
HAND_WRITTEN = {name for name in conftest.HAND_WRITTEN if name.endswith(".md")}
ALWAYS = NAV | HAND_WRITTEN


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def rename_source(root: Path) -> None:
    """The record gets a new id (its file's name) and keeps the old one as a former id: the old URL redirects."""
    old = root / TEXT
    text = old.read_text(encoding="utf-8").replace("kind: article\n", "kind: article\nformer_ids: [lavrov-osce]\n", 1)
    (root / "sources/texts/2021/lavrov-at-the-osce.md").write_text(text, encoding="utf-8")
    old.unlink()


@dataclass(frozen=True)
class Change:
    make: Callable[[Path], None]
    dirty: bool
    rendered: frozenset[str]  # besides ALWAYS, on the dirty path


CHANGES: dict[str, Change] = {
    "a source's text edited": Change(
        lambda root: edit(root, TEXT, "He recalled", "He then recalled"), True, frozenset({"sources/lavrov-osce.md"})
    ),
    "a source added (a later date: the archive's, so SOURCE_DATE_EPOCH, moves)": Change(
        lambda root: (root / "sources/texts/2021/later.md").write_text(
            "---\ntitle: Later\ndate: 2021-12-09\nkind: article\n---\nNATO answered.\n", encoding="utf-8"
        ),
        True,
        frozenset({"sources/later.md", "sources/by-year/2021.md", "actors/nato.md"}),  # it names NATO
    ),
    "a source removed": Change(
        lambda root: (root / ANOTHER).unlink(),
        True,
        frozenset({"sources/by-year/2021.md", "agreements/bucharest-summit-declaration-2008.md"}),  # it named it
    ),
    "a record renamed, with former_ids": Change(
        rename_source,
        True,
        frozenset(
            {
                "sources/lavrov-at-the-osce.md",
                "sources/by-year/2021.md",
                "timeline/2021.md",
                *("actors/nato.md", "actors/russia.md", "actors/sergei-lavrov.md"),  # each links to it
                "agreements/bucharest-summit-declaration-2008.md",
                "demands/no-further-nato-enlargement.md",
            }
        ),
    ),
    "a hand-written page edited": Change(
        lambda root: edit(root, "docs/about.md", "\n", "\nA sentence added by hand.\n"), True, frozenset()
    ),
    "a template edited": Change(
        lambda root: edit(root, "templates/source.md.j2", "## Mentions", "## Mentions\n\nMentioned here."),
        True,
        frozenset({"sources/lavrov-osce.md", "sources/another.md"}),
    ),
    "overrides/ edited": Change(
        lambda root: edit(root, "overrides/main.html", "{% extends", "{#- changed -#}\n{% extends"), False, frozenset()
    ),
    "mkdocs.yml edited": Change(
        lambda root: edit(root, "mkdocs.yml", "site_description: An archive", "site_description: The archive"),
        False,
        frozenset(),
    ),
}


def clean_copy(project: Project, folder: Path) -> Project:
    """The same sources, templates, overrides/, mkdocs.yml and hand-written docs, with nothing built."""
    folder.mkdir()
    for name in ("sources", "templates", "overrides"):
        shutil.copytree(project.root / name, folder / name)
    shutil.copy(project.config_file, folder / "mkdocs.yml")
    generated = read_manifest(project.docs)
    for path in sorted(project.docs.rglob("*")):
        rel = path.relative_to(project.docs)
        if path.is_file() and rel.as_posix() not in generated and not any(p.startswith(".") for p in rel.parts):
            (folder / "docs" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, folder / "docs" / rel)
    return Project(folder)


def rebuilt(tmp_path: Path, change: Callable[[Path], None]) -> tuple[Project, Published | None]:
    project = make_project(tmp_path / "p", BASE)
    _, first = build_site(project)
    assert first is not None and not first.dirty
    change(project.root)
    return project, build_site(project)[1]


@pytest.mark.parametrize("name", CHANGES, ids=list(CHANGES))
def test_a_rebuild_equals_a_clean_build(tmp_path: Path, name: str) -> None:
    change = CHANGES[name]
    project, published = rebuilt(tmp_path, change.make)
    assert published is not None
    clean = clean_copy(project, tmp_path / "clean")
    _, full = build_site(clean)
    assert full is not None and not full.dirty
    assert tree(project.site) == tree(clean.site)
    assert "pagefind/pagefind.js" in tree(project.site)
    assert (published.dirty, published.pages) == (change.dirty, full.pages)
    if change.dirty:
        assert set(published.rendered) == ALWAYS | change.rendered
    else:
        assert sorted(published.rendered) == sorted(full.rendered)
    assert build_site(project)[1] is None, "a build with nothing changed runs MkDocs again"


def test_a_removed_page_leaves_nothing_behind(tmp_path: Path) -> None:
    project, published = rebuilt(tmp_path, lambda root: (root / ANOTHER).unlink())
    assert published is not None and published.dirty
    assert not (project.site / "sources/another").exists()
    assert [p.name for p in project.root.glob("site*")] == ["site"]


def inodes(site: Path) -> dict[str, tuple[int, int, int, bytes]]:
    """Each file of site/ by its path: its inode, size, time of last write, and bytes."""
    found = {}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            info = path.stat()
            found[path.relative_to(site).as_posix()] = (info.st_ino, info.st_size, info.st_mtime_ns, path.read_bytes())
    return found


def test_a_dirty_build_that_fails_leaves_site_untouched_and_the_next_one_is_dirty(tmp_path: Path) -> None:
    """MkDocs' strict mode stops the build at its very end, after every page and file is written into
    the copy: none of those writes reached site/ through a hard link."""
    project = make_project(tmp_path / "p", BASE)
    build(project)
    before = inodes(project.site)
    edit(project.root, TEXT, "He recalled", "He then recalled")
    edit(project.root, "docs/about.md", "\n", "\nSee [nowhere](nowhere.md).\n")
    with pytest.raises(PublishError) as failure:
        build(project)
    assert str(failure.value).endswith(
        "WARNING -  Doc file 'about.md' contains a link 'nowhere.md', but the target is not found among documentation files."
    )
    assert inodes(project.site) == before
    assert [p.name for p in project.root.glob("site*")] == ["site"]
    edit(project.root, "docs/about.md", "See [nowhere](nowhere.md).", "See nothing.")
    _, published = build_site(project)
    assert published is not None and published.dirty, "the stamp of the site still in place was lost"
    assert tree(project.site) == tree(build_clean(project, tmp_path / "clean").site)


def build_clean(project: Project, folder: Path) -> Project:
    clean = clean_copy(project, folder)
    build(clean)
    return clean


def test_a_dirty_build_killed_after_it_replaced_pages_leaves_site_untouched(tmp_path: Path) -> None:
    """The build is killed (with MkDocs) as soon as a page of the copy is a file of its own, no longer site/'s."""
    project = make_project(tmp_path / "p", BASE)
    build(project)
    before = inodes(project.site)
    edit(project.root, TEXT, "He recalled", "He then recalled")
    process = subprocess.Popen(
        [sys.executable, "-m", "demarche", "--root", str(project.root), "build"],
        env={**os.environ, "PYTHONPATH": str(ROOT / "build")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        replaced = wait_for_a_replaced_page(project.root, before["index.html"][0], process)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert replaced, "the build ended before a page of the copy was replaced"
    assert inodes(project.site) == before
    _, published = build_site(project)
    assert published is not None and not published.dirty  # no stamp: a killed build is not trusted
    assert tree(project.site) == tree(build_clean(project, tmp_path / "clean").site)
    assert [p.name for p in project.root.glob("site*")] == ["site"]


def wait_for_a_replaced_page(root: Path, inode: int, process: subprocess.Popen[bytes], timeout: float = 60) -> bool:
    """Poll until the staged copy's index.html is another file than site/'s; False if the build ends first."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and process.poll() is None:
        for staging in root.glob(f"site.*{PARTIAL}"):
            try:
                if (staging / "index.html").stat().st_ino != inode:
                    return True
            except FileNotFoundError:
                pass
    return False


def test_the_previous_site_is_removed_in_the_background_without_the_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`demarche build` leaves the previous site to a process of its own, started once the build is done: held up
    (here on a FIFO), it leaves the previous site under its partial name, where no reader looks; the next
    build, even one with nothing to do, does not wait for it (it holds no lock) and removes what is left;
    the remover, let go, ends without a trace."""
    project = make_project(tmp_path / "p", BASE)
    build(project)
    fifo = tmp_path / "hold"
    os.mkfifo(fifo)
    monkeypatch.setattr(publish_module, "_REMOVER", f"open({str(fifo)!r}).read(); {publish_module._REMOVER}")
    edit(project.root, TEXT, "He recalled", "He then recalled")
    _, published = build_site(project, background=True)
    assert published is not None and published.dirty
    remover = publish_module._REMOVERS[-1]
    assert [p.name.endswith(PARTIAL) for p in project.root.glob("site.*")] == [True]
    assert build_site(project)[1] is None
    assert [p.name for p in project.root.glob("site*")] == ["site"]
    with fifo.open("w"):
        pass
    assert remover.wait(timeout=60) == 0
    assert tree(project.site) == tree(build_clean(project, tmp_path / "clean").site)
    assert [p.name for p in project.root.glob("site*")] == ["site"]


def test_a_build_that_needs_no_removal_starts_no_remover(tmp_path: Path) -> None:
    """The first build has no previous site: nothing is left to remove, and no process is started for it."""
    project = make_project(tmp_path / "p", BASE)
    before = list(publish_module._REMOVERS)
    _, published = build_site(project, background=True)
    assert published is not None and not published.dirty
    assert before == publish_module._REMOVERS
    assert [p.name for p in project.root.glob("site*")] == ["site"]
