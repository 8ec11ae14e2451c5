"""What reference managers and search engines read: RIS and BibTeX files, Highwire meta tags, JSON-LD, the report link.

The RIS is read back by a reference manager's parser (rispy); the JSON-LD is parsed from the built page and
held to the facts the page shows; hostile titles cannot close the <script> that holds it.
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import rispy

from demarche.cite import source_bibtex
from demarche.head import highwire, report_url, script_json, source_jsonld
from demarche.link import Graph, link
from demarche.pipeline import Project, build, check, plan_site
from demarche.ris import source_ris
from demarche.text import human_date
from demarche.urls import SiteInfo, citation_doc, is_citation_file
from tests.conftest import MINIMAL, ROOT, make_project

SITE = SiteInfo(name="Demarche", url="https://example.org/archive/", edit_base="https://github.com/owner/repo/edit/main/")
PEOPLE = {
    "sources/actors/elena-chernenko.md": "---\nname: Elena Chernenko\nkind: person\n---\n",
    "sources/actors/ivan-petrov.md": "---\nname: Ivan Petrov\nkind: person\n---\n",
    "sources/actors/research-service.md": "---\nname: Research & Analysis Service\nkind: body\n---\n",
}
HOSTILE = '</script><script>alert(1)</script><!-- & "x" ER  - '


def source_file(front_matter: str) -> str:
    return f"---\n{textwrap.dedent(front_matter).strip()}\n---\nBody.\n"


ARTICLE = source_file(
    """
    title: Lavrov warns of a "nightmarish" return
    date: 2021-12-04
    kind: article
    publisher: Kommersant
    authors: [elena-chernenko, ivan-petrov]
    place: Stockholm
    original_language: ru
    summary: A report from the OSCE.
    url: https://www.kommersant.ru/doc/5112345?a=1&b=2
    archive_url: https://web.archive.org/web/2021/https://www.kommersant.ru/doc/5112345
    """
)
STATEMENT = source_file(
    """
    title: Foreign Ministry statement
    date: 2021-12
    kind: statement
    publisher: Ministry of Foreign Affairs of Russia
    authors: [research-service]
    """
)
HOSTILE_SOURCE = source_file(
    f"""
    title: '{HOSTILE}'
    date: 2021
    kind: other
    """
)
PAGE = "https://example.org/archive/sources/cited/"
RIS_CASES = [
    pytest.param(
        ARTICLE,
        {
            "type_of_reference": "NEWS",
            "id": "cited",
            "title": 'Lavrov warns of a "nightmarish" return',
            "authors": ["Elena Chernenko", "Ivan Petrov"],
            "year": "2021",
            "date": "2021/12/04/",
            "secondary_title": "Kommersant",
            "place_published": "Stockholm",
            "language": "en",
            "abstract": "A report from the OSCE.",
            "urls": [PAGE],
            "database_provider": "Demarche archive",
            "notes": [
                "Translated from the original (ru)",
                "Original: https://www.kommersant.ru/doc/5112345?a=1&b=2",
                "Archived copy: https://web.archive.org/web/2021/https://www.kommersant.ru/doc/5112345",
            ],
        },
        id="newspaper-article-translated-with-both-copies",
    ),
    pytest.param(
        STATEMENT,
        {
            "type_of_reference": "ELEC",
            "id": "cited",
            "title": "Foreign Ministry statement",
            "authors": ["Research & Analysis Service"],
            "year": "2021",
            "date": "2021/12//",
            "publisher": "Ministry of Foreign Affairs of Russia",
            "language": "en",
            "urls": [PAGE],
            "database_provider": "Demarche archive",
        },
        id="statement-of-a-month-by-a-body",
    ),
    pytest.param(
        HOSTILE_SOURCE,
        {
            "type_of_reference": "ELEC",
            "id": "cited",
            "title": " ".join(HOSTILE.split()),
            "year": "2021",
            "date": "2021///",
            "language": "en",
            "urls": [PAGE],
            "database_provider": "Demarche archive",
        },
        id="a-title-holding-a-tag-line-and-markup",
    ),
]


def graph_of(project: Callable[..., Project], source: str) -> Graph:
    archive, problems = check(project({**PEOPLE, "sources/texts/2021/cited.md": source}, site_parts=False))
    assert [p for p in problems if p.severity == "error"] == []
    return link(archive)


@pytest.mark.parametrize(("source", "fields"), RIS_CASES)
def test_a_reference_manager_reads_the_ris_back_with_every_field(
    project: Callable[..., Project], source: str, fields: dict[str, object]
) -> None:
    g = graph_of(project, source)
    ris = source_ris(g.sources["cited"], g, SITE)
    assert ris.startswith("TY  - ") and ris.endswith("ER  - \r\n")
    assert all(line.endswith("\r") for line in ris.split("\n")[:-1])
    assert rispy.loads(ris) == [fields]


def test_a_title_cannot_add_a_line_to_the_ris(project: Callable[..., Project]) -> None:
    """`check` refuses a line break in a title; the RIS folds one anyway, should a record ever hold it."""
    g = graph_of(project, STATEMENT)
    source = dataclasses.replace(g.sources["cited"], title="One\nER  - \r\nTY  - BOOK\u2028x")
    records = rispy.loads(source_ris(source, g, SITE))
    assert len(records) == 1 and records[0]["title"] == "One ER - TY - BOOK x"


def test_highwire_tags_name_title_authors_date_publisher_language_and_page(project: Callable[..., Project]) -> None:
    g = graph_of(project, ARTICLE)
    assert highwire(g.sources["cited"], g, SITE) == (
        ("citation_title", 'Lavrov warns of a "nightmarish" return'),
        ("citation_author", "Elena Chernenko"),
        ("citation_author", "Ivan Petrov"),
        ("citation_publication_date", "2021/12/04"),
        ("citation_date", "2021/12/04"),
        ("citation_publisher", "Kommersant"),
        ("citation_journal_title", "Kommersant"),
        ("citation_language", "en"),
        ("citation_public_url", PAGE),
        ("citation_fulltext_html_url", PAGE),
        ("citation_abstract", "A report from the OSCE."),
    )


def test_the_json_ld_describes_the_text_and_its_translation(project: Callable[..., Project]) -> None:
    g = graph_of(project, ARTICLE)
    assert source_jsonld(g.sources["cited"], g, SITE) == {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": PAGE,
        "url": PAGE,
        "headline": 'Lavrov warns of a "nightmarish" return',
        "name": 'Lavrov warns of a "nightmarish" return',
        "genre": "article",
        "datePublished": "2021-12-04",
        "inLanguage": "en",
        "isPartOf": {"@type": "WebSite", "name": "Demarche", "url": "https://example.org/archive/"},
        "author": [{"@type": "Person", "name": "Elena Chernenko"}, {"@type": "Person", "name": "Ivan Petrov"}],
        "publisher": {"@type": "Organization", "name": "Kommersant"},
        "locationCreated": {"@type": "Place", "name": "Stockholm"},
        "translationOfWork": {"@type": "CreativeWork", "inLanguage": "ru"},
        "description": "A report from the OSCE.",
        "sameAs": [
            "https://www.kommersant.ru/doc/5112345?a=1&b=2",
            "https://web.archive.org/web/2021/https://www.kommersant.ru/doc/5112345",
        ],
    }


@pytest.mark.parametrize("text", [HOSTILE, "</SCRIPT >", "<!--<script>", "a & b > c", "\u2028</script\u2029"])
def test_json_for_a_script_element_holds_no_markup_and_reads_back_the_same(text: str) -> None:
    written = script_json({"headline": text})
    assert not set("<>&") & set(written)
    assert json.loads(written) == {"headline": text}


FORGES = [
    pytest.param(
        "https://github.com/owner/repo/edit/main/", "https://github.com/owner/repo/issues/new", "title", "body", id="github"
    ),
    pytest.param(
        "https://git.example.org/team/repo/edit/trunk/docs/",
        "https://git.example.org/team/repo/issues/new",
        "title",
        "body",
        id="github-enterprise",
    ),
    pytest.param(
        "https://gitlab.com/group/repo/-/edit/main/",
        "https://gitlab.com/group/repo/-/issues/new",
        "issue[title]",
        "issue[description]",
        id="gitlab",
    ),
]


@pytest.mark.parametrize(("edit_base", "form", "title_key", "body_key"), FORGES)
def test_the_report_link_opens_the_repositorys_issue_form_with_the_page_filled_in(
    edit_base: str, form: str, title_key: str, body_key: str
) -> None:
    site = SiteInfo("Demarche", "https://example.org/", edit_base=edit_base)
    url = report_url(site, "https://example.org/sources/a-b/", 'Costs & "100%" #1 ?x=y\n<b>')
    address, _, query = url.partition("?")
    assert address == form
    assert " " not in query and "\n" not in query and "<" not in query and '"' not in query
    assert parse_qs(query, strict_parsing=True) == {
        title_key: ['Problem with the page “Costs & "100%" #1 ?x=y <b>”'],
        body_key: ["Page: https://example.org/sources/a-b/\n\nWhat is wrong, and where (a quotation, a date, an attribution):\n"],
    }


@pytest.mark.parametrize("edit_base", ["", "https://example.org/some/wiki/", "javascript:alert(1)/a/b/edit/"])
def test_no_report_link_without_a_known_repository(edit_base: str) -> None:
    assert report_url(SiteInfo("Demarche", "", edit_base=edit_base), "/sources/a/", "A") == ""


def test_the_repository_comes_from_mkdocs_yml_or_the_environment(
    project: Callable[..., Project], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEMARCHE_EDIT_BASE", raising=False)
    p = project()
    assert p.site_info().edit_base == "https://github.com/demarche/demarche/edit/main/"
    monkeypatch.setenv("DEMARCHE_EDIT_BASE", "https://gitlab.com/fork/demarche/-/edit/main/")
    assert p.site_info().edit_base == "https://gitlab.com/fork/demarche/-/edit/main/"


def test_every_source_has_its_bibtex_and_ris_beside_its_page_also_under_former_ids(project: Callable[..., Project]) -> None:
    source = str(MINIMAL["sources/texts/2021/lavrov-osce.md"]).replace(
        "kind: article", "kind: article\n        former_ids: [osce-lavrov]"
    )
    archive, _ = check(project({"sources/texts/2021/lavrov-osce.md": source}))
    g = link(archive)
    _, files = plan_site(g, SITE)
    found = {f.doc: f.data.decode("utf-8") for f in files if is_citation_file(f.doc)}
    bib, ris = source_bibtex(g.sources["lavrov-osce"], g, SITE) + "\n", source_ris(g.sources["lavrov-osce"], g, SITE)
    assert found == {
        "sources/lavrov-osce/lavrov-osce.bib": bib,
        "sources/lavrov-osce/lavrov-osce.ris": ris,
        "sources/osce-lavrov/osce-lavrov.bib": bib,
        "sources/osce-lavrov/osce-lavrov.ris": ris,
    }
    assert citation_doc("lavrov-osce", "ris") == "sources/lavrov-osce/lavrov-osce.ris"


@pytest.mark.parametrize(
    ("doc", "is_file"),
    [
        ("sources/a/a.ris", True),
        ("sources/a/a.bib", True),
        ("sources/a/b.ris", False),
        ("sources/a/a.csv", False),
        ("actors/a/a.ris", False),
        ("sources/a/statements/a.ris", False),
        ("sources/a.md", False),
    ],
)
def test_citation_files_are_told_apart_from_other_files(doc: str, is_file: bool) -> None:
    assert is_citation_file(doc) is is_file


# -- the built site ----------------------------------------------------------------------------------


class Page(HTMLParser):
    """What a reader and a program see on a built page: meta tags, JSON-LD, the title, the metadata table, links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.meta: list[tuple[str, str]] = []
        self.jsonld: list[str] = []
        self.h1 = ""
        self.rows: dict[str, str] = {}
        self.links: list[tuple[str, str, str]] = []  # (class of its parent paragraph, href, text)
        self._in: list[str] = []
        self._cells: list[str] | None = None
        self._p_class = ""
        self._link: list[str] | None = None
        self.feed(html)

    @property
    def title(self) -> str:
        """The page's heading, without the permalink mark after it."""
        return self.h1.strip().removesuffix("¶").strip()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and "name" in a:
            self.meta.append((a["name"], a.get("content", "")))
        elif tag == "script":
            self._in.append("ld" if a.get("type") == "application/ld+json" else "script")
            if self._in[-1] == "ld":
                self.jsonld.append("")
        elif tag in ("h1", "td"):
            self._in.append(tag)
            if tag == "td" and self._cells is not None:
                self._cells.append("")
        elif tag == "tr":
            self._cells = []
        elif tag == "p":
            self._p_class = a.get("class", "")
        elif tag == "a":
            self._link = [a.get("href", ""), ""]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "h1", "td") and self._in:
            self._in.pop()
        if tag == "tr" and self._cells:
            self.rows[self._cells[0].strip()] = " ".join(self._cells[1].split()) if len(self._cells) > 1 else ""
            self._cells = None
        if tag == "a" and self._link is not None:
            self.links.append((self._p_class, self._link[0], self._link[1].strip()))
            self._link = None
        if tag == "p":
            self._p_class = ""

    def handle_data(self, data: str) -> None:
        where = self._in[-1] if self._in else ""
        if where == "ld":
            self.jsonld[-1] += data
        elif where == "h1":
            self.h1 += data
        elif where == "td" and self._cells:
            self._cells[-1] += data
        if self._link is not None:
            self._link[1] += data


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    hostile = source_file(
        f"""
        title: '{HOSTILE}'
        date: 2021-12-05
        kind: statement
        publisher: '</script> & Co'
        """
    )
    files = {**MINIMAL, **PEOPLE, "sources/texts/2021/cited.md": ARTICLE, "sources/texts/2021/hostile.md": hostile}
    p = make_project(tmp_path_factory.mktemp("cite") / "p", files)
    build(p)
    return p


def read(p: Project, url: str) -> str:
    return (p.site / url / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("source_id", ["cited", "hostile", "lavrov-osce"])
def test_the_json_ld_and_highwire_tags_of_a_built_page_state_its_visible_facts(built: Project, source_id: str) -> None:
    html = read(built, f"sources/{source_id}")
    page = Page(html)
    assert "<script>alert" not in html
    assert len(page.jsonld) == 1
    data = json.loads(page.jsonld[0])
    assert data["@context"] == "https://schema.org" and data["@type"] in ("NewsArticle", "CreativeWork")
    assert {"@id", "url", "headline", "name", "datePublished", "inLanguage", "isPartOf"} <= data.keys()
    assert data["headline"] == page.title
    assert human_date(data["datePublished"]) == page.rows["Date"]
    assert data.get("publisher", {}).get("name") == page.rows.get("Publisher")
    assert [a["name"] for a in data.get("author", [])] == [n for n in page.rows.get("By", "").split(", ") if n]
    assert data["inLanguage"] == page.rows["Language"].split()[0]
    tags = dict(page.meta)
    assert tags["citation_title"] == page.title
    assert [v for k, v in page.meta if k == "citation_author"] == [a["name"] for a in data.get("author", [])]
    assert tags["citation_publication_date"] == data["datePublished"].replace("-", "/")
    assert tags["citation_public_url"] == data["url"] == f"https://demarche.github.io/demarche/sources/{source_id}/"
    ris = (built.site / "sources" / source_id / f"{source_id}.ris").read_text(encoding="utf-8")
    assert rispy.loads(ris)[0]["title"] == page.title


@pytest.mark.slow
def test_the_source_page_links_its_citation_files_and_wraps_its_citation(built: Project) -> None:
    page = Page(read(built, "sources/cited"))
    downloads = {text: href for _, href, text in page.links if href.endswith((".ris", ".bib"))}
    assert downloads == {"RIS (Zotero, EndNote, Mendeley)": "cited.ris", "BibTeX": "cited.bib"}
    assert (built.site / "sources/cited/cited.bib").read_text(encoding="utf-8").startswith("@article{cited,\n")
    html = read(built, "sources/cited")
    assert '<div class="dm-cite-text">\n<p>Elena Chernenko and Ivan Petrov, “Lavrov warns' in html
    assert "language-text" not in html  # no one-line code block


RECORD_PAGES = [
    "sources/cited",
    "actors/nato",
    "agreements/bucharest-summit-declaration-2008",
    "demands/no-further-nato-enlargement",
]


@pytest.mark.slow
@pytest.mark.parametrize("url", RECORD_PAGES)
def test_every_record_page_has_a_plain_report_link_with_its_title_and_url(built: Project, url: str) -> None:
    page = Page(read(built, url))
    reports = [href for cls, href, text in page.links if cls == "dm-report" and text == "Report a problem with this page"]
    assert len(reports) == 1
    query = parse_qs(urlsplit(reports[0]).query)
    assert reports[0].startswith("https://github.com/demarche/demarche/issues/new?")
    assert query["title"] == [f"Problem with the page “{page.title}”"]
    assert query["body"][0].startswith(f"Page: https://demarche.github.io/demarche/{url}/\n")


@pytest.mark.slow
@pytest.mark.parametrize("url", ["", "sources", "timeline", "rights", "about"])
def test_other_pages_have_no_report_link(built: Project, url: str) -> None:
    assert not [link for link in Page(read(built, url)).links if link[0] == "dm-report"]


@pytest.mark.slow
def test_every_page_links_the_rights_page_in_its_footer(built: Project) -> None:
    pages = sorted(built.site.rglob("index.html"))
    redirects = {p for p in pages if "http-equiv" in p.read_text(encoding="utf-8")}
    assert len(pages) - len(redirects) > 20
    for path in sorted(set(pages) - redirects):
        links = [(href, text) for cls, href, text in Page(path.read_text(encoding="utf-8")).links if cls == "dm-rights"]
        assert len(links) == 1, path
        href, text = links[0]
        assert text == "Rights, licences and corrections"
        assert (path.parent / href / "index.html").resolve() == (built.site / "rights/index.html").resolve(), path
    rights = Page(read(built, "rights"))
    assert rights.title == "Rights, licences and corrections"


def test_the_rights_page_is_in_the_about_section_and_states_no_licence_the_repository_does_not() -> None:
    root = ROOT
    text = (root / "docs/rights.md").read_text(encoding="utf-8")
    assert "      - rights.md\n" in (root / "mkdocs.yml").read_text(encoding="utf-8")
    licences = [p.name for p in root.iterdir() if p.name.upper().startswith(("LICENSE", "LICENCE", "COPYING"))]
    if not licences:
        assert "**no licence chosen yet**" in text
