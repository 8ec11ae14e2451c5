"""Shared fixtures: tiny archives built in a temporary folder, with the project's real templates and config."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from demarche.pipeline import Project

ROOT = Path(__file__).resolve().parent.parent
HAND_WRITTEN = ("about.md", "methodology.md", "contributing.md", "open-data.md", "search.md", "assets")


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
