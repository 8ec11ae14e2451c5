"""A build that fails leaves the previous pages in docs/ and the previous site/ exactly as they were."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from demarche.cli import main
from demarche.pipeline import Project, build

pytestmark = pytest.mark.slow


def output_hashes(root: Path) -> dict[str, str]:
    """Every file under docs/ (hidden ones too) and site/ (and any staging folder beside site/), by path, with its hash."""
    found = {}
    for top in [root / "docs", *sorted(root.glob("site*"))]:
        for path in sorted(top.rglob("*")):
            if path.is_file():
                found[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def built(project: Callable[..., Project]) -> tuple[Project, dict[str, str]]:
    p = project()
    build(p)
    hashes = output_hashes(p.root)
    assert any(path.startswith("site/") for path in hashes) and "docs/sources/lavrov-osce.md" in hashes
    return p, hashes


def failed_build(p: Project, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["--root", str(p.root), "build"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    return err


def test_bad_content(built: tuple[Project, dict[str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    p, before = built
    path = p.sources / "texts/2021/lavrov-osce.md"
    path.write_text(path.read_text(encoding="utf-8").replace("kind: article", "kind: artcle"), encoding="utf-8")
    (p.sources / "actors/new-actor.md").write_text("---\nname: New\nkind: person\n---\n", encoding="utf-8")
    err = failed_build(p, capsys)
    assert "Traceback" not in err
    assert err.startswith("sources/texts/2021/lavrov-osce.md:4:7: error: 'artcle' is not a known kind\n")
    assert err.endswith("nothing was written: the previous pages and site are as they were\n")
    assert output_hashes(p.root) == before


@pytest.mark.parametrize(
    ("template", "breakage", "message"),
    [
        ("source.md.j2", "{% if %}\n", "demarche: template error: "),
        ("actor.md.j2", "{{ no_such_name }}\n", "demarche: template error: 'no_such_name' is undefined"),
        ("demand.md.j2", "{{ demand.title.no_such_attribute() }}\n", "demarche: template error: "),
    ],
    ids=["syntax-error", "undefined-name", "error-while-rendering"],
)
def test_broken_template(
    built: tuple[Project, dict[str, str]], capsys: pytest.CaptureFixture[str], template: str, breakage: str, message: str
) -> None:
    """Pages are rendered in memory, all of them, before the first is written: a template that
    fails on the last page leaves the first pages unwritten too."""
    p, before = built
    (p.sources / "actors/new-actor.md").write_text("---\nname: New\nkind: person\n---\n", encoding="utf-8")
    target = p.templates / template
    target.write_text(breakage + target.read_text(encoding="utf-8"), encoding="utf-8")
    err = failed_build(p, capsys)
    assert err.startswith(message) and "Traceback" not in err
    assert output_hashes(p.root) == before


def test_broken_theme_template(built: tuple[Project, dict[str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    """Pages render, but MkDocs fails on the theme's own templates (overrides/): the pages written
    for that build are taken back, so docs/ matches the site that is still published."""
    p, before = built
    (p.sources / "actors/new-actor.md").write_text("---\nname: New\nkind: person\n---\n", encoding="utf-8")
    target = p.root / "overrides/partials/actions.html"
    target.write_text("{% if %}\n" + target.read_text(encoding="utf-8"), encoding="utf-8")
    err = failed_build(p, capsys)
    assert err.startswith("demarche: ") and "actions.html" in err and err.endswith("the previous site is as it was\n")
    assert output_hashes(p.root) == before
