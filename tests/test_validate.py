"""The checker's messages are the contributor's interface: assert their exact text and position."""

import datetime as dt
from collections.abc import Callable

import pytest

from demarche.pipeline import Project, check
from demarche.schema import SOURCE_PAGE_ANCHORS


def problems_of(project: Project) -> list[str]:
    _, problems = check(project)
    return [f"{p.path}:{p.line}:{p.column}: {p.severity}: {p.message}" + (f" | {p.hint}" if p.hint else "") for p in problems]


def test_the_minimal_archive_is_clean(project: Callable[..., Project]) -> None:
    assert problems_of(project()) == []


def test_unknown_key_with_did_you_mean(project: Callable[..., Project]) -> None:
    p = project({"sources/actors/nato.md": "---\nname: NATO\nkind: organization\nalias: [x]\n---\n"})
    assert problems_of(p) == [
        "sources/actors/nato.md:4:1: error: unknown key 'alias' in the front matter | did you mean 'aliases'?",
    ]


def test_missing_required_field_and_bad_enum(project: Callable[..., Project]) -> None:
    p = project({"sources/actors/nato.md": "---\nkind: organisation\n---\n"})
    assert problems_of(p) == [
        "sources/actors/nato.md:2:1: error: missing required field 'name' in the front matter | add a line 'name: Sergei Lavrov'",
        "sources/actors/nato.md:2:7: error: 'organisation' is not a known kind | did you mean 'organization'?",
    ]


def test_unknown_id_with_did_you_mean_points_at_the_item(project: Callable[..., Project]) -> None:
    p = project(
        {"sources/demands/no-further-nato-enlargement.md": "---\ntitle: T\nby: [russia]\nof:\n  - nato\n  - ukrane\n---\n"}
    )
    assert problems_of(p) == [
        "sources/demands/no-further-nato-enlargement.md:6:5: error: unknown actor id 'ukrane' | "
        "add sources/actors/ukrane.md or fix the id",
    ]
    p = project({"sources/demands/no-further-nato-enlargement.md": "---\ntitle: T\nby: [russa]\nof: [nato]\n---\n"})
    assert problems_of(p) == [
        "sources/demands/no-further-nato-enlargement.md:3:6: error: unknown actor id 'russa' | did you mean 'russia'?",
    ]


def test_dates_in_three_forms_and_impossible_dates(project: Callable[..., Project]) -> None:
    ok = "---\ntitle: T\nkind: treaty\ndate: 2008\n---\n"
    assert problems_of(project({"sources/agreements/a.md": ok})) == []
    ok = "---\ntitle: T\nkind: treaty\ndate: '2008-04'\n---\n"
    assert problems_of(project({"sources/agreements/a.md": ok})) == []
    bad = "---\ntitle: T\nkind: treaty\ndate: 2021-02-30\n---\n"
    assert problems_of(project({"sources/agreements/a.md": bad})) == [
        "sources/agreements/a.md:4:7: error: '2021-02-30' is not a real date",
    ]


def test_quote_not_found_shows_the_closest_passage(project: Callable[..., Project]) -> None:
    text = """
        ---
        title: T
        date: 2021-12-04
        kind: article
        statements:
          - speaker: sergei-lavrov
            quote: "The OSCE is in depressing state"
        ---
        Lavrov said: “The OSCE is in a depressing state,” and left.
        """
    assert problems_of(project({"sources/texts/2021/t.md": text})) == [
        "sources/texts/2021/t.md:7:12: error: quote not found in the text | "
        'closest passage in the text: "OSCE is in a depressing state,”"',
    ]


def test_every_problem_of_every_file_in_one_run_sorted(project: Callable[..., Project]) -> None:
    p = project(
        {
            "sources/actors/nato.md": "---\nname: NATO\nkind: club\n---\n",
            "sources/actors/russia.md": "---\nname: Russia\nkind: state\nwikidata: 159\n---\n",
        }
    )
    found = problems_of(p)
    assert [line.split(": error")[0] for line in found] == ["sources/actors/nato.md:3:7", "sources/actors/russia.md:4:11"]


def test_statement_anchor_is_derived_from_speaker_and_quote(project: Callable[..., Project]) -> None:
    archive, _ = check(project())
    (statement,) = archive.sources[0].statements
    assert statement.id == "sergei-lavrov-the-further-advance-of-nato-to-the-east"


def test_month_or_day_zero_and_year_zero_are_not_real_dates(project: Callable[..., Project]) -> None:
    bad = "---\ntitle: T\nkind: treaty\ndate: '{}'\n---\n"
    for date in ("2021-00", "2021-12-00", "0000"):
        assert problems_of(project({"sources/agreements/a.md": bad.format(date)})) == [
            f"sources/agreements/a.md:4:7: error: '{date}' is not a real date",
        ]


def test_a_record_that_cannot_be_read_does_not_make_others_fail(project: Callable[..., Project]) -> None:
    """nato.md is broken, but sources that refer to nato are not reported too: one mistake, one message."""
    p = project({"sources/actors/nato.md": "---\nname: NATO\nkind: [organization\n---\n"})
    assert [line.split(": error: ")[0] for line in problems_of(p)] == ["sources/actors/nato.md:3:7"]


def test_a_former_id_that_is_the_records_own_id(project: Callable[..., Project]) -> None:
    p = project({"sources/actors/nato.md": "---\nname: NATO\nkind: organization\nformer_ids: [nato]\n---\n"})
    assert problems_of(p) == [
        "sources/actors/nato.md:4:14: error: former id 'nato' is this record's own id | remove it from former_ids",
    ]


def test_a_date_more_than_a_year_ahead_is_a_warning_in_every_date_field(project: Callable[..., Project]) -> None:
    today = dt.date.today()
    ahead, near = f"{today.year + 5}-01-01", (today + dt.timedelta(days=300)).isoformat()
    p = project(
        {
            "sources/actors/sergei-lavrov.md": f"---\nname: L\nkind: person\nroles:\n  - title: T\n    from: {near}\n"
            f"    until: '{today.year + 5}'\n---\n",
            "sources/agreements/bucharest-summit-declaration-2008.md": f"---\ntitle: B\nkind: treaty\ndate: '{ahead[:7]}'\n---\n",
            f"sources/texts/{today.year + 5}/t.md": f"---\ntitle: T\ndate: {ahead}\nkind: article\nstatements:\n"
            f"  - speaker: nato\n    quote: the whole of the text\n    date: {ahead}\n---\nThe whole of the text.\n",
        },
        site_parts=False,
    )
    assert problems_of(p) == [
        f"sources/actors/sergei-lavrov.md:7:12: warning: 'until' is {today.year + 5}, more than a year after today | check the year",
        f"sources/agreements/bucharest-summit-declaration-2008.md:4:7: warning: 'date' is {ahead[:7]}, "
        "more than a year after today | check the year",
        f"sources/texts/{today.year + 5}/t.md:3:7: warning: 'date' is {ahead}, more than a year after today | check the year",
        f"sources/texts/{today.year + 5}/t.md:8:11: warning: 'date' is {ahead}, more than a year after today | check the year",
    ]


ALIAS_HINT = "names are found as written, capitals too ('US' is not 'us'): write it as texts write the name, or leave it out"


@pytest.mark.parametrize(
    ("alias", "doubt"),
    [
        ("us", "is a common word: every 'us' in a text would count as a mention"),
        ("Us", "is a common word: every 'Us' in a text would count as a mention"),
        ("The", "is a common word: every 'The' in a text would count as a mention"),
        ("I", "is a common word: every 'I' in a text would count as a mention"),
        ("on the", "is made of common words: every 'on the' in a text would count as a mention"),
        ("и", "is a common word: every 'и' in a text would count as a mention"),
        ("Что", "is a common word: every 'Что' in a text would count as a mention"),
        ("alliance", "is one word in lower case: any 'alliance' in a text would count as a mention, and 'Alliance' never"),
        ("US", ""),
        ("IT", ""),
        ("The Alliance", ""),
        ("not one inch eastward", ""),
        ("США", ""),
        ("U.S.", ""),
        ("—", "has no letter or digit: no text will ever mention it"),
    ],
)
def test_an_alias_that_is_a_common_word_is_a_warning(alias: str, doubt: str, project: Callable[..., Project]) -> None:
    p = project({"sources/actors/nato.md": f"---\nname: NATO\nkind: organization\naliases: ['{alias}']\n---\n"}, site_parts=False)
    assert problems_of(p) == ([f"sources/actors/nato.md:4:11: warning: alias '{alias}' {doubt} | {ALIAS_HINT}"] if doubt else [])


@pytest.mark.parametrize(
    ("quote", "words", "letters"),
    [
        ("NATO to", 2, 6),
        ("NATO to the", 3, 9),
        ("definitely affect", 2, 16),
        ("NATO to the east", 0, 0),  # 4 words, 12 letters
        ("east will definitely", 0, 0),  # 3 words, 18 letters
        ("of NATO to the east", 0, 0),
    ],
)
def test_a_short_quote_is_a_warning(quote: str, words: int, letters: int, project: Callable[..., Project]) -> None:
    body = "Lavrov warned: “The further advance of NATO to the east will definitely affect Russia’s security.”"
    source = (
        f"---\ntitle: T\ndate: 2021-12-04\nkind: article\nstatements:\n  - speaker: nato\n    quote: '{quote}'\n---\n{body}\n"
    )
    expected = [
        f"sources/texts/2021/lavrov-osce.md:7:12: warning: a short quote ({words} words, {letters} letters) may stand in the "
        "text more than once, and says little out of its context | quote at least 3 words and 12 letters: the whole phrase "
        "the speaker is known for"
    ]
    assert problems_of(project({"sources/texts/2021/lavrov-osce.md": source}, site_parts=False)) == (expected if words else [])


@pytest.mark.parametrize("anchor", sorted(SOURCE_PAGE_ANCHORS))
def test_a_statement_id_cannot_be_a_heading_of_its_page(anchor: str, project: Callable[..., Project]) -> None:
    source = (
        "---\ntitle: T\ndate: 2021-12-04\nkind: article\nstatements:\n  - speaker: nato\n"
        f"    quote: the further advance of NATO\n    id: {anchor}\n---\nThe further advance of NATO.\n"
    )
    assert problems_of(project({"sources/texts/2021/lavrov-osce.md": source}, site_parts=False)) == [
        f"sources/texts/2021/lavrov-osce.md:8:9: error: statement id '{anchor}' is already the anchor of the heading "
        f"'{SOURCE_PAGE_ANCHORS[anchor]}' of the source's page | give the statement another 'id:'"
    ]


@pytest.mark.parametrize(
    ("field", "value", "word", "scripts"),
    [
        ("name", "N\u0410TO", "N\u0410TO", "Latin and Cyrillic"),  # a Cyrillic А
        ("name", "Sergei Lavr\u043ev", "Lavr\u043ev", "Latin and Cyrillic"),  # a Cyrillic о
        ("aliases", "[\u0421\u0428\u0410 or US\u0410]", "US\u0410", "Latin and Cyrillic"),
        ("name", "\u039d\u0391TO", "\u039d\u0391TO", "Latin and Greek"),
        ("name", "Сергей Лавров", "", ""),
        ("name", "Türkiye", "", ""),
        ("aliases", "[Kiev Київ]", "", ""),
    ],
)
def test_a_word_mixing_alphabets_is_a_warning(
    field: str, value: str, word: str, scripts: str, project: Callable[..., Project]
) -> None:
    front = f"name: {value}" if field == "name" else f"name: NATO\naliases: {value}"
    p = project({"sources/actors/nato.md": f"---\nkind: organization\n{front}\n---\n"}, site_parts=False)
    line, col = (3, 7) if field == "name" else (4, 11)
    assert problems_of(p) == (
        [
            f"sources/actors/nato.md:{line}:{col}: warning: '{field}' has a word that mixes {scripts} letters: '{word}' | "
            "letters that look alike are different characters (Latin 'o', Cyrillic 'о'): type the word in one alphabet"
        ]
        if word
        else []
    )
