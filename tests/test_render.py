import html
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demarche.cli import main
from demarche.link import link
from demarche.pipeline import Project, check, generate_pages
from demarche.plan import File, PathClash, check_outputs, paginate
from demarche.text import QuoteMark, body_markdown, md, quoted
from demarche.write import write_pages


def test_md_escapes_markup_in_names_and_titles() -> None:
    assert md("<script>alert(1)</script> *x* [a](b)") == "&lt;script&gt;alert\\(1\\)&lt;/script&gt; \\*x\\* \\[a\\]\\(b\\)"
    assert md("{{ 7*7 }}\n# heading") == "\\{\\{ 7\\*7 \\}\\} \\# heading"


MD_SYNTAX = "\\`*_{}[]()#+-.!|"


def md_by_character(text: str) -> str:
    """What md means, one character at a time: white space folded, then each character escaped on its own."""
    entities = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
    return "".join(entities.get(c, "\\" + c if c in MD_SYNTAX else c) for c in " ".join(text.split()))


@settings(max_examples=500)
@given(st.text(alphabet=st.sampled_from(MD_SYNTAX + "&<>;amplt a\n\tЖ\u00a0")) | st.text())
def test_md_escapes_each_character_once_whatever_its_neighbours(text: str) -> None:
    """md escapes in several passes: no pass may escape what an earlier one brought in (a backslash, an entity's '&')."""
    assert md(text) == md_by_character(text)


@pytest.mark.parametrize(
    ("reported", "look", "kind"), [(False, "dm-direct", "direct quote"), (True, "dm-reported", "the source's paraphrase")]
)
def test_body_shows_html_as_text_and_marks_quotes_naming_speaker_and_kind(reported: bool, look: str, kind: str) -> None:
    from demarche.records import Span

    body = "a <b>bold</b> quote here"
    start = body.index("quote")
    mark = QuoteMark(Span(start, start + 5), "s1", "1", "#s1", speaker="A_b", reported=reported, when="2021-12-04")
    text, marked = body_markdown(body, [mark])
    assert text == (
        f'a &lt;b>bold&lt;/b> <mark class="dm-quote {look}" id="q-s1" data-who="A_b, {html.escape(kind)}">quote</mark>'
        f'<sup>[1<span class="dm-tip" data-pagefind-ignore> A\\_b, {kind}</span>](#s1)</sup>'
        f'<span class="dm-note" aria-hidden="true" data-pagefind-ignore><span class="dm-note-n">1</span> '
        f"A\\_b · 4 December 2021 · {kind}</span> here"
    )
    assert marked == {"s1"}


@pytest.mark.parametrize(
    ("quote", "shown"),
    [
        ("plain words", "“plain words”"),
        ("“already quoted”", "“already quoted”"),
        ('"straight quotes"', '"straight quotes"'),
        ("«guillemets»", "«guillemets»"),
        ("„German“", "„German“"),
        ("“begins, and then more", "“begins, and then more”"),
        ("then it ends.”", "“then it ends\\.”"),
        ("'tis the apostrophe'", "“'tis the apostrophe'”"),
        ("", "“”"),
        ("a *b*", "“a \\*b\\*”"),
    ],
)
def test_a_quote_shows_its_quotation_marks_once(quote: str, shown: str) -> None:
    assert quoted(quote) == shown


def test_paginate_splits_long_lists() -> None:
    pages = paginate(list(range(250)), "actors/x.md", "statements", lambda links, n: n, size=100)
    assert [len(p.items) for _, p in pages] == [100, 100, 50]
    assert [doc for doc, _ in pages] == ["actors/x.md", "actors/x/statements/page-2.md", "actors/x/statements/page-3.md"]


def test_link_builds_backlinks(project: Callable[..., Project]) -> None:
    archive, _ = check(project())
    graph = link(archive)
    (position,) = graph.positions["no-further-nato-enlargement"]
    assert position.role == "made" and position.said.speaker.id == "sergei-lavrov"
    assert [s.source.id for s in graph.citations["bucharest-summit-declaration-2008"]] == ["lavrov-osce"]
    assert [a.id for a in graph.mentions["lavrov-osce"].actors] == ["nato", "russia", "sergei-lavrov"]
    assert [a.id for a, _ in graph.appears_with["nato"]] == ["russia", "sergei-lavrov"]


def test_every_page_kind_is_generated(project: Callable[..., Project]) -> None:
    _, pages, _ = generate_pages(project())
    for doc in ("index.md", "sources/index.md", "sources/lavrov-osce.md", "actors/index.md", "actors/sergei-lavrov.md",
                "agreements/index.md", "agreements/bucharest-summit-declaration-2008.md", "demands/index.md",
                "demands/no-further-nato-enlargement.md", "timeline.md"):  # fmt: skip
        assert doc in pages, doc
    assert "[Sergei Lavrov](../actors/sergei-lavrov.md)" in pages["sources/lavrov-osce.md"]


def test_generation_is_deterministic_and_writes_only_changes(project: Callable[..., Project], tmp_path: Path) -> None:
    p = project()
    _, first, _ = generate_pages(p)
    _, second, _ = generate_pages(p)
    assert first == second
    report = write_pages(p.docs, first)
    assert len(report.written) == len(first)
    again = write_pages(p.docs, second)
    assert again.written == () and again.unchanged == len(first)


def test_two_outputs_in_one_place_are_refused_naming_both() -> None:
    """check refuses the ids that would collide (an actor 'index'); the plan refuses any collision left, naming both."""
    actor, index = ("actors/index.md", "actor.md.j2"), ("actors/index.md", "actors_index.md.j2")
    with pytest.raises(PathClash) as same_doc:
        check_outputs([actor, index], [])
    assert str(same_doc.value) == (
        "two outputs would be written to docs/actors/index.md:"
        " the page docs/actors/index.md (actor.md.j2) and the page docs/actors/index.md (actors_index.md.j2)"
    )
    with pytest.raises(PathClash) as same_url:
        check_outputs([("actors/otan.md", "actor.md.j2")], [File("actors/otan/index.html", b"")])
    assert str(same_url.value) == (
        "two outputs would be published at /actors/otan/:"
        " the page docs/actors/otan.md (actor.md.j2) and the file docs/actors/otan/index.html"
    )


def test_an_id_that_would_collide_with_a_section_page_writes_nothing(
    project: Callable[..., Project], capsys: pytest.CaptureFixture[str]
) -> None:
    p = project({"sources/actors/index.md": "---\nname: Index\nkind: media\n---\n"})
    assert main(["--root", str(p.root), "generate"]) == 1
    assert "'index' cannot be an id" in capsys.readouterr().err
    assert not (p.docs / "actors").exists()
