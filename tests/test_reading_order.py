"""Lists read in the order of events, and pages count honestly (issue 13, points 4 and 5)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from demarche.pipeline import Project, generate_pages

SOURCE = "sources/texts/2021/lavrov-osce.md"
# Two statements of one day, listed in the record against the order of the text, with ids that sort against it too.
SAME_DAY = """
    ---
    title: Lavrov at the OSCE
    date: 2021-12-04
    kind: article
    publisher: Kommersant
    statements:
      - id: aa-said-second
        speaker: sergei-lavrov
        quote: "“no further advance”"
        date: 2021-12-02
        occasion: OSCE Ministerial Council
        makes: [no-further-nato-enlargement]
        cites: [bucharest-summit-declaration-2008]
        about: [nato]
      - id: zz-said-first
        speaker: sergei-lavrov
        quote: the alliance came closer
        date: 2021-12-02
        occasion: OSCE Ministerial Council
        reported: true
        makes: [no-further-nato-enlargement]
        cites: [bucharest-summit-declaration-2008]
        about: [nato]
    ---
    Lavrov said that the alliance came closer, and asked for “no further advance” of it.
    """
LATER = """
    ---
    title: Moscow answers
    date: 2021-12-09
    kind: article
    statements:
      - speaker: russia
        quote: We repeat it to everyone
        date: 2021-12-07
        makes: [no-further-nato-enlargement]
      - speaker: russia
        quote: and once more to the alliance
        date: 2021-12-07
        makes: [no-further-nato-enlargement]
    ---
    We repeat it to everyone, and once more to the alliance.
    """
MENTIONS_ONLY = """
    ---
    title: A later note on the Bucharest Summit Declaration
    date: 2021-12-20
    kind: article
    ---
    The Bucharest Summit Declaration was recalled again, a note says.
    """


@pytest.fixture
def pages(project: Callable[..., Project]) -> dict[str, str]:
    changes: dict[str, str | bytes | None] = {SOURCE: SAME_DAY, "sources/texts/2021/moscow.md": LATER}
    _, generated, _ = generate_pages(project(changes))
    return generated


@pytest.mark.parametrize(
    ("doc", "heading"),
    [
        ("actors/sergei-lavrov.md", "## Statements\n"),
        ("actors/nato.md", "## Statements about them\n"),
        ("demands/no-further-nato-enlargement.md", "## Every statement on it"),
        ("agreements/bucharest-summit-declaration-2008.md", "## "),
        ("timeline.md", ""),
        ("sources/lavrov-osce.md", "## Statements\n"),
    ],
)
def test_statements_of_one_day_follow_the_order_of_the_text(pages: dict[str, str], doc: str, heading: str) -> None:
    page = pages[doc]
    listed = page[page.index(heading) :]
    assert listed.index("#zz-said-first") < listed.index("#aa-said-second"), doc


@pytest.mark.parametrize(
    ("doc", "line"),
    [
        (
            "actors/sergei-lavrov.md",
            "- **2 December 2021** · OSCE Ministerial Council: “the alliance came closer” *(reported)* — ",
        ),
        (
            "actors/sergei-lavrov.md",
            "- **2 December 2021** · OSCE Ministerial Council: “no further advance” — ",
        ),
        (
            "actors/nato.md",
            "- **2 December 2021** · OSCE Ministerial Council · [Sergei Lavrov](sergei-lavrov.md): “no further advance” — ",
        ),
        (
            "demands/no-further-nato-enlargement.md",
            "- **2 December 2021** · OSCE Ministerial Council · [Sergei Lavrov](../actors/sergei-lavrov.md) **made** it: "
            "“no further advance” — ",
        ),
        ("sources/lavrov-osce.md", '<p class="dm-gist dm-in-text" markdown="span">“no further advance”</p>'),
    ],
)
def test_items_show_the_occasion_and_quotation_marks_once(pages: dict[str, str], doc: str, line: str) -> None:
    assert line in pages[doc]
    assert "““" not in pages[doc] and "””" not in pages[doc]


def test_a_demand_counts_statements_speakers_sources_and_dates_and_dates_its_status(pages: dict[str, str]) -> None:
    page = pages["demands/no-further-nato-enlargement.md"]
    assert "| Status | open, as of 9 December 2021 (the latest source in the archive that bears on it) |\n" in page
    assert "| In the archive | 4 statements by 2 speakers in 2 sources, from 2 December 2021 to 7 December 2021 |\n" in page
    assert "| Positions | made or repeated by 2 speakers · supported by 0 speakers · rejected by 0 speakers |\n" in page
    assert "Made" not in page and "made or repeated it" not in page


def test_a_demand_without_statements_says_so(project: Callable[..., Project]) -> None:
    _, generated, _ = generate_pages(project({SOURCE: None}))
    page = generated["demands/no-further-nato-enlargement.md"]
    assert "| Status | open |\n" in page
    assert "| In the archive | no statement takes a position on it yet |\n" in page


def test_an_agreement_dates_its_status_by_the_latest_source_that_bears_on_it(project: Callable[..., Project]) -> None:
    """The latest source that mentions it (the note), later than the one whose statements invoke it."""
    agreement = "sources/agreements/bucharest-summit-declaration-2008.md"
    changes: dict[str, str | bytes | None] = {SOURCE: SAME_DAY, "sources/texts/2021/note.md": MENTIONS_ONLY}
    changes[agreement] = "---\ntitle: Bucharest Summit Declaration\nkind: declaration\nstatus: in force\n---\nIssued.\n"
    _, generated, _ = generate_pages(project(changes))
    page = generated["agreements/bucharest-summit-declaration-2008.md"]
    assert "| Status | in force, as of 20 December 2021 (the latest source in the archive that bears on it) |\n" in page


def test_an_actor_page_lists_the_statements_about_it(pages: dict[str, str]) -> None:
    nato, lavrov = pages["actors/nato.md"], pages["actors/sergei-lavrov.md"]
    about = nato[nato.index("## Statements about them") : nato.index("## Agreements invoked")]
    assert re.findall(r"\]\(\.\./sources/lavrov-osce\.md#([a-z-]+)\)", about) == ["zz-said-first", "aa-said-second"]
    lavrov_about = lavrov[lavrov.index("## Statements about them") : lavrov.index("## Agreements invoked")]
    assert "None recorded." in lavrov_about


def test_the_demands_index_dates_each_status_and_counts_each_statement_once(pages: dict[str, str]) -> None:
    row = "| [No further NATO enlargement to the east](no-further-nato-enlargement.md) | [NATO](../actors/nato.md) | open (as of 9 December 2021) | 4 |"
    assert row in pages["demands/index.md"]


@pytest.mark.parametrize(("body", "gist"), [("plain", "dm-gist dm-in-text"), ("in code", "dm-gist")])
def test_the_list_shortens_only_the_words_the_text_shows_marked(project: Callable[..., Project], body: str, gist: str) -> None:
    """Words marked in the text may be cut to two lines in the list; words that could not be marked stand there whole."""
    passage = "the alliance came closer" if body == "plain" else "`the alliance came closer`"
    text = SAME_DAY.replace("Lavrov said that the alliance came closer,", f"Lavrov said that {passage},")
    _, generated, _ = generate_pages(project({SOURCE: text}))
    assert f'<p class="{gist}" markdown="span">“the alliance came closer”</p>' in generated["sources/lavrov-osce.md"]
