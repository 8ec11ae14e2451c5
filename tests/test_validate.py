"""The checker's messages are the contributor's interface: assert their exact text and position."""

from collections.abc import Callable

from demarche.pipeline import Project, check


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
