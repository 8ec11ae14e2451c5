"""Putting content into Markdown safely: content is always data, never markup or a template."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from demarche.marks import mark_tags, plan_marks, with_tags
from demarche.records import Span

# md's escapes: HTML's three (html.escape, quote=False), then a backslash before each character that Markdown reads
# as syntax. Made one character after the other with str.replace, which is several times faster than str.translate
# on the many short names and titles of a page; the backslash comes first, and '&' before '<' and '>', so that no
# escape is escaped again (the others bring in only a backslash, or '&', letters and ';').
_MD_ESCAPES = (("\\", "\\\\"), ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), *((c, "\\" + c) for c in "`*_{}[]()#+-.!|"))
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def md(text: object) -> str:
    """Text for an inline Markdown context (a title in a heading, a name in a list or a table).

    HTML is escaped, so it shows as text; Markdown syntax is backslash-escaped, so it cannot
    start a link, emphasis or a table cell; line breaks fold, so it cannot start a block.
    """
    flat = " ".join(str(text).split())
    for char, escaped in _MD_ESCAPES:
        if char in flat:
            flat = flat.replace(char, escaped)
    return flat


def attr(text: object) -> str:
    """Text for an HTML attribute value or for a page's meta title."""
    return html.escape(" ".join(str(text).split()), quote=True)


@dataclass(frozen=True)
class QuoteMark:
    """A statement's passage, to mark in its source's text."""

    span: Span
    anchor: str  # the statement's anchor; the passage's first mark has the id q-<anchor>
    label: str  # the statement's number, shown after the passage as a link to its entry
    entry: str  # where its entry is: '#<anchor>' on the same page, or a link to another page
    ids: tuple[str, ...] = ()  # anchors that stand at the passage: those of a statement listed on another page
    speaker: str = ""  # who speaks in it, named at the mark to every reader
    reported: bool = False  # the source's paraphrase, not the speaker's own words
    when: str = ""  # the statement's date, for its margin note

    @property
    def kind(self) -> str:
        return "the source's paraphrase" if self.reported else "direct quote"

    def who(self) -> str:
        """What a reader learns at the mark, on hover or focus or from a screen reader: who speaks, and how it is quoted."""
        return f"{self.speaker}, {self.kind}" if self.speaker else self.kind


def body_markdown(body: str, marks: Iterable[QuoteMark] = ()) -> tuple[str, set[str]]:
    """A source's body as Markdown, with raw HTML shown as text and each quoted passage marked.

    Each passage is wrapped in <mark> where that is safe, piece by piece when it runs over several
    blocks (see marks.plan_marks); the last piece is followed by a link to the statement's entry.
    Returns the Markdown and the anchors whose passage was marked.
    """
    marks = list(marks)
    plans = plan_marks(body, tuple(m.span for m in marks))
    tags: list[tuple[int, int, str]] = []
    for mark, plan in zip(marks, plans, strict=True):
        stubs = "".join(f'<span id="{a}"></span>' for a in mark.ids)
        look = f'class="dm-quote {"dm-reported" if mark.reported else "dm-direct"}"'
        who = f'data-who="{attr(mark.who())}"'  # shown on hover; an attribute, so a heading's text and anchor stay as they were
        tags += mark_tags(plan, f'{stubs}<mark {look} id="q-{mark.anchor}" {who}>', f"<mark {look} {who}>", _after_passage(mark))
    return with_tags(body, tags), {mark.anchor for mark, plan in zip(marks, plans, strict=True) if plan.pieces}


_OPENING = '"“‘„‚«‹「『'  # marks that may open a quotation (not the straight apostrophe: it is more often an apostrophe)
_CLOSING = '"”’“‘»›」』'


def quoted(text: object) -> str:
    """A quote for inline Markdown (see md), between quotation marks: a quote that itself begins with one gets no
    second opening mark, and one that ends with one no second closing mark, so that nested marks show once."""
    flat = " ".join(str(text).split())
    opening = "" if flat[:1] in tuple(_OPENING) else "“"
    closing = "" if len(flat) > 1 and flat[-1] in _CLOSING else "”"
    return f"{opening}{md(flat)}{closing}"


def _after_passage(mark: QuoteMark) -> str:
    """The link to a passage's statement, its number naming the speaker (to screen readers, and shown on focus); its margin note."""
    tip = f'<span class="dm-tip" data-pagefind-ignore> {md(mark.who())}</span>'
    note_parts = [mark.speaker, human_date(mark.when), mark.kind]
    note = " · ".join(md(p) for p in note_parts if p)
    margin = (
        f'<span class="dm-note" aria-hidden="true" data-pagefind-ignore><span class="dm-note-n">{mark.label}</span> {note}</span>'
    )
    return f"<sup>[{mark.label}{tip}]({mark.entry})</sup>{margin}"


def human_date(value: str | None) -> str:
    """2021-12-04 -> 4 December 2021; 2021-12 -> December 2021; 2021 -> 2021."""
    if not value:
        return ""
    parts = value.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 2:
        return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return parts[0]


def parse_date(value: str) -> date:
    """A record date (YYYY, YYYY-MM or YYYY-MM-DD) as the first day it can mean."""
    parts = [int(p) for p in value.split("-")] + [1, 1]
    return date(parts[0], parts[1], parts[2])
