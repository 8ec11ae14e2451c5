"""Statement anchors are public URLs (/sources/<id>/#<anchor>): edits around a statement never move its anchor."""

from __future__ import annotations

from collections.abc import Callable

from demarche.pipeline import Project, check, generate_pages
from tests.test_validate import problems_of

PATH = "sources/texts/2021/lavrov-osce.md"
OSCE = "The OSCE is in a depressing state, and the architecture of strategic stability is collapsing"
NATO = "The further advance of NATO to the east will definitely affect Russia's security"
GUARANTEES = "We need legally binding guarantees"
BODY = (
    "Lavrov began: “The OSCE is in a depressing state, and the architecture of strategic stability is collapsing.”\n\n"
    "He warned: “The further advance of NATO to the east will definitely affect Russia’s security.”\n\n"
    "And he repeated: “We need legally binding guarantees.”\n"
)


def source(statements: list[str], body: str = BODY) -> str:
    """A source file whose statements are the given YAML items, in order."""
    items = "".join(f"  - {item}\n" for item in statements)
    return f"---\ntitle: Lavrov at the OSCE\ndate: 2021-12-04\nkind: article\nstatements:\n{items}---\n{body}"


def said(quote: str, extra: str = "") -> str:
    return f'speaker: sergei-lavrov\n    quote: "{quote}"' + (f"\n    {extra}" if extra else "")


def anchors(project: Callable[..., Project], text: str) -> dict[str, str]:
    """The first words of each quote -> its statement's anchor."""
    archive, problems = check(project({PATH: text}))
    assert problems == []
    (lavrov_osce,) = archive.sources
    return {" ".join(st.quote.split()[:3]): st.id for st in lavrov_osce.statements}


BEFORE = {
    "The OSCE is": "sergei-lavrov-the-osce-is-in-a-depressing-state-and",
    "The further advance": "sergei-lavrov-the-further-advance-of-nato-to-the-east",
}


def test_anchors_come_from_speaker_and_first_words(project: Callable[..., Project]) -> None:
    assert anchors(project, source([said(OSCE), said(NATO)])) == BEFORE


def test_adding_a_statement_before_the_others_leaves_their_anchors(project: Callable[..., Project]) -> None:
    found = anchors(project, source([said(GUARANTEES), said(OSCE), said(NATO)]))
    assert found == {**BEFORE, "We need legally": "sergei-lavrov-we-need-legally-binding-guarantees"}


def test_removing_a_statement_leaves_the_others(project: Callable[..., Project]) -> None:
    assert anchors(project, source([said(NATO)])) == {"The further advance": BEFORE["The further advance"]}


def test_reordering_statements_leaves_their_anchors(project: Callable[..., Project]) -> None:
    assert anchors(project, source([said(NATO), said(OSCE)])) == BEFORE


def test_fixing_a_typo_elsewhere_in_the_source_leaves_the_anchors(project: Callable[..., Project]) -> None:
    typo = "collapsing"
    misspelt = BODY.replace(typo, "colapsing").replace("He warned", "He warnd")
    assert anchors(project, source([said(OSCE.replace(typo, "colapsing")), said(NATO)], misspelt)) == BEFORE
    assert anchors(project, source([said(OSCE), said(NATO)])) == BEFORE


def test_a_given_id_is_the_anchor_whatever_the_quote(project: Callable[..., Project]) -> None:
    found = anchors(project, source([said(OSCE, "id: lavrov-osce-depressing-state"), said(NATO)]))
    assert found == {**BEFORE, "The OSCE is": "lavrov-osce-depressing-state"}


def test_two_statements_sharing_an_anchor_are_an_error_asking_for_an_id(project: Callable[..., Project]) -> None:
    first, again = "The OSCE is in a depressing state, he said", "The OSCE is in a depressing state, he said again"
    body = f"“{first}”, and later: “{again}”.\n"
    text = source([said(first), said(again)], body)
    assert problems_of(project({PATH: text})) == [
        f"{PATH}:9:12: error: statement id 'sergei-lavrov-the-osce-is-in-a-depressing-state-he' is used by statement 1 too"
        " | give one of them its own 'id:'",
    ]
    fixed = source([said(first), said(again, "id: lavrov-osce-again")], body)
    assert problems_of(project({PATH: fixed})) == []


def test_a_given_id_that_clashes_is_reported_at_the_id(project: Callable[..., Project]) -> None:
    text = source([said(OSCE, "id: same"), said(NATO, "id: same")])
    assert problems_of(project({PATH: text})) == [
        f"{PATH}:11:9: error: statement id 'same' is used by statement 1 too | give one of them its own 'id:'",
    ]


def test_a_renamed_speaker_keeps_the_anchors_of_its_statements(project: Callable[..., Project]) -> None:
    renamed = {
        "sources/actors/sergei-lavrov.md": None,
        "sources/actors/sergey-lavrov.md": "---\nname: Sergey Lavrov\nkind: person\nformer_ids: [sergei-lavrov]\n---\n",
        PATH: source([said(OSCE).replace("sergei-", "sergey-"), said(NATO, "id: lavrov-nato").replace("sergei-", "sergey-")]),
    }
    _, pages, _ = generate_pages(project(renamed))
    page = pages["sources/lavrov-osce.md"]
    assert (
        '<div class="dm-statement" id="sergey-lavrov-the-osce-is-in-a-depressing-state-and" markdown data-pagefind-ignore="all">'
        in page
    )
    assert '<span id="sergei-lavrov-the-osce-is-in-a-depressing-state-and"></span>**1.**' in page
    assert '<div class="dm-statement" id="lavrov-nato" markdown data-pagefind-ignore="all">' in page
    assert page.count("<span id=") == 1
