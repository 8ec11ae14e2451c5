"""Putting content into Markdown safely: content is always data, never markup or a template."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

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


def body_markdown(body: str, marks: Iterable[tuple[Span, str, str]] = ()) -> tuple[str, set[str]]:
    """A source's body as Markdown, with raw HTML shown as text and each quoted passage marked.

    marks: (span, anchor, label) for each statement; the passage is wrapped in <mark> with the id
    q-<anchor>, followed by a link to the statement's own anchor. Overlapping passages are marked
    once, by the first. Returns the Markdown and the anchors whose passage was marked.
    """
    out: list[str] = []
    marked: set[str] = set()
    at = 0
    for span, anchor, label in sorted(marks, key=lambda m: (m[0].start, -m[0].end)):
        if span.start < at:
            continue
        out.append(_escape_body(body[at : span.start]))
        parts = body[span.start : span.end].split("\n\n")
        for i, part in enumerate(parts):
            ident = f' id="q-{anchor}"' if i == 0 else ""
            out.append(f'<mark class="dm-quote"{ident}>{_escape_body(part)}</mark>')
            if i < len(parts) - 1:
                out.append("\n\n")
        out.append(f"<sup>[{label}](#{anchor})</sup>")
        marked.add(anchor)
        at = span.end
    out.append(_escape_body(body[at:]))
    return "".join(out), marked


def _escape_body(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("![", "!\\[")


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
