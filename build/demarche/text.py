"""Putting content into Markdown safely: content is always data, never markup or a template."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from demarche.marks import mark_tags, plan_marks, with_tags
from demarche.records import Span

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>])")
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
    escaped = html.escape(flat, quote=False)
    return _MD_SPECIAL.sub(r"\\\1", escaped)


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
        first = f'{stubs}<mark class="dm-quote" id="q-{mark.anchor}">'
        tags += mark_tags(plan, first, '<mark class="dm-quote">', f"<sup>[{mark.label}]({mark.entry})</sup>")
    return with_tags(body, tags), {mark.anchor for mark, plan in zip(marks, plans, strict=True) if plan.pieces}


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
