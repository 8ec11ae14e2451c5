"""Shared fixtures: tiny archives built in a temporary folder, with the project's real templates and config, and the
golden sample archive built by MkDocs once per test run."""

from __future__ import annotations

import fcntl
import os
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from demarche.pipeline import Project, build

ROOT = Path(__file__).resolve().parent.parent
HAND_WRITTEN = ("about.md", "methodology.md", "contributing.md", "open-data.md", "search.md", "rights.md", "assets")


def make_project(folder: Path, files: dict[str, str | bytes], with_site_parts: bool = True) -> Project:
    """A project in folder: the given files (paths under it) plus the real templates, config and hand-written docs."""
    if with_site_parts:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copytree(ROOT / "templates", folder / "templates")
        shutil.copytree(ROOT / "overrides", folder / "overrides")
        shutil.copy(ROOT / "mkdocs.yml", folder / "mkdocs.yml")
        (folder / "docs").mkdir(parents=True)
        for name in HAND_WRITTEN:
            src = ROOT / "docs" / name
            if src.is_dir():
                shutil.copytree(src, folder / "docs" / name)
            elif src.exists():
                shutil.copy(src, folder / "docs" / name)
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return Project(folder)


MINIMAL: dict[str, str | bytes] = {
    "sources/actors/sergei-lavrov.md": """
        ---
        name: Sergei Lavrov
        kind: person
        aliases: [Lavrov, Сергей Лавров]
        roles:
          - title: Minister of Foreign Affairs
            of: russia
            from: 2004-03-09
        ---
        Minister of Foreign Affairs of the Russian Federation since 2004.
        """,
    "sources/actors/russia.md": """
        ---
        name: Russia
        kind: state
        aliases: [Russian Federation]
        ---
        The Russian Federation.
        """,
    "sources/actors/nato.md": """
        ---
        name: NATO
        kind: organization
        ---
        The North Atlantic Treaty Organization.
        """,
    "sources/agreements/bucharest-summit-declaration-2008.md": """
        ---
        title: Bucharest Summit Declaration
        kind: declaration
        date: 2008-04-03
        parties: [nato]
        aliases: [Bucharest decision]
        ---
        Issued by NATO heads of state and government in Bucharest.
        """,
    "sources/demands/no-further-nato-enlargement.md": """
        ---
        title: No further NATO enlargement to the east
        by: [russia]
        of: [nato]
        status: open
        ---
        That NATO admit no further members in the east of Europe.
        """,
    "sources/texts/2021/lavrov-osce.md": """
        ---
        title: Lavrov at the OSCE
        date: 2021-12-04
        kind: article
        publisher: Kommersant
        statements:
          - speaker: sergei-lavrov
            quote: "The further advance of NATO to the east will definitely affect Russia's security"
            date: 2021-12-02
            makes: [no-further-nato-enlargement]
            cites: [bucharest-summit-declaration-2008]
        ---
        Lavrov warned: “The further advance of NATO to the east will definitely affect Russia’s security.”
        He recalled the Bucharest decision.
        """,
}


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Project]:
    """Build a project from MINIMAL, with files added, replaced or (value None) removed."""

    made = iter(range(1_000))

    def build(changes: dict[str, str | bytes | None] | None = None, site_parts: bool = True) -> Project:
        files = dict(MINIMAL)
        for rel, content in (changes or {}).items():
            if content is None:
                files.pop(rel, None)
            else:
                files[rel] = content
        return make_project(tmp_path / f"p{next(made)}", files, with_site_parts=site_parts)

    return build


@pytest.fixture(scope="session")
def golden_site(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The golden sample archive generated into docs/ and built by MkDocs into site/, once per run: read it, never change it.

    Under pytest-xdist each worker is a process with a temporary folder of its own inside the run's: the first worker
    to take the lock builds the site there, the others wait for it and use the same one (pytest-xdist's documented
    pattern for a session fixture; fcntl's lock, as pytest-xdist does not bring filelock).
    """
    from tests.golden import golden_files  # tests.golden imports this module

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    folder, done = shared / "golden-site", shared / "golden-site.built"
    with (shared / "golden-site.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            build(make_project(folder, golden_files()))
            done.touch()
    return Project(folder)
