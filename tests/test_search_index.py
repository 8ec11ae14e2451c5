"""The index stage: Pagefind over the built site, with each statement a record of its own that carries its filters."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from demarche import index
from demarche.link import link
from demarche.pipeline import Project, build, check
from demarche.publish import PublishError
from demarche.search_records import FILTERS, SearchRecord, statement_records
from tests.browser.conftest import browser, open_tab, serving
from tests.conftest import MINIMAL, make_project
from tests.pagefind_index import fragments, languages

__all__ = ["browser"]  # the browser fixture, shared with the browser suite

STATEMENT = "/sources/lavrov-osce/#sergei-lavrov-the-further-advance-of-nato-to-the-east"
RUSSIAN_SOURCE = """
    ---
    title: Лавров об ОБСЕ
    date: 2021-12-03
    kind: interview
    language: ru
    statements:
      - speaker: sergei-lavrov
        quote: "ОБСЕ находится в удручающем состоянии"
        rejects: [no-further-nato-enlargement]
    ---
    Министр сказал, что «ОБСЕ находится в удручающем состоянии».
    """


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {**MINIMAL, "sources/texts/2021/lavrov-obse.md": RUSSIAN_SOURCE}
    project = make_project(tmp_path_factory.mktemp("search") / "p", files)
    build(project)
    return project.root / "site"


def test_statement_records_from_the_graph(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {**MINIMAL, "sources/texts/2021/lavrov-obse.md": RUSSIAN_SOURCE})
    archive, problems = check(project)
    assert problems == []
    records = {r.url: r for r in statement_records(link(archive))}
    assert records[STATEMENT] == SearchRecord(
        url=STATEMENT,
        content="The further advance of NATO to the east will definitely affect Russia's security",
        language="en",
        meta=(("title", "Sergei Lavrov, 2 December 2021"), ("source", "Lavrov at the OSCE"), ("reported", "")),
        filters=(
            ("speaker", ("Sergei Lavrov",)),
            ("demand", ("No further NATO enlargement to the east",)),
            ("stance", ("made",)),
            ("year", ("2021",)),
            ("kind", ("article",)),
            ("publisher", ("Kommersant",)),
        ),
        sort=(("date", "2021-12-02"),),
    )
    (russian,) = [r for r in records.values() if r.url.startswith("/sources/lavrov-obse/#")]
    assert russian.language == "ru"
    assert dict(russian.filters)["stance"] == ("rejected",) and "publisher" not in dict(russian.filters)
    assert {name for r in records.values() for name, _ in r.filters} <= set(FILTERS)


def test_statements_are_indexed_once_at_their_anchor_and_citations_not_at_all(site: Path) -> None:
    indexed = {f.url: f for f in fragments(site)}
    statement = indexed[STATEMENT]
    assert statement.filters["speaker"] == ["Sergei Lavrov"] and statement.filters["stance"] == ["made"]
    page = indexed["/sources/lavrov-osce/"]
    assert page.filters == {}  # filters narrow statements, never whole pages
    assert page.content.count("definitely affect") == 1  # in the text, not again in the statement list
    assert "Cite this statement" not in page.content and "BibTeX" not in page.content
    assert "Permalink" not in page.content
    assert "direct quote" not in page.content  # what each mark says of its passage, and the legend, stay out


def test_the_box_s_bundle_holds_the_pages_and_the_statements_have_their_own(site: Path) -> None:
    """The header's box loads pagefind/ whole (its meta file lists every page and record): no statement record is in it."""
    pages = fragments(site, ("pagefind",))
    statements = fragments(site, ("pagefind/statements",))
    assert {f.url for f in pages} >= {"/sources/lavrov-osce/", "/actors/sergei-lavrov/", "/sources/lavrov-obse/"}
    assert all("#" not in f.url and f.filters == {} for f in pages)
    assert statements and all(re.fullmatch(r"/sources/[^/#]+/#[^/#]+", f.url) and f.filters for f in statements)
    assert {f.url for f in statements} == {r.url for r in statement_records(link(check(Project(site.parent))[0]))}
    assert languages(site, "pagefind/statements") == {"en": len(statements) - 1, "ru": 1}
    merged = {
        p.relative_to(site / "pagefind" / "statements").as_posix().split("/")[0]
        for p in (site / "pagefind" / "statements").rglob("*")
    }
    assert {name for name in merged if "." in name and not name.endswith(".pf_meta")} == {
        "pagefind-entry.json"
    }  # no script, no wasm
    assert merged >= {"index", "fragment", "filter"}


def test_an_archive_without_statements_gets_a_statements_bundle_with_no_language(site: Path, tmp_path: Path) -> None:
    """search.js merges no language of it then; the pages' bundle is the same as with statements."""
    copy = tmp_path / "site"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("pagefind"))
    index.index_site(copy, [])
    assert languages(copy, "pagefind/statements") == {}
    assert languages(copy) == languages(site)
    assert fragments(copy, ("pagefind",)) == fragments(site, ("pagefind",))


def test_lists_and_navigation_stay_out_of_the_index(site: Path) -> None:
    indexed = {f.url: f for f in fragments(site)}
    assert "/sources/by-year/2021/" not in indexed and "/search/" not in indexed
    actor = indexed["/actors/sergei-lavrov/"]
    assert "Сергей Лавров" in actor.content
    assert "Lavrov at the OSCE" not in actor.content  # its list of sources
    for fragment in indexed.values():
        assert "Skip to content" not in fragment.content and "Timeline Timeline" not in fragment.content


def test_a_russian_source_is_indexed_in_russian(site: Path) -> None:
    page = (site / "sources" / "lavrov-obse" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<html lang="ru"', page)
    assert '<html lang="en"' in (site / "sources" / "lavrov-osce" / "index.html").read_text(encoding="utf-8")
    assert languages(site).keys() == {"en", "ru"}
    ru = [f.url for f in fragments(site) if f.language == "ru"]
    assert "/sources/lavrov-obse/" in ru and any(u.startswith("/sources/lavrov-obse/#") for u in ru)


def test_actor_and_demand_pages_link_to_search_within_them(site: Path) -> None:
    actor = (site / "actors" / "sergei-lavrov" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../../search/?speaker=Sergei+Lavrov">Search within its statements</a>' in actor
    demand = (site / "demands" / "no-further-nato-enlargement" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../../search/?demand=No+further+NATO+enlargement+to+the+east">' in demand


def test_a_failed_index_leaves_the_published_site_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "p", MINIMAL)
    build(project)
    site = project.root / "site"
    before = sorted(p.relative_to(site).as_posix() for p in site.rglob("*"))
    (project.sources / "actors" / "nato.md").write_text("---\nname: NATO alliance\nkind: organization\n---\nThe alliance.\n")

    def fail(staged: Path, *_: object) -> Path:
        raise index.SearchIndexError("no index")

    monkeypatch.setattr("demarche.pipeline.index_site", fail)
    with pytest.raises(PublishError, match="SearchIndexError: no index"):
        build(project)
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*")) == before
    assert "NATO alliance" not in (site / "actors" / "nato" / "index.html").read_text(encoding="utf-8")
    assert not site.with_name("site.new").exists()


@pytest.mark.browser
@pytest.mark.parametrize("start", ["", "sources/lavrov-obse/"], ids=["from-an-english-page", "from-a-russian-page"])
def test_one_search_finds_both_languages(site: Path, browser: Browser, start: str) -> None:
    """Pagefind keeps an index per language; the search merges them, so the page a reader is on does not hide the other."""
    with serving(site) as base, open_tab(browser, base) as tab:
        tab.open(start)
        for query, first in [
            ("удручающем", "/sources/lavrov-obse/#sergei-lavrov-obse-nakhoditsia-v-udruchaiushchem-sostoianii"),
            ("definitely affect", STATEMENT),
        ]:
            tab.page.fill("#dm-search-input", query)
            tab.page.wait_for_function(
                "([q, url]) => document.getElementById('dm-search-input').value === q"
                " && document.querySelector('#dm-search-results .dm-search__result a')?.getAttribute('href') === url",
                arg=[query, first],
            )
        assert tab.errors == [] and tab.outside() == []
