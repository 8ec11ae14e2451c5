"""Marking quoted passages in a source's text, so that the marks never change what the text renders to.

A <mark> is raw inline HTML: in code it shows as text, and across the edge of a paragraph, list
item, table cell or link it nests wrongly. So a passage is marked piece by piece, one piece per
inline run it covers. Where the paragraphs around it hold no Markdown markup at all, that is
plainly safe; elsewhere the pieces are checked by rendering the body with the site's Markdown
extensions, and a piece is kept only when the page renders as it would without it.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

from markdown.extensions.fenced_code import FencedBlockPreprocessor

from demarche.records import Span
from demarche.sitemarkdown import MARKDOWN_TAB, to_html

IN_CODE = "code"
IN_MARKUP = "markup"
OVERLAPS = "overlap"


@dataclass(frozen=True)
class Marking:
    """How one quoted passage is marked in its source's body."""

    pieces: tuple[Span, ...] = ()  # wrapped in <mark>, in order; the first has the id
    link_after: int = -1  # the piece followed by the link to the statement; -1 for none
    left_out: str = ""  # why part or all of the passage is not marked: IN_CODE, IN_MARKUP, OVERLAPS; "" when nothing is


def plan_marks(body: str, spans: tuple[Span, ...]) -> tuple[Marking, ...]:
    """How each passage is marked, in the order given; a passage overlapping one before it in the text is not."""
    plans: dict[int, Marking] = {}
    checked: dict[int, tuple[_Piece, ...]] = {}
    fenced = "```" in body or "~~~" in body  # a fence can hold blank lines: no block is plain for sure
    plain = not fenced and _is_plain(body)
    at = 0
    for i in sorted(range(len(spans)), key=lambda i: (spans[i].start, -spans[i].end)):
        span = spans[i]
        if span.start < at:
            plans[i] = Marking(left_out=OVERLAPS)
            continue
        at = span.end
        if plain or (not fenced and _is_plain(_paragraphs_around(body, span))):
            pieces = _trimmed(body, [Span(m.start(), m.end()) for m in _NOT_BLANK_LINES.finditer(body, span.start, span.end)])
            plans[i] = Marking(tuple(pieces), len(pieces) - 1)
        else:
            checked[i] = _proposed_pieces(body, span)
    if checked:
        plans.update(zip(checked, _checked(body, tuple(checked.values())), strict=True))
    return tuple(plans[i] for i in range(len(spans)))


def escape_body(text: str) -> str:
    """Body text as Markdown: raw HTML shows as text, and an image cannot begin (the site loads nothing from elsewhere)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("![", "!\\[")


def with_tags(body: str, tags: list[tuple[int, int, str]]) -> str:
    """The escaped body with raw HTML tags inserted at (offset, order, tag); at one offset, lower orders first.

    Tabs are expanded here as Markdown would expand them in the body without tags, whose columns
    the tags would otherwise shift.
    """
    out: list[str] = []
    at = column = 0
    for offset, _, tag in [*sorted(tags), (len(body), 0, "")]:
        text, column = _tabs_expanded(escape_body(body[at:offset]), column)
        out += [text, tag]
        at = offset
    return "".join(out)


def _tabs_expanded(text: str, column: int) -> tuple[str, int]:
    """text with its tabs expanded as if it began at column; and the column it ends at."""
    if "\t" in text:
        text = ("." * column + text).expandtabs(MARKDOWN_TAB)[column:]  # expandtabs starts each line again at 0
    line_start = text.rfind("\n")
    return text, column + len(text) if line_start < 0 else len(text) - line_start - 1


def mark_tags(plan: Marking, first: str, other: str, link: str) -> list[tuple[int, int, str]]:
    """The tags that mark a passage, as (offset, order, tag): first opens its first piece, other the others.

    At one offset a close goes before an open, so passages that touch stay apart.
    """
    tags: list[tuple[int, int, str]] = []
    for i, piece in enumerate(plan.pieces):
        tags.append((piece.start, 1, first if i == 0 else other))
        tags.append((piece.end, 0, "</mark>" + (link if i == plan.link_after else "")))
    return tags


_NOT_BLANK_LINES = re.compile(r"(?:(?!\n[ \t]*\n).)+", re.DOTALL)
_MARKUP = re.compile(r"[\\`*_\[\]|]")  # inline markup: escapes, code, emphasis, links, table cells
_BLOCK_MARKUP = re.compile(r"\n(?:[ \t>#=+*-]|\d+[.)]|!!!|\?\?\?)")  # a line that is indented or begins a block


def _paragraphs_around(body: str, span: Span) -> str:
    """The text from the blank line before span to the blank line after it."""
    start = body.rfind("\n\n", 0, span.start) + 1
    end = body.find("\n\n", span.end)
    return body[start : end if end >= 0 else len(body)].lstrip("\n")


def _is_plain(text: str) -> bool:
    """True when text holds no Markdown markup at all: paragraphs that a mark cannot break."""
    return not _MARKUP.search(text) and not _BLOCK_MARKUP.search("\n" + text)


def _trimmed(body: str, spans: Iterable[Span]) -> list[Span]:
    """The spans without white space at either end; empty ones dropped."""
    kept = []
    for span in spans:
        text = body[span.start : span.end]
        start = span.start + len(text) - len(text.lstrip())
        end = span.end - (len(text) - len(text.rstrip()))
        if start < end:
            kept.append(Span(start, end))
    return kept


@dataclass(frozen=True)
class _Piece:
    """One inline run of a passage, proposed for a mark; with_link when the link to the statement follows it."""

    span: Span
    with_link: bool


_QUOTED = re.compile(r"(?:[ \t]*>)*[ \t]*")
_MARKERS = re.compile(r"(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)+(?:#{1,6}[ \t]*)?|#{1,6}[ \t]*")
_SYNTAX_LINE = re.compile(r"[ \t]*(?:(?:```|~~~|!!!|\?\?\?).*|\[[^\]]*\]:.*|([-*_=])[ \t]*(?:\1[ \t]*)*)?")
_SETEXT_RULE = re.compile(r"[ \t]*(?:=+|-+)[ \t]*")
_TABLE_RULE = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
_CELL = re.compile(r"(?:\\.|`[^`\n]*`|[^|\\`\n])+")
_CLOSING_HASHES = re.compile(r"(?:[ \t]+#+)?[ \t]*$")


@dataclass(frozen=True)
class _Line:
    """One line of a body as Markdown's blocks see it: where its text stands, after the markers of its blocks."""

    start: int
    end: int
    depth: int  # how many blockquotes (>) it is in
    kind: str  # "text", "item" (it begins a list item), "heading", "cells" (a table row) or "" (blank or all markup)


def _proposed_pieces(body: str, span: Span) -> tuple[_Piece, ...]:
    """The passage split into the inline runs it seems to cover: a paragraph's lines, a list item, a heading, a cell.

    Block markers (>, -, 1., #, a table's |) stay outside the pieces. This is a guess at Markdown's
    blocks, made to be checked: _checked keeps only the pieces that render as they should.
    """
    runs: list[tuple[int, int, bool]] = []  # start, end, in a heading
    open_run, depth = False, 0
    for line in _lines(body, span):
        if line.kind == "cells":
            text = body[line.start : line.end]
            runs += [(line.start + m.start(), line.start + m.end(), False) for m in _CELL.finditer(text)]
        elif line.kind and open_run and line.kind == "text" and line.depth == depth:
            runs[-1] = (runs[-1][0], line.end, False)
        elif line.kind:
            runs.append((line.start, line.end, line.kind == "heading"))
        open_run, depth = line.kind in ("text", "item"), line.depth
    pieces = _trimmed(body, (Span(max(a, span.start), min(b, span.end)) for a, b, _ in runs if a < span.end and b > span.start))
    in_heading = [any(a <= p.start < b for a, b, h in runs if h) for p in pieces]
    link = max((i for i, heading in enumerate(in_heading) if not heading), default=-1)
    return tuple(_Piece(p, i == link) for i, p in enumerate(pieces))


def _lines(body: str, span: Span) -> Iterator[_Line]:
    """The lines that span touches, classified."""
    start = body.rfind("\n", 0, span.start) + 1
    while start <= span.end:
        end = body.find("\n", start)
        end = len(body) if end < 0 else end
        yield _line(body, start, end)
        start = end + 1


def _line(body: str, start: int, end: int) -> _Line:
    """A line's text and kind. A list marker always counts: where it is only text, a mark is split there, which is harmless."""
    text = body[start:end]
    quoted = _QUOTED.match(text).end()  # type: ignore[union-attr]
    depth = text[:quoted].count(">")
    if _SYNTAX_LINE.fullmatch(text, quoted) or _is_table_rule(text):
        return _Line(end, end, depth, "")
    if "|" in text and _is_table_row(body, start, end):
        return _Line(start + quoted, end, depth, "cells")
    markers = _MARKERS.match(text, quoted)
    text_start = start + (markers.end() if markers else quoted)
    if markers and "#" in markers.group():
        return _Line(text_start, end - len(_CLOSING_HASHES.search(text).group()), depth, "heading")  # type: ignore[union-attr]
    after = body.find("\n", end + 1)
    following = body[end + 1 : after if after >= 0 else len(body)] if end < len(body) else ""
    if _SETEXT_RULE.fullmatch(following):
        return _Line(text_start, end, depth, "heading")
    return _Line(text_start, end, depth, "item" if markers else "text")


def _is_table_row(body: str, start: int, end: int) -> bool:
    """True when the line from start to end is a table's header (a rule follows) or a row (a rule stands above, no blank line between)."""
    after = body.find("\n", end + 1)
    if end < len(body) and _is_table_rule(body[end + 1 : after if after >= 0 else len(body)]):
        return True
    while start > 0:
        above = body.rfind("\n", 0, start - 1) + 1
        line = body[above : start - 1]
        if not line.strip():
            return False
        if _is_table_rule(line):
            return True
        start = above
    return False


def _is_table_rule(line: str) -> bool:
    return "|" in line and "-" in line and bool(_TABLE_RULE.fullmatch(line))


_Unit = tuple[int, _Piece]  # a piece, and the index of the passage it belongs to


@functools.lru_cache(maxsize=256)
def _checked(body: str, proposed: tuple[tuple[_Piece, ...], ...]) -> tuple[Marking, ...]:
    """The proposed pieces of each passage that leave the rendered body as it was; why the others are left out.

    Each part of the body that Markdown reads on its own is rendered on its own, so a long text
    costs the parts that hold passages, not the whole text for each. Cached: check finds the
    marks of a source, and rendering its page asks again for the same ones.
    """
    units = [(i, piece) for i, pieces in enumerate(proposed) for piece in pieces]
    references = _reference_definitions(body)
    kept: list[_Unit] = []
    reasons: dict[int, str] = {}
    for start, end in _parts(body):
        inside = [unit for unit in units if start <= unit[1].span.start < end]
        if inside:
            part = _Part(body[start:end] + references, start)
            kept_here = _checked_part(part, inside, reasons)
            smaller = _between_markup(body, inside, kept_here)
            kept += _checked_part(part, kept_here + smaller, reasons) if smaller else kept_here
    markings = []
    for i, pieces in enumerate(proposed):
        mine = sorted((piece for j, piece in kept if j == i), key=lambda piece: piece.span.start)
        link = next((k for k, piece in enumerate(mine) if piece.with_link), -1)
        markings.append(Marking(tuple(piece.span for piece in mine), link, reasons.get(i, "" if pieces else IN_MARKUP)))
    return tuple(markings)


_FENCE = FencedBlockPreprocessor.FENCED_BLOCK_RE
_PART_START = re.compile(r"\n[ \t]*\n(?=\S)")  # a blank line, then a line at the margin
_REFERENCE = re.compile(r"^[ \t>]*(?:(?:[-*+]|\d+[.)])[ \t]+)*[ ]{0,3}(\[[^\[\]\n]*\]:.*(?:\n.*)?)", re.MULTILINE)


def _parts(body: str) -> list[tuple[int, int]]:
    """Where the body splits into parts that Markdown reads on their own, outside fenced code: at each line that
    begins at the margin after a blank line (it ends any list, quote, code block or admonition), and in a list
    that begins a part, at each of its items at the margin."""
    fences = [(m.start(), m.end()) for m in _FENCE.finditer(body)]

    def outside_fences(at: int) -> bool:
        k = bisect.bisect_right(fences, (at, len(body) + 1)) - 1
        return k < 0 or fences[k][1] <= at

    blocks = [0, *(m.end() for m in _PART_START.finditer(body) if outside_fences(m.end()))]
    starts = []
    for start, end in zip(blocks, [*blocks[1:], len(body)], strict=True):
        starts.append(start)
        item = next((r for r in _ITEMS if r.match(body, start)), None)
        if item:
            starts += [m.start() for m in item.finditer(body, start + 1, end) if outside_fences(m.start())]
    return list(zip(starts, [*starts[1:], len(body)], strict=True))


_ITEMS = (re.compile(r"(?:(?<=\n)|^)[*+-][ \t]"), re.compile(r"(?:(?<=\n)|^)\d+\.[ \t]"))  # items of a list, at the margin


def _reference_definitions(body: str) -> str:
    """Every line that may define a link reference ([x]: url), which links anywhere in the text may use; to add to each part."""
    return "".join(f"\n\n{m.group(1)}" for m in _REFERENCE.finditer(body))


@dataclass(frozen=True)
class _Part:
    """A part of a body, rendered on its own: its Markdown text, and the offset in the body where it begins."""

    text: str
    offset: int


def _between_markup(body: str, units: list[_Unit], kept: list[_Unit]) -> list[_Unit]:
    """The runs of text between the markup characters of each unit that could not be kept, to try instead.

    A passage that begins in a link's text and ends after the link is then marked in both places.
    """
    kept_spans = {piece.span for _, piece in kept}
    smaller: list[_Unit] = []
    for i, piece in units:
        if piece.span in kept_spans:
            continue
        runs = _trimmed(
            body, (Span(m.start(), m.end()) for m in _BETWEEN_MARKUP.finditer(body, piece.span.start, piece.span.end))
        )
        if runs != [piece.span]:
            smaller += [(i, _Piece(run, piece.with_link and run == runs[-1])) for run in runs]
    return smaller


_BETWEEN_MARKUP = re.compile(r"[^\[\]()*_`\\|!<>]+")


def _checked_part(part: _Part, units: list[_Unit], reasons: dict[int, str]) -> list[_Unit]:
    """The units that leave the part's rendered HTML as it was; the reasons why passages lost others go into reasons."""
    if not units:
        return []
    baseline = _render(with_tags(part.text, []))
    kept = units
    while kept:
        found = _MarkWalk.of(part, kept)
        for n, (i, _) in enumerate(kept):
            if n in found.broken or n not in found.placed:
                reasons.setdefault(i, IN_MARKUP if n in found.placed else IN_CODE)
        if found.broken or found.bad_links or len(found.placed) < len(kept):
            kept = [(i, _Piece(p.span, p.with_link and n not in found.bad_links)) for n, (i, p) in enumerate(kept)
                    if n in found.placed and n not in found.broken]  # fmt: skip
        elif _without_marks(found.html) == baseline:
            break
        else:
            bad = _culprits(part, baseline, found.html, kept)
            kept = [unit for unit in kept if unit not in bad]
            reasons.update((i, reasons.get(i, IN_MARKUP)) for i, _ in bad)
    return kept


def _culprits(part: _Part, baseline: str, html: str, units: list[_Unit]) -> list[_Unit]:
    """The units to blame for a change in the rendered part: one alone in a changed stretch of lines, or those
    found by halving among several in one; when none can be told, all of them, so that none is kept."""
    marked_lines = html.split("\n")
    matcher = difflib.SequenceMatcher(None, [_without_marks(line) for line in marked_lines], baseline.split("\n"))
    bad: list[_Unit] = []
    for op, start, end, _, _ in matcher.get_opcodes():
        numbers = sorted({int(n) for line in marked_lines[start:end] for n in _NUMBER.findall(line)}) if op != "equal" else []
        suspects = [units[n] for n in numbers]
        bad += suspects if len(suspects) == 1 else _failing(part, baseline, suspects) if suspects else []
    return bad or _failing(part, baseline, units) or units


_NUMBER = re.compile(r'<mark class="dm-quote" data-dm="(\d+)">')


def _failing(part: _Part, baseline: str, units: list[_Unit]) -> list[_Unit]:
    """The units that, on their own, change the rendered part or do not come out as whole elements; found by halving."""
    found = _MarkWalk.of(part, units)
    if _without_marks(found.html) == baseline and not found.broken and not found.bad_links and len(found.placed) == len(units):
        return []
    if len(units) == 1:
        return units
    half = len(units) // 2
    return _failing(part, baseline, units[:half]) + _failing(part, baseline, units[half:])


def _marked(part: _Part, units: Iterable[_Unit]) -> str:
    """The part's Markdown with each unit marked and numbered, so the rendered HTML tells which is which."""
    tags: list[tuple[int, int, str]] = []
    for n, (_, piece) in enumerate(units):
        link = f'<sup data-dm="{n}">[{n}](#dm-{n})</sup>' if piece.with_link else ""
        opening = f'<mark class="dm-quote" data-dm="{n}">'
        span = Span(piece.span.start - part.offset, piece.span.end - part.offset)
        tags += mark_tags(Marking((span,), 0), opening, opening, link)
    return with_tags(part.text, tags)


_OUR_TAGS = re.compile(r'<mark class="dm-quote" data-dm="\d+">|</mark>|<sup data-dm="(\d+)"><a href="#dm-\1">\1</a></sup>')


def _without_marks(html: str) -> str:
    return _OUR_TAGS.sub("", html)


def _render(text: str) -> str:
    """The HTML of a body's Markdown as the site renders it: with the site's extensions, in the page's <div markdown>."""
    return to_html(f'<div class="dm-text" markdown>\n\n{text}\n\n</div>')


class _MarkWalk(HTMLParser):
    """Which numbered marks came out as elements (placed), which crossed an element's edge (broken), which links are in a link or heading."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
    NO_LINK = frozenset({"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.open: list[tuple[str, int]] = []  # element, number of our mark or link (-1 for others)
        self.placed: set[int] = set()
        self.broken: set[int] = set()
        self.bad_links: set[int] = set()

    @classmethod
    def of(cls, part: _Part, units: list[_Unit]) -> _MarkWalk:
        """The part rendered with these units marked, walked."""
        walk = cls(_render(_marked(part, units)))
        walk.feed(walk.html)
        walk.close()
        return walk

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        number = int(dict(attrs).get("data-dm") or -1)
        if tag == "mark" and number >= 0:
            self.placed.add(number)
        if tag == "sup" and number >= 0 and any(t in self.NO_LINK for t, _ in self.open):
            self.bad_links.add(number)
        if tag not in self.VOID:
            self.open.append((tag, number))

    def handle_endtag(self, tag: str) -> None:
        at = next((k for k in range(len(self.open) - 1, -1, -1) if self.open[k][0] == tag), -1)
        if at < 0:
            return  # the end of a mark already closed by another element's end
        crossed = self.open[at:]
        if len(crossed) > 1:
            self.broken.update(n for t, n in crossed if t == "mark" and n >= 0)
        del self.open[at:]
