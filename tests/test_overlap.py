"""`check` flags a text that largely repeats another one of the archive, found in one pass over an index of shingles."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bench.check_repeats import run

from demarche import overlap, validate
from demarche.overlap import Repeat, repeated_texts
from demarche.pipeline import Project, check, generate, generate_pages
from demarche.problems import ContentError

# 160 words, none like another: 156 five-word runs.
WORDS = [f"w{n}" for n in range(160)]
TEXT = " ".join(WORDS)


def part(start: int, end: int) -> str:
    return " ".join(WORDS[start:end])


def source(title: str, date: str, body: str) -> str:
    return f"---\ntitle: {title}\ndate: {date}\nkind: article\n---\n{body}\n"


COPIES = {
    "sources/texts/2021/first.md": source("The first copy", "2021-12-04", TEXT),
    "sources/texts/2021/second.md": source("Another title", "2021-12-05", "Reprinted.\n\n" + TEXT),
}
REPEAT_WARNING = (
    "sources/texts/2021/second.md:6:1: warning: this text largely repeats sources/texts/2021/first.md "
    "(“The first copy”): 99% of its 5-word runs stand there too\n"
    "    hint: if it is the same text under another title, keep one source and give it the statements of both; "
    "if both must stay (a reprint), say so in the summary"
)


def test_a_second_copy_under_another_title_is_flagged_naming_the_first_and_the_share(  # 156 of its 157 runs
    project: Callable[..., Project],
) -> None:
    _, problems = check(project(COPIES))
    assert [p.as_text() for p in problems] == [REPEAT_WARNING]


# An error found by each stage before the repeats are looked for: loading, checking a record, the introduction.
ERRORS = {
    "load": {"sources/texts/2021/broken.md": "---\ntitle: [unclosed\ndate: 2021-12-06\n---\nText.\n"},
    "validate": {"sources/texts/2021/undated.md": "---\ntitle: No date\nkind: article\n---\nText.\n"},
    "introduction": {"sources/introduction.md": "See ![a map](map.png).\n"},
}


@pytest.mark.parametrize("stage", ERRORS)
@pytest.mark.parametrize("incremental", [False, True], ids=["clean", "incremental"])
def test_a_failing_build_shows_the_repeats_as_check_does(project: Callable[..., Project], stage: str, incremental: bool) -> None:
    """A build looks for repeated texts only when it will show its problems, that is when there is an error: then
    it shows exactly what `demarche check` shows."""
    p = project(COPIES | ERRORS[stage])
    _, shown = check(p)
    assert REPEAT_WARNING in [p.as_text() for p in shown]
    assert any(p.severity == "error" for p in shown)
    with pytest.raises(ContentError) as failed:
        generate_pages(p, incremental=incremental)
    assert failed.value.problems == shown


def test_a_build_that_shows_no_problem_does_not_look_for_repeats(
    project: Callable[..., Project], monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_called(bodies: list[str]) -> list[Repeat]:
        raise AssertionError("repeated texts looked for, and not shown")

    p = project(COPIES)
    monkeypatch.setattr(validate, "repeated_texts", not_called)
    generate(p)
    assert (p.docs / "sources/second.md").exists()


@pytest.mark.parametrize(
    ("bodies", "found"),
    [
        ([TEXT, part(0, 100) + " other words follow here now"], [Repeat(1, 0, 96 / 101)]),  # most of it: 96 of its 101 runs
        ([TEXT, part(0, 80) + " " + " ".join(f"x{n}" for n in range(80))], []),  # 76 of its 156 runs: under half
        ([part(0, 40), TEXT], [Repeat(0, 1, 1.0)]),  # a short text standing whole in a later, longer one
        ([TEXT, TEXT, TEXT], [Repeat(1, 0, 1.0), Repeat(2, 0, 1.0)]),  # copies name the first
        ([part(0, 20), part(0, 20)], []),  # too short to judge
        ([part(0, 80), part(80, 160)], []),  # nothing in common
    ],
    ids=["most", "under-half", "short-in-long", "three-copies", "too-short", "distinct"],
)
def test_what_counts_as_a_repeat(bodies: list[str], found: list[Repeat]) -> None:
    assert repeated_texts(bodies) == found


def test_a_phrase_in_very_many_texts_is_boilerplate_and_not_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    common = part(0, 60)
    bodies = [f"{common} " + " ".join(f"t{i}x{n}" for n in range(40)) for i in range(overlap.COMMON_SHINGLE + 1)]
    assert repeated_texts(bodies) == []
    monkeypatch.setattr(overlap, "COMMON_SHINGLE", len(bodies))
    assert len(repeated_texts(bodies)) == len(bodies) - 1


def test_the_bench_finds_the_copy_it_adds_to_a_small_archive(capsys: pytest.CaptureFixture[str]) -> None:
    """bench/check_repeats.py on five sources, so that it cannot rot (it exits when the copy is not the one warning)."""
    run(5)
    assert "6 sources" in capsys.readouterr().out
