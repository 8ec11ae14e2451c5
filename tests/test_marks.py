"""Marking quoted passages never changes what a source's text renders to, whatever Markdown the passage stands in.

Each case is a source whose one quote stands in a Markdown construct. Its page's text is rendered
with Python-Markdown and the extensions MkDocs loads from mkdocs.yml, once with the marks and once
without a statement; with the marks taken out, the two must be the same HTML, and the marks must
nest in it. Where a passage cannot be marked, or not all of it, `check` says so, at the quote.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from mkdocs.config import load_config

from demarche.cli import main
from demarche.pipeline import Project, build, check, generate_pages
from demarche.records import Span
from demarche.sitemarkdown import MARKDOWN_CONFIGS, MARKDOWN_EXTENSIONS
from demarche.text import QuoteMark, body_markdown
from tests.conftest import MINIMAL, ROOT, make_project

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CODE = (
    "the quote cannot be marked in the text: it stands in code (a code block or `code`), which shows its text as written"
    " | its statement is listed without an 'In the text' link; to have it marked, quote a passage that begins and ends"
    " in plain text"
)
MARKUP = (
    "the quote cannot be marked in the text: it begins or ends inside Markdown markup (a link, emphasis, or the marker"
    " of a heading, list or table) | its statement is listed without an 'In the text' link; to have it marked, quote a"
    " passage that begins and ends in plain text"
)
PART_CODE = (
    "part of the quote cannot be marked in the text: it stands in code (a code block or `code`), which shows its text as"
    " written | the rest of it is marked; to have all of it marked, quote a passage that begins and ends in plain text"
)
PART_MARKUP = (
    "part of the quote cannot be marked in the text: it begins or ends inside Markdown markup (a link, emphasis, or the"
    " marker of a heading, list or table) | the rest of it is marked; to have all of it marked, quote a passage that"
    " begins and ends in plain text"
)
OSCE = "The OSCE is in a depressing state"
TABLE = "| Who | Said |\n|---|---|\n| Lavrov | The OSCE is in a depressing state |\n| Blinken | Diplomacy first |"
WHOLE = (
    "## What was said\n\nLavrov opened the meeting.\n\n- first, the OSCE\n- second, NATO\n\n"
    f"{TABLE}\n\n> He was quoted\n> at length.\n\n1. one\n2. two\n\nAnd a closing line."
)


@dataclass(frozen=True)
class Case:
    body: str
    quote: str
    marked: tuple[str, ...]  # the text of each <mark>, in order
    warning: str = ""
    linked: bool = True  # the last mark is followed by the link to the statement


CASES = {
    "plain text": Case(f"Lavrov said: “{OSCE}.”", OSCE, (OSCE,)),
    "two plain paragraphs": Case(f"Lavrov said: {OSCE}.\n\nAnd more was said.", f"{OSCE}.\n\nAnd more", (f"{OSCE}.", "And more")),
    "in an indented code block": Case(f"Lavrov said:\n\n    {OSCE}.\n\nThen he left.", OSCE, (), CODE),
    "in fenced code": Case(f"Lavrov said:\n\n```\n{OSCE}.\n```\n\nThen he left.", OSCE, (), CODE),
    "in fenced code holding a blank line": Case(f"```\nnotes\n\n{OSCE}.\n\n```\n\nThen he left.", OSCE, (), CODE),
    "in inline code": Case(f"He wrote `{OSCE}` in his notes.", OSCE, (), CODE),
    "over an indented code block and paragraphs": Case(
        f"Lavrov spoke.\n\n    {OSCE}.\n\nThen he left.", f"spoke.\n\n    {OSCE}.\n\nThen he", ("spoke.", "Then he"), PART_CODE
    ),
    "the whole body, with a heading, lists, a table and a blockquote": Case(
        WHOLE,
        WHOLE,
        (
            "What was said",
            "Lavrov opened the meeting.",
            "first, the OSCE",
            "second, NATO",
            "Who",
            "Said",
            "Lavrov",
            OSCE,
            "Blinken",
            "Diplomacy first",
            "He was quoted\nat length.",
            "one",
            "two",
            "And a closing line.",
        ),
    ),
    "inside a link's text": Case(
        f"He said [{OSCE}](https://example.org/osce) today.", OSCE, (OSCE,), linked=False
    ),  # a link to the statement cannot stand inside a link
    "around a whole link": Case(
        f"He said [{OSCE}](https://example.org/osce) today.",
        f"said [{OSCE}](https://example.org/osce) today",
        (f"said {OSCE} today",),
    ),
    "from before a link into its text": Case(
        f"He said [{OSCE}](https://example.org/osce) today.", "said [The OSCE", ("said", "The OSCE"), PART_MARKUP, linked=False
    ),
    "from a link's text to after it": Case(
        f"He said [{OSCE}](https://example.org/osce) today.",
        "state](https://example.org/osce) today",
        ("state", "today"),
        PART_MARKUP,
    ),
    "into a link's address": Case(
        f"He said [{OSCE}](https://example.org/osce) today.", "state](https://example", ("state",), PART_MARKUP, linked=False
    ),
    "over a reference link": Case(
        f"He said [{OSCE}][osce] today.\n\n[osce]: https://example.org/osce",
        "state][osce] today",
        ("state", "today"),
        PART_MARKUP,
    ),
    "around a whole reference link": Case(
        f"He said [{OSCE}][osce] today.\n\n[osce]: https://example.org/osce",
        f"said [{OSCE}][osce] today",
        (f"said {OSCE} today",),
    ),
    "from emphasis to after it": Case(f"He said *{OSCE}* today.", "state* today", ("state", "today"), PART_MARKUP),
    "inside emphasis": Case(f"He said *{OSCE}* today.", OSCE, (OSCE,)),
    "over list items": Case(
        f"- {OSCE}\n- and NATO is to blame", "depressing state\n- and NATO", ("depressing state", "and NATO")
    ),
    "over a heading line": Case(f"Lavrov spoke\n# {OSCE}\nand left.", f"spoke\n# {OSCE}\nand", ("spoke", OSCE, "and")),
    "in a table row": Case(TABLE, OSCE, (OSCE,)),
    "over table cells": Case(TABLE, f"Lavrov | {OSCE}", ("Lavrov", OSCE)),
    "beginning with #": Case(f"## {OSCE}\n\nThen he left.", f"## {OSCE}", (OSCE,), linked=False),
    "a setext heading": Case(f"{OSCE}\n=====\n\nThen he left.", OSCE, (OSCE,), linked=False),
    "beginning with >": Case(f"> {OSCE}, he said.", f"> {OSCE}", (OSCE,)),
    "beginning with -": Case(f"- {OSCE}, he said.", f"- {OSCE}", (OSCE,)),
    "beginning with 1.": Case(f"1. {OSCE}, he said.", f"1. {OSCE}", (OSCE,)),
    "in a list in a blockquote": Case(f"> - {OSCE}\n> - NATO is to blame", "state\n> - NATO", ("state", "NATO")),
    "in an admonition": Case(f"!!! note\n    {OSCE}, he said.", OSCE, (OSCE,)),
    "over a line break": Case(f"{OSCE}  \nhe said.", f"{OSCE}  \nhe said", (f"{OSCE}\nhe said",)),
    "with escaped markup": Case(f"He said \\*{OSCE}\\* today.", f"\\*{OSCE}\\*", (f"*{OSCE}*",)),
    "with raw HTML": Case(f"He said <b>{OSCE}</b> today.", f"<b>{OSCE}</b>", (f"<b>{OSCE}</b>",)),
}
PATH = "sources/texts/2021/lavrov-osce.md"
LINE_COL = "7:12"


def source(case: Case, with_statement: bool = True) -> str:
    statements = f"statements:\n  - speaker: sergei-lavrov\n    quote: {json.dumps(case.quote)}\n" if with_statement else ""
    return f"---\ntitle: Lavrov at the OSCE\ndate: 2021-12-04\nkind: article\n{statements}---\n{case.body}\n"


@pytest.fixture(scope="module")
def site_markdown() -> Callable[[str], str]:
    """Markdown -> HTML with the extensions and settings MkDocs loads from mkdocs.yml."""
    config = load_config(str(ROOT / "mkdocs.yml"))
    return lambda text: markdown.Markdown(
        extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"]
    ).convert(text)


def text_part(page: str) -> str:
    """The <div markdown> that holds a source's text, from its generated page."""
    start = page.index('<div class="dm-text" markdown>')
    return page[start : page.index("\n</div>\n", start) + len("\n</div>")]


_OURS = re.compile(
    r'(?:<span id="[a-z0-9-]+"></span>)*<mark class="dm-quote dm-(?:direct|reported)"(?: id="q-[a-z0-9-]+")? data-who="[^"]*">'
    r"|</mark>"
    r'|<sup><a href="(?:[a-z0-9/.-]*)#[a-z0-9-]+">\d+<span class="dm-tip" data-pagefind-ignore>[^<]*</span></a></sup>'
    r'<span class="dm-note" aria-hidden="true" data-pagefind-ignore><span class="dm-note-n">\d+</span>[^<]*</span>'
)


class Nesting(HTMLParser):
    """Fails on an end tag that does not close the element opened last; collects the text of each <mark>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.marks: list[str] = []
        self.links = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "mark":
            self.marks.append("")
        if tag == "sup":
            self.links += 1
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <br />, <hr />: no content, nothing to close

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else ''}>"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if "mark" in self.open:
            self.marks[-1] += data


def test_the_extensions_checked_are_those_mkdocs_loads() -> None:
    config = load_config(str(ROOT / "mkdocs.yml"))
    assert tuple(config["markdown_extensions"]) == MARKDOWN_EXTENSIONS
    assert {k: v for k, v in config["mdx_configs"].items() if v} == MARKDOWN_CONFIGS


@pytest.mark.parametrize("name", CASES)
def test_marks_leave_the_rendered_text_as_it_was(
    name: str, project: Callable[..., Project], site_markdown: Callable[[str], str]
) -> None:
    case = CASES[name]
    _, pages, _ = generate_pages(project({PATH: source(case)}))
    _, plain_pages, _ = generate_pages(project({PATH: source(case, with_statement=False)}))
    marked_html = site_markdown(text_part(pages["sources/lavrov-osce.md"]))
    plain_html = site_markdown(text_part(plain_pages["sources/lavrov-osce.md"]))
    assert _OURS.sub("", marked_html) == plain_html
    nesting = Nesting()
    nesting.feed(marked_html)
    assert nesting.marks == list(case.marked)
    assert nesting.links == (1 if case.marked and case.linked else 0)
    anchor = 'id="q-sergei-lavrov-'
    assert (anchor in marked_html) == bool(case.marked)
    assert ("[In the text](#q-" in pages["sources/lavrov-osce.md"]) == bool(case.marked)


@pytest.mark.parametrize("name", CASES)
def test_a_passage_not_marked_is_a_warning_at_its_quote(name: str, project: Callable[..., Project]) -> None:
    case = CASES[name]
    _, found = check(project({PATH: source(case)}))
    problems = [p for p in found if p.code != "short-quote"]  # some cases quote a word or two on purpose
    expected = [f"{PATH}:{LINE_COL}: warning: {case.warning}"] if case.warning else []
    assert [f"{p.path}:{p.line}:{p.column}: {p.severity}: {p.message} | {p.hint}" for p in problems] == expected
    assert all(p.code == "quote-not-marked" for p in problems)


def test_every_link_within_a_built_source_page_lands_on_an_anchor_of_that_page(tmp_path: Path) -> None:
    """One archive with every case, built by MkDocs in strict mode (which checks anchors too)."""
    files = {k: v for k, v in MINIMAL.items() if not k.startswith("sources/texts/")}
    slugs = {}
    for n, (name, case) in enumerate(CASES.items()):
        slugs[name] = f"case-{n}"
        files[f"sources/texts/2021/case-{n}.md"] = source(case).replace("Lavrov at the OSCE", f"Case {n}")
    p = make_project(tmp_path / "all", files)
    build(p)
    for name, slug in slugs.items():
        page = (p.root / "site" / "sources" / slug / "index.html").read_text(encoding="utf-8")
        ids = set(re.findall(r'\sid="([^"]+)"', page))
        targets = set(re.findall(r'href="#([^"]*)"', page))
        assert targets - {""} <= ids, f"{name}: links to missing anchors {sorted(targets - ids)}"
        assert ("In the text" in page) == bool(CASES[name].marked), name


MARKDOWN_BITS = st.sampled_from(
    ["word", "two words", " ", "\n", "\n\n", "# ", "## ", "#", "- ", "* ", "+ ", "1. ", "1986. ", "1) ", "> ", ">", "    ",
     "\t", "`", "``", "```", "~~~", "*", "**", "***", "_", "__", "[", "]", "](https://example.org/)", "][x]", "[x]",
     "\n[x]: https://example.org/\n", "|", "| a | b |\n|---|---|\n", "---", "===", "\\", "!!! note\n    ",
     "??? note\n    ", "  \n", "<b>", "&", "!", "[TOC]", "“", "—"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bits=st.lists(MARKDOWN_BITS, min_size=1, max_size=30), data=st.data())
def test_any_passages_of_any_markdown_are_marked_safely_or_not_at_all(
    bits: list[str], data: st.DataObject, site_markdown: Callable[[str], str]
) -> None:
    """Up to three passages, which may overlap; one listed on a further page has its anchors stand at the passage."""
    body = "".join(bits).strip("\n")
    assume(body.strip())
    marks = []
    for n in range(data.draw(st.integers(1, 3))):
        start = data.draw(st.integers(0, len(body) - 1))
        span = Span(start, data.draw(st.integers(start + 1, len(body))))
        elsewhere = data.draw(st.booleans())
        entry = f"x/statements/page-2.md#s{n}" if elsewhere else f"#s{n}"
        marks.append(QuoteMark(span, f"s{n}", str(n + 1), entry, (f"s{n}", f"s{n}-old") if elsewhere else ()))
    marked, anchors = body_markdown(body, marks)
    html = site_markdown(f'<div class="dm-text" markdown>\n\n{marked}\n\n</div>')
    assert _OURS.sub("", html) == site_markdown(f'<div class="dm-text" markdown>\n\n{body_markdown(body)[0]}\n\n</div>')
    nesting = Nesting()
    nesting.feed(html)
    assert set(re.findall(r'id="q-(s\d)"', html)) == anchors
    assert len(nesting.marks) >= len(anchors)


def test_check_prints_the_warning_and_exits_0(project: Callable[..., Project], capsys: pytest.CaptureFixture[str]) -> None:
    p = project({PATH: source(CASES["in an indented code block"])})
    assert main(["--root", str(p.root), "check"]) == 0
    message, hint = CODE.split(" | ")
    assert capsys.readouterr().out == f"{PATH}:{LINE_COL}: warning: {message}\n    hint: {hint}\n1 warning\n"
