"""End to end: the real MkDocs build of the golden archive, checked in the built HTML of each page kind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from demarche.pipeline import Project, build
from tests.conftest import make_project
from tests.golden import golden_files

pytestmark = pytest.mark.slow


@pytest.fixture
def site(golden_site: Project) -> Path:
    return golden_site.root / "site"


def html(site: Path, url: str) -> str:
    return (site / url.strip("/") / "index.html").read_text(encoding="utf-8")


def test_every_page_kind_is_built(site: Path) -> None:
    for url in ("", "sources", "sources/kommersant-lavrov-osce-excerpt", "actors", "actors/sergei-lavrov", "agreements",
                "agreements/charter-for-european-security-1999", "demands", "demands/no-further-nato-enlargement", "timeline"):  # fmt: skip
        assert (site / url / "index.html").exists(), url


def test_source_page_has_statements_marked_text_and_citation(site: Path) -> None:
    page = html(site, "sources/kommersant-lavrov-osce-excerpt")
    assert 'id="sergei-lavrov-the-osce-is-in-a-depressing-state"' in page
    assert (
        '<mark class="dm-quote dm-direct" id="q-sergei-lavrov-the-osce-is-in-a-depressing-state" '
        'data-who="Sergei Lavrov, direct quote">The OSCE is in a depressing state</mark>' in page
    )
    assert 'href="../../demands/no-further-nato-enlargement/"' in page
    assert "How to cite" in page and "@article{kommersant-lavrov-osce-excerpt," in page
    assert "translation" in page.lower()


def test_actor_and_demand_pages_link_back(site: Path) -> None:
    actor = html(site, "actors/sergei-lavrov")
    assert 'href="../../sources/kommersant-lavrov-osce-excerpt/#sergei-lavrov-the-osce-is-in-a-depressing-state"' in actor
    assert "Minister of Foreign Affairs" in actor
    demand = html(site, "demands/no-further-nato-enlargement")
    assert re.search(r"Sergei Lavrov</a>\s*<strong>made</strong>", demand)


def test_navigation_lists_section_pages_only(site: Path) -> None:
    page = html(site, "actors/sergei-lavrov")
    nav = page[page.index('<nav class="md-nav md-nav--primary') :]
    nav = nav[: nav.index("</nav>")]
    assert "actors/osce/" not in nav and "sources/kommersant" not in nav


def test_no_request_to_another_host(site: Path) -> None:
    for path in site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(https?:)?//', text):
            line = text[match.start() : match.start() + 200]
            assert 'rel="canonical"' in line or "alternate" in line, f"{path}: {line}"


def test_edit_link_points_at_the_record_in_sources(site: Path) -> None:
    page = html(site, "actors/sergei-lavrov")
    assert re.search(r'href="[^"]+/edit/main/sources/actors/sergei-lavrov\.md"[^>]*rel="edit"', page)


def test_a_second_build_with_nothing_changed_skips_mkdocs(tmp_path: Path) -> None:
    project = make_project(tmp_path / "again", golden_files())
    _, first = build(project)
    index = project.root / "site" / "index.html"
    built_at = index.stat().st_mtime_ns
    report, second = build(project)
    assert (first, second, report.written) == (True, False, ())
    assert index.stat().st_mtime_ns == built_at
    (project.root / "docs" / "about.md").write_text("# About\n\nChanged.\n", encoding="utf-8")
    _, third = build(project)
    assert third is True
    assert "Changed." in (project.root / "site" / "about" / "index.html").read_text(encoding="utf-8")
