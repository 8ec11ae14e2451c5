"""Citations are what a reader copies into a paper: assert their exact text and BibTeX."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

import pytest

from demarche.cite import source_citation, statement_citation
from demarche.link import Graph, link
from demarche.pipeline import Project, build, check, generate_pages
from demarche.text import md
from demarche.urls import SiteInfo

SITE = SiteInfo(name="Demarche", url="https://example.org/archive/")

PEOPLE = {
    "sources/actors/elena-chernenko.md": "---\nname: Elena Chernenko\nkind: person\n---\n",
    "sources/actors/ivan-petrov.md": "---\nname: Ivan Petrov\nkind: person\n---\n",
    "sources/actors/anna-smith.md": "---\nname: Anna Smith\nkind: person\n---\n",
    "sources/actors/research-service.md": "---\nname: Research & Analysis Service\nkind: body\n---\n",
}


def graph_of(project: Callable[..., Project], texts: dict[str, str]) -> Graph:
    archive, problems = check(project({**PEOPLE, **texts}, site_parts=False))
    assert problems == []
    return link(archive)


URL = "https://example.org/archive/sources/cited/"
CASES = [
    pytest.param(
        """
        title: Lavrov warns of a "nightmarish" return to confrontation
        date: 2021-12-04
        kind: article
        publisher: Kommersant
        authors: [elena-chernenko, ivan-petrov]
        url: https://www.kommersant.ru/doc/5112345?from=main_1#top
        archive_url: https://web.archive.org/web/2021/https://www.kommersant.ru/doc/5112345
        """,
        "Elena Chernenko and Ivan Petrov, “Lavrov warns of a ‘nightmarish’ return to confrontation”, Kommersant, "
        f"4 December 2021. Demarche archive, {URL}. Original: https://www.kommersant.ru/doc/5112345?from=main_1#top "
        "(archived copy: https://web.archive.org/web/2021/https://www.kommersant.ru/doc/5112345).",
        "@article{cited,\n"
        '  title = {{Lavrov warns of a "nightmarish" return to confrontation}},\n'
        "  author = {Elena Chernenko and Ivan Petrov},\n"
        "  journal = {Kommersant},\n"
        "  date = {2021-12-04},\n"
        f"  url = {{{URL}}},\n"
        "  note = {Original: https://www.kommersant.ru/doc/5112345?from=main\\_1\\#top. "
        "Archived copy: https://web.archive.org/web/2021/https://www.kommersant.ru/doc/5112345.}\n"
        "}",
        id="article-with-authors-and-both-copies",
    ),
    pytest.param(
        """
        title: Foreign Ministry statement on security guarantees
        date: 2021-12-10
        kind: statement
        publisher: Ministry of Foreign Affairs of Russia
        """,
        "Ministry of Foreign Affairs of Russia, “Foreign Ministry statement on security guarantees”, 10 December 2021. "
        f"Demarche archive, {URL}. No address of the original recorded.",
        "@online{cited,\n"
        "  title = {{Foreign Ministry statement on security guarantees}},\n"
        "  organization = {Ministry of Foreign Affairs of Russia},\n"
        "  date = {2021-12-10},\n"
        f"  url = {{{URL}}}\n"
        "}",
        id="only-a-publisher",
    ),
    pytest.param(
        """
        title: Interview with the Research Service
        date: 2021-12
        kind: interview
        publisher: Ekho
        authors: [research-service]
        original_language: ru
        archive_url: https://web.archive.org/web/2021/https://echo.example/interview
        """,
        "Research & Analysis Service, “Interview with the Research Service”, Ekho, December 2021, "
        f"translated from the original (ru). Demarche archive, {URL}. "
        "No address of the original recorded; archived copy: https://web.archive.org/web/2021/https://echo.example/interview.",
        "@online{cited,\n"
        "  title = {{Interview with the Research Service}},\n"
        "  author = {{Research \\& Analysis Service}},\n"
        "  organization = {Ekho},\n"
        "  date = {2021-12},\n"
        "  origlanguage = {ru},\n"
        f"  url = {{{URL}}},\n"
        "  note = {Translated from the original (ru). Archived copy: https://web.archive.org/web/2021/https://echo.example/interview.}\n"
        "}",
        id="translation-with-only-an-archived-copy",
    ),
    pytest.param(
        """
        title: 'Costs & 100% of {budgets}: a_b #1 ~ ^ \\ $'
        date: 2021
        kind: article
        authors: [elena-chernenko, ivan-petrov, anna-smith]
        """,
        f"Elena Chernenko et al., “Costs & 100% of {{budgets}}: a_b #1 ~ ^ \\ $”, 2021. Demarche archive, {URL}. "
        "No address of the original recorded.",
        "@online{cited,\n"
        "  title = {{Costs \\& 100\\% of \\{budgets\\}: a\\_b \\#1 \\textasciitilde{} \\textasciicircum{} "
        "\\textbackslash{} \\$}},\n"
        "  author = {Elena Chernenko and Ivan Petrov and Anna Smith},\n"
        "  date = {2021},\n"
        f"  url = {{{URL}}}\n"
        "}",
        id="tex-specials-and-et-al",
    ),
]


@pytest.mark.parametrize(("front_matter", "text", "bibtex"), CASES)
def test_a_source_is_cited_in_the_common_style_and_in_bibtex(
    project: Callable[..., Project], front_matter: str, text: str, bibtex: str
) -> None:
    source = f"---\n{textwrap.dedent(front_matter).strip()}\n---\nBody.\n"
    g = graph_of(project, {"sources/texts/2021/cited.md": source})
    citation = source_citation(g.sources["cited"], g, SITE)
    assert (citation.text, citation.bibtex) == (text, bibtex)


def test_a_statement_is_cited_as_what_it_is_by_whom_when_and_where_it_was_reported(project: Callable[..., Project]) -> None:
    text = """
        ---
        title: Lavrov at the OSCE
        date: 2021-12-04
        kind: article
        publisher: Kommersant
        authors: [elena-chernenko]
        url: https://www.kommersant.ru/doc/5112345
        statements:
          - speaker: sergei-lavrov
            quote: "The OSCE is in a depressing state"
            date: 2021-12-02
            occasion: OSCE Ministerial Council, Stockholm
          - speaker: sergei-lavrov
            quote: "the architecture of strategic stability is collapsing"
            reported: true
        ---
        Lavrov said: “The OSCE is in a depressing state.” He added that the architecture of strategic stability is collapsing.
        """
    g = graph_of(project, {"sources/texts/2021/lavrov-osce.md": text})
    source = g.sources["lavrov-osce"]
    own, reported = source.statements
    assert statement_citation(own, source, g, SITE) == (
        "Statement by Sergei Lavrov, 2 December 2021, OSCE Ministerial Council, Stockholm, quoted in Elena Chernenko, "
        "“Lavrov at the OSCE”, Kommersant, 4 December 2021. Demarche archive, "
        "https://example.org/archive/sources/lavrov-osce/#sergei-lavrov-the-osce-is-in-a-depressing-state. "
        "Original: https://www.kommersant.ru/doc/5112345."
    )
    assert statement_citation(reported, source, g, SITE) == (
        "Statement by Sergei Lavrov, 4 December 2021, as paraphrased in Elena Chernenko, “Lavrov at the OSCE”, Kommersant, "
        "4 December 2021. "
        "Demarche archive, https://example.org/archive/sources/lavrov-osce/"
        "#sergei-lavrov-the-architecture-of-strategic-stability-is. Original: https://www.kommersant.ru/doc/5112345."
    )
    assert source_citation(source, g, SITE).statements == {
        own.id: statement_citation(own, source, g, SITE),
        reported.id: statement_citation(reported, source, g, SITE),
    }


def test_without_a_site_address_citations_give_the_site_relative_url(project: Callable[..., Project]) -> None:
    g = graph_of(project, {})
    citation = source_citation(g.sources["lavrov-osce"], g, SiteInfo(name="Demarche", url=""))
    assert citation.text == (
        "Kommersant, “Lavrov at the OSCE”, 4 December 2021. Demarche archive, /sources/lavrov-osce/. "
        "No address of the original recorded."
    )


ORIGINAL = "https://www.kommersant.ru/doc/5112345"
ARCHIVED = "https://web.archive.org/web/2021/https://www.kommersant.ru/doc/5112345"
COPIES = {
    "both": (f"url: {ORIGINAL}\narchive_url: {ARCHIVED}\n", "| Original | [{o}](<{O}>) |\n| Archived copy | [{a}](<{A}>) |\n"),
    "original": (f"url: {ORIGINAL}\n", "| Original | [{o}](<{O}>) |\n| Statements |"),
    "archived": (
        f"archive_url: {ARCHIVED}\n",
        "| Original | no address recorded (see the archived copy) |\n| Archived copy | [{a}](<{A}>) |\n",
    ),
    "neither": (
        "",
        "| Original | no address recorded: the archive holds no published or archived address for it |\n| Statements |",
    ),
}


def copies_archive() -> dict[str, str | bytes | None]:
    source = "---\ntitle: Copies\ndate: 2021-12-04\nkind: statement\n{}---\nBody.\n"
    return {f"sources/texts/2021/{name}.md": source.format(front) for name, (front, _) in COPIES.items()}


def test_the_source_page_links_the_original_and_archived_copy_or_says_it_is_not_online(
    project: Callable[..., Project],
) -> None:
    _, pages, _ = generate_pages(project(copies_archive()))
    for name, (_, rows) in COPIES.items():
        expected = rows.format(o=md(ORIGINAL), O=ORIGINAL, a=md(ARCHIVED), A=ARCHIVED)
        assert expected in pages[f"sources/{name}.md"], name


@pytest.mark.slow
def test_the_built_source_page_has_its_links_citations_and_bibtex(project: Callable[..., Project]) -> None:
    p = project(copies_archive())
    build(p)
    both = (p.root / "site/sources/both/index.html").read_text(encoding="utf-8")
    assert f'<a href="{ORIGINAL}">{ORIGINAL}</a>' in both and f'<a href="{ARCHIVED}">{ARCHIVED}</a>' in both
    neither = (p.root / "site/sources/neither/index.html").read_text(encoding="utf-8")
    assert "no address recorded: the archive holds no published or archived address for it" in neither
    page = (p.root / "site/sources/lavrov-osce/index.html").read_text(encoding="utf-8")
    statement = page[page.index('<div class="dm-statement"') :]
    statement = statement[: statement.index('<h2 id="mentions"')]
    assert re.search(
        r'<details class="dm-cite-one">\s*<summary>Cite this statement</summary>\s*<p><span class="dm-cite-text">Statement by Sergei Lavrov, '
        r"2 December 2021, quoted in "
        r"Kommersant, “Lavrov at the OSCE”, 4 December 2021\. Demarche archive, "
        r"https://[^\s]+/sources/lavrov-osce/#sergei-lavrov-the-further-advance-of-nato-to-the-east\. "
        r"No address of the original recorded\.</span></p>\s*</details>",
        statement,
    )
    assert '<code class="language-bibtex">@article{lavrov-osce,\n  title = {{Lavrov at the OSCE}},' in page
