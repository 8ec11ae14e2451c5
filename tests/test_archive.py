"""The archive in sources/ itself: clean, and telling the story its sources tell."""

from __future__ import annotations

from pathlib import Path

import pytest

from demarche.link import Graph, link
from demarche.pipeline import Project, check
from demarche.records import Statement

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


KOMMERSANT = "kommersant-2021-12-04-lavrov-osce-nightmarish-scenario"
EIR = "eir-2021-12-11-russian-foreign-ministry-security-guarantees"


def _statement(graph: Graph, source_id: str, statement_id: str) -> Statement:
    return next(st for st in graph.sources[source_id].statements if st.id == statement_id)


def test_the_kommersant_report_keeps_its_date_and_names_no_translator(graph: Graph) -> None:
    kommersant = graph.sources[KOMMERSANT]
    assert (kommersant.date, kommersant.translator) == ("2021-12-04", "unknown")


@pytest.mark.parametrize(
    ("source_id", "remark", "repeats"),
    [
        (KOMMERSANT, "lavrov-osce-nightmarish-scenario", ["lavrov-osce-nightmarish-scenario-lede"]),
        (
            KOMMERSANT,
            "lavrov-osce-causes-of-escalation",
            ["lavrov-osce-euro-missile-crisis", "lavrov-osce-nato-infrastructure-and-pumping"],
        ),
        (EIR, "mfa-timeframe-and-indivisible-security", ["mfa-guarantees-specific-timeframe"]),
    ],
)
def test_a_remark_the_lead_and_the_body_both_report_is_one_remark(
    graph: Graph, source_id: str, remark: str, repeats: list[str]
) -> None:
    said = next(s for s in graph.in_source[source_id] if s.statement.id == remark)
    assert [r.id for r in said.repeats] == repeats
    counted = [s.statement.id for s in graph.timeline]
    assert remark in counted and not set(repeats) & set(counted)


@pytest.mark.parametrize(
    ("source_id", "statement_id", "demand"),
    [
        (KOMMERSANT, "lavrov-osce-proposals-soon", "legally-binding-security-guarantees"),  # an announcement
        (KOMMERSANT, "lavrov-osce-serious-consideration", "legally-binding-security-guarantees"),  # K:175
        (KOMMERSANT, "lavrov-stockholm-press-collective-guarantees", "legally-binding-security-guarantees"),  # K:181
        (KOMMERSANT, "lavrov-stockholm-nato-advance", "no-further-nato-enlargement"),  # K:233, a warning
        (KOMMERSANT, "mfa-stockholm-imperative-requirement", "legally-binding-security-guarantees"),  # K:247
        (EIR, "putin-biden-call-security-guarantees", "legally-binding-security-guarantees"),  # E:19
        (EIR, "mfa-draft-legal-documents", "legally-binding-security-guarantees"),  # E:171, an announcement
    ],
)
def test_warnings_announcements_and_guarantees_not_said_to_be_binding_back_the_demand_without_making_it(
    graph: Graph, source_id: str, statement_id: str, demand: str
) -> None:
    st = _statement(graph, source_id, statement_id)
    assert demand in st.supports and demand not in st.makes
    assert st.note and "filed as backing" in st.note


@pytest.mark.parametrize(
    ("statement_id", "start"),
    [
        ("lavrov-osce-saakashvili-adventure", "from NATO perspective Mikheil Saakashvili (then Georgian leader"),  # K:94
        ("blinken-stockholm-diplomacy", "I think Sergey (Lavrov. – “B”) over the past 24 hours"),  # K:214
    ],
)
def test_cut_quotes_are_extended_to_their_subject(graph: Graph, statement_id: str, start: str) -> None:
    st = _statement(graph, KOMMERSANT, statement_id)
    assert st.quote.startswith(start)
    assert st.note and st.note.startswith("Quoted from its")


def test_every_passage_with_kommersants_b_marker_says_what_it_means(graph: Graph) -> None:
    marked = [st for st in graph.sources[KOMMERSANT].statements if "“B”" in st.quote]
    assert [st.id for st in marked] == ["lavrov-osce-saakashvili-adventure", "blinken-stockholm-diplomacy"]
    assert all(st.note and '"B" stands for the newspaper, "Ъ"' in st.note for st in marked)
    putin = _statement(graph, KOMMERSANT, "putin-credentials-legal-guarantees")  # the marker stands after its quote
    assert putin.note and '"B" stands for the newspaper, "Ъ"' in putin.note and "1990 assurances" in putin.note


@pytest.mark.parametrize(
    ("prefix", "said_when"),
    [("stoltenberg-riga-", '"yesterday"'), ("putin-credentials-", '"on the eve"')],
)
def test_dates_and_occasions_the_text_does_not_give_say_where_they_come_from(graph: Graph, prefix: str, said_when: str) -> None:
    statements = [st for st in graph.sources[KOMMERSANT].statements if st.id.startswith(prefix)]
    assert len(statements) >= 2
    for st in statements:
        assert st.date == "2021-12-01" and st.note
        assert said_when in st.note and "not from this text" in st.note


def test_the_istanbul_charter_sentence_names_no_speaker_and_is_filed_under_eir(graph: Graph) -> None:
    st = _statement(graph, EIR, "mfa-charter-security-at-expense-of-others")  # E:106
    assert st.speaker == "eir-news-service" and not st.reported
    assert "russian-foreign-ministry" in st.about and st.cites == ("charter-for-european-security-1999",)
    assert st.note and st.note.startswith("The sentence names no speaker.")


def test_what_putin_insists_on_is_the_ministrys_words_about_him(graph: Graph) -> None:
    for statement_id in ("mfa-serious-long-term-legal-guarantees", "mfa-exclude-nato-advancement"):  # E:129, E:136
        st = _statement(graph, EIR, statement_id)
        assert st.speaker == "russian-foreign-ministry" and "vladimir-putin" in st.about
        assert st.note and "filed under the Ministry" in st.note
