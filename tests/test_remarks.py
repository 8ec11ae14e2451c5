"""Attribution as precise as the text: editorial notes, translators, a remark repeated in one source (`same_as`)
and the same passage carried by two sources, each shown once and counted once."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable

import pytest
import yaml

from demarche.link import Graph
from demarche.pipeline import Project, generate_pages
from demarche.search_records import statement_records

LAVROV_OSCE = "sources/texts/2021/lavrov-osce.md"  # MINIMAL's source, 4 December 2021
PASSAGE_ID = "sergei-lavrov-the-further-advance-of-nato-to-the-east"  # its statement's derived id
# The same passage for the same speaker, written with other quotation marks, apostrophe and case, two days later.
TASS = (
    "sources/texts/2021/tass-lavrov.md",
    """---
title: Lavrov on NATO
date: 2021-12-06
kind: article
publisher: TASS
statements:
  - speaker: sergei-lavrov
    quote: "the further advance of NATO to the east will definitely affect Russia’s security"
    date: 2021-12-02
    makes: [no-further-nato-enlargement]
    supports: [no-further-nato-enlargement]
---
Lavrov repeated that «the further advance of NATO to the east will definitely affect Russia’s security».
""",
)
# A source that reports one remark twice: its lead paraphrases what its body quotes.
REPEATED = """---
title: Lavrov at the OSCE
date: 2021-12-04
kind: article
publisher: Kommersant
original_language: ru
translator: {translator}
statements:
  - id: lead
    speaker: sergei-lavrov
    quote: "NATO's move east threatens Russia"
    reported: true
    same_as: body
    note: The lead paraphrases the warning the body quotes.
    cites: [bucharest-summit-declaration-2008]
  - id: body
    speaker: sergei-lavrov
    quote: "The further advance of NATO to the east will definitely affect Russia's security"
    date: 2021-12-02
    makes: [no-further-nato-enlargement]
    note: Said at the plenary, as the paragraph before says.
---
Lavrov warned that NATO's move east threatens Russia.

Later he said: “The further advance of NATO to the east will definitely affect Russia’s security.”
"""


def built(project: Callable[..., Project], changes: dict[str, str | None]) -> tuple[Graph, dict[str, str | bytes]]:
    graph, pages, problems = generate_pages(project(changes))
    assert [p.as_text() for p in problems] == []
    return graph, pages


def text(pages: dict[str, str | bytes], doc: str) -> str:
    page = pages[doc]
    return page if isinstance(page, str) else page.decode("utf-8")


# -- the same passage in two sources ---------------------------------------------------------------


def test_the_same_passage_in_two_sources_links_both_ways_and_is_one_remark(project: Callable[..., Project]) -> None:
    graph, pages = built(project, dict([TASS]))
    kommersant, tass = (graph.in_source[s][0] for s in ("lavrov-osce", "tass-lavrov"))
    assert [o.source.id for o in kommersant.also] == ["tass-lavrov"]
    assert [o.source.id for o in tass.also] == ["lavrov-osce"]
    assert [s.statement.id for s in graph.timeline] == [PASSAGE_ID]  # once, as its earliest report
    assert len(graph.every) == 2 and len(graph.said_by["sergei-lavrov"]) == 1
    stance = graph.on_demand["no-further-nato-enlargement"]  # Kommersant's `makes`, TASS's `makes` and `supports`
    assert (len(stance.made), len(stance.supported), len(stance.rejected)) == (1, 1, 0)
    lavrov = graph.stances["sergei-lavrov"]["no-further-nato-enlargement"]  # the table of positions counts it once too
    assert (len(lavrov.made), len(lavrov.supported)) == (1, 1)
    assert [a.id for a, _ in graph.invoked["sergei-lavrov"]] == ["bucharest-summit-declaration-2008"]

    to_tass = f"[Lavrov on NATO](../sources/tass-lavrov.md#{PASSAGE_ID})"
    assert f"— [in Lavrov at the OSCE](../sources/lavrov-osce.md#{PASSAGE_ID}); also reported in {to_tass}" in text(
        pages, "actors/sergei-lavrov.md"
    )
    demand = text(pages, "demands/no-further-nato-enlargement.md")
    assert demand.count(f"; also reported in {to_tass}") == 2  # made, and supported
    assert f"Also reported in: [Lavrov at the OSCE](lavrov-osce.md#{PASSAGE_ID})" in text(pages, "sources/tass-lavrov.md")
    assert f"Also reported in: [Lavrov on NATO](tass-lavrov.md#{PASSAGE_ID})" in text(pages, "sources/lavrov-osce.md")


def test_open_data_records_the_link_both_ways(project: Callable[..., Project]) -> None:
    _, pages = built(project, dict([TASS]))
    data = json.loads(pages["data/archive.json"])
    also = {s["id"]: s["statements"][0]["also_in"] for s in data["sources"]}
    site = data["site"]["url"]
    assert also["lavrov-osce"] == [
        {"source": "tass-lavrov", "statement": PASSAGE_ID, "permalink": f"{site}sources/tass-lavrov/#{PASSAGE_ID}"}
    ]
    assert [a["source"] for a in also["tass-lavrov"]] == ["lavrov-osce"]
    rows = list(csv.DictReader(io.StringIO(text(pages, "data/statements.csv"))))
    assert [(r["source"], r["also_in"]) for r in rows] == [
        ("lavrov-osce", f"{site}sources/tass-lavrov/#{PASSAGE_ID}"),
        ("tass-lavrov", f"{site}sources/lavrov-osce/#{PASSAGE_ID}"),
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [("speaker: sergei-lavrov", "speaker: nato"), ("to the east will", "to the east would")],
    ids=["another speaker", "another passage"],
)
def test_no_link_for_another_speaker_or_another_passage(project: Callable[..., Project], old: str, new: str) -> None:
    path, source = TASS
    graph, _ = built(project, {path: source.replace(old, new)})
    assert all(not said.also for said in graph.every)
    assert len(graph.timeline) == 2


# -- a remark repeated in one source -----------------------------------------------------------------


def test_a_repeat_is_shown_once_with_both_places_in_the_text_and_counted_once(project: Callable[..., Project]) -> None:
    graph, pages = built(project, {LAVROV_OSCE: REPEATED.format(translator="unknown")})
    assert [s.statement.id for s in graph.timeline] == ["body"]
    (body,) = graph.said_by["sergei-lavrov"]
    assert [r.id for r in body.repeats] == ["lead"]
    assert graph.citations["bucharest-summit-declaration-2008"] == [body]  # the repeat's `cites` counts for the remark
    assert len(graph.on_demand["no-further-nato-enlargement"].made) == 1
    assert len(graph.stances["sergei-lavrov"]["no-further-nato-enlargement"].made) == 1  # the table of positions
    page = text(pages, "sources/lavrov-osce.md")
    assert "| Statements | 1 |" in page
    assert page.count('<div class="dm-statement"') == 1
    assert '<div class="dm-statement" id="body" markdown data-pagefind-ignore="all">\n\n<span id="lead"></span>**1.**' in page
    assert (
        "The same remark elsewhere in the text (paraphrased): “NATO's move east threatens Russia” [In the text](#q-lead)"
        "\n\n*Note:* The lead paraphrases the warning the body quotes\\." in page
    )
    assert "Cites: [Bucharest Summit Declaration](../agreements/bucharest-summit-declaration-2008.md)" in page
    # Both places in the text carry the remark's number and link to its one entry.
    lead = '<mark class="dm-quote dm-reported" id="q-lead" data-who="Sergei Lavrov, the source&#x27;s paraphrase">'
    assert f"{lead}NATO's move east threatens Russia</mark><sup>[1<span" in page
    assert '<mark class="dm-quote dm-direct" id="q-body"' in page
    assert len(re.findall(r"<sup>\[1<span[^>]*> Sergei Lavrov, [^<]*</span>\]\(#body\)</sup>", page)) == 2
    rows = list(csv.DictReader(io.StringIO(text(pages, "data/statements.csv"))))
    assert {r["statement"]: r["same_as"] for r in rows} == {"body": "", "lead": "body"}


def test_a_note_stands_under_its_statement_in_its_citation_and_in_the_open_data(project: Callable[..., Project]) -> None:
    _, pages = built(project, {LAVROV_OSCE: REPEATED.format(translator="unknown")})
    page = text(pages, "sources/lavrov-osce.md")
    assert "*Note:* Said at the plenary, as the paragraph before says\\." in page
    assert "No address of the original recorded\\. Archive's note: Said at the plenary, as the paragraph before says\\." in page
    data = json.loads(pages["data/archive.json"])
    notes = {st["id"]: st["note"] for st in data["sources"][0]["statements"]}
    assert notes == {
        "lead": "The lead paraphrases the warning the body quotes.",
        "body": "Said at the plenary, as the paragraph before says.",
    }


@pytest.mark.parametrize(
    ("translator", "row", "cited"),
    [
        ("unknown", "| Translated by | not named in the text |", "translated from the original \\(ru\\)\\."),
        (
            "sergei-lavrov",
            "| Translated by | [Sergei Lavrov](../actors/sergei-lavrov.md) |",
            "translated from the original \\(ru\\) by Sergei Lavrov\\.",
        ),
    ],
)
def test_the_translator_is_named_or_said_to_be_unnamed(
    project: Callable[..., Project], translator: str, row: str, cited: str
) -> None:
    _, pages = built(project, {LAVROV_OSCE: REPEATED.format(translator=translator)})
    page = text(pages, "sources/lavrov-osce.md")
    assert row in page and cited in page
    assert json.loads(pages["data/archive.json"])["sources"][0]["translator"] == translator
    # What reference managers and search engines read: BibLaTeX's translator field, schema.org's translator.
    front = yaml.safe_load(page.split("---\n")[1])
    named = translator != "unknown"
    assert json.loads(front["jsonld"]).get("translator") == ({"@type": "Person", "name": "Sergei Lavrov"} if named else None)
    bibtex = text(pages, "sources/lavrov-osce/lavrov-osce.bib")
    assert ("  translator = {Sergei Lavrov},\n" in bibtex) is named


def test_a_repeat_that_another_source_quotes_links_the_two_remarks(project: Callable[..., Project]) -> None:
    """The lead of one source paraphrases what another quotes word for word: the remarks are one, both ways."""
    path, tass = TASS
    echo = tass.replace(
        "the further advance of NATO to the east will definitely affect Russia’s security", "NATO's move east threatens Russia"
    )
    graph, _ = built(project, {LAVROV_OSCE: REPEATED.format(translator="unknown"), path: echo})
    body, tass_said = (next(s for s in graph.in_source[src] if not s.statement.same_as) for src in ("lavrov-osce", "tass-lavrov"))
    assert [o.source.id for o in body.also] == ["tass-lavrov"] and [o.statement.id for o in tass_said.also] == ["body"]
    assert [s.statement.id for s in graph.timeline] == ["body"]


# -- search records ----------------------------------------------------------------------------------


def test_search_has_a_record_per_report_of_a_passage_and_one_per_repeated_remark(project: Callable[..., Project]) -> None:
    """The /search/ page's records: each source's report of a passage is found under that source's filters;
    a remark repeated in its own source is one record, with the stances of both passages."""
    graph, _ = built(project, dict([TASS]))
    records = {r.url: dict(r.filters) for r in statement_records(graph)}
    assert set(records) == {f"/sources/lavrov-osce/#{PASSAGE_ID}", f"/sources/tass-lavrov/#{PASSAGE_ID}"}
    assert records[f"/sources/tass-lavrov/#{PASSAGE_ID}"]["stance"] == ("made", "supported")
    assert records[f"/sources/lavrov-osce/#{PASSAGE_ID}"]["stance"] == ("made",)

    graph, _ = built(project, {LAVROV_OSCE: REPEATED.format(translator="unknown")})
    (record,) = statement_records(graph)
    assert record.url == "/sources/lavrov-osce/#body"
    assert dict(record.filters)["demand"] == ("No further NATO enlargement to the east",)
