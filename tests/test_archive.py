"""The archive in sources/ itself: clean, and telling the story its sources tell."""

from __future__ import annotations

from pathlib import Path

import pytest

from demarche.link import Graph, link
from demarche.pipeline import Project, check

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def graph() -> Graph:
    archive, problems = check(Project(ROOT))
    assert [p.as_text() for p in problems] == []
    return link(archive)


def test_every_quote_verifies_and_there_are_thirty_or_more_statements(graph: Graph) -> None:
    assert len(graph.timeline) >= 30


def test_legally_binding_guarantees_made_by_putin_lavrov_and_the_ministry_in_date_order(graph: Graph) -> None:
    made = [
        (p.said.statement.date, p.said.speaker.id)
        for p in graph.positions["legally-binding-security-guarantees"]
        if p.role == "made"
    ]
    assert [d for d, _ in made] == sorted(d for d, _ in made)
    firsts = {}
    for date, speaker in made:
        firsts.setdefault(speaker, date)
    assert firsts["vladimir-putin"] == "2021-12-01"
    assert firsts["sergei-lavrov"] == "2021-12-02"
    assert "2021-12-10" in [d for d, s in made if s == "russian-foreign-ministry"]


def test_stoltenberg_rejects_the_demand_his_no_veto_words_answer(graph: Graph) -> None:
    rejections = [p for p in graph.positions["no-further-nato-enlargement"] if p.role == "rejected"]
    assert any(p.said.speaker.id == "jens-stoltenberg" and "veto" in p.said.statement.quote.lower() for p in rejections)


def test_the_translation_is_marked(graph: Graph) -> None:
    kommersant = graph.sources["kommersant-2021-12-04-lavrov-osce-nightmarish-scenario"]
    assert (kommersant.language, kommersant.original_language, kommersant.publisher) == ("en", "ru", "Kommersant")


def test_the_red_line_is_kommersants_inference_filed_under_its_reporter_not_lavrovs_demand(graph: Graph) -> None:
    """ "It clearly followed from the minister's speech that..." is the newspaper's reading of the speech: it keeps its
    URL (its id), is filed under the report's author, is about Lavrov, and takes no stance on any demand."""
    said = next(s for s in graph.timeline if s.statement.id == "lavrov-osce-ukraine-nato-red-line")
    st = said.statement
    assert said.speaker.id == "elena-chernenko" and st.source_id in {s.id for s in graph.archive.sources}
    assert st.quote.startswith("It clearly followed from the minister’s speech") and not st.reported
    assert "sergei-lavrov" in st.about and (st.makes, st.supports, st.rejects) == ((), (), ())
    lavrov_made = {p.said.statement.id for p in graph.positions["no-further-nato-enlargement"] if p.role == "made"}
    assert "lavrov-osce-ukraine-nato-red-line" not in lavrov_made
