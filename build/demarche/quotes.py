"""Finding a quote in a text, forgiving only what DESIGN.md forgives.

Matching ignores white space, quotation marks, the kind of dash and case. The normalised text
keeps a map back to the original offsets, so a found quote can be marked in the body.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import heapq
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from demarche.load import RawRecord
from demarche.marks import IN_CODE, IN_MARKUP, plan_marks
from demarche.problems import Problem
from demarche.records import Span, Statement

QUOTE_MARKS = frozenset("\"“”„‟«»'‘’‚‛‹›`´")
DASHES = frozenset("-‐‑‒–—―−")


_BLOCK = 64  # characters of the original counted together, for NormalText.origin


@dataclass(frozen=True)
class NormalText:
    """A text as normalise makes it, and what says where each of its characters came from in the original."""

    text: str
    spaced: str = ""  # the original with its quotation marks made spaces: text is its characters but white space
    counts: tuple[int, ...] = ()  # counts[j]: how many characters of text come from before spaced[j * _BLOCK]
    offsets: tuple[int, ...] | None = None  # offsets[i] is where text[i] came from, when case folding made one several

    def origin(self, i: int) -> int:
        """Where text[i] came from in the original: found in the block of the original that holds it, so that
        normalising a long text does not spell out a position per character (most of its cost when it did)."""
        if not 0 <= i < len(self.text):
            raise IndexError(i)
        if self.offsets is not None:
            return self.offsets[i]
        block = bisect.bisect_right(self.counts, i) - 1
        seen = self.counts[block]
        at = block * _BLOCK
        while True:
            if not self.spaced[at].isspace():
                if seen == i:
                    return at
                seen += 1
            at += 1


_QUOTE_MARK = re.compile("[" + re.escape("".join(sorted(QUOTE_MARKS))) + "]")
_DASH = re.compile("[" + re.escape("".join(sorted(DASHES))) + "]")
_NOT = bytes.maketrans(b"\0\1", b"\1\0")


def normalise(original: str) -> NormalText:
    """Drop white space and quotation marks, make every dash '-', fold case; keep where each character came from.

    Done on the whole text at once rather than character by character in Python (a few times
    faster on a long text). str.split and str.isspace agree on what white space is, and case
    folding maps each character on its own, so the characters of text are those of spaced but
    its white space, in order, and each block of spaced gives as many as it has other
    characters (counted once here, for NormalText.origin). Only a text with a character that
    folds into several (ß -> ss) has its offsets spelt out per character.
    """
    spaced = _QUOTE_MARK.sub(" ", original)
    kept = _DASH.sub("-", "".join(spaced.split()))
    text = kept.casefold()
    if len(text) == len(kept):
        blocks = (len("".join(spaced[at : at + _BLOCK].split())) for at in range(0, len(spaced), _BLOCK))
        return NormalText(text, spaced, tuple(itertools.accumulate(blocks, initial=0)))
    kept_at = itertools.compress(range(len(spaced)), bytes(map(str.isspace, spaced)).translate(_NOT))
    return NormalText(text, offsets=tuple(i for i in kept_at for _ in original[i].casefold()))


def find_quote(quote: str, body: NormalText) -> Span | None:
    needle = normalise(quote).text
    if not needle:
        return None
    at = body.text.find(needle)
    if at < 0:
        return None
    return Span(body.origin(at), body.origin(at + len(needle) - 1) + 1)


_WORD = str.maketrans({**dict.fromkeys(QUOTE_MARKS), **dict.fromkeys(DASHES, "-")})
ANCHOR_BUDGET = 512  # positions of the quote's rarest words around which windows are scored


def normal_word(word: str) -> str:
    """normalise(word).text for a word without white space, without keeping offsets (a body has many words)."""
    return word.translate(_WORD).casefold()


@dataclass(frozen=True)
class BodyWords:
    """A body's words, normalised once and indexed by where each stands, for the hints of all its missing quotes."""

    words: list[str]
    normal: list[str]
    positions: dict[str, list[int]]  # normalised word -> the indexes of its occurrences, in order


@functools.lru_cache(maxsize=2)
def body_words(body: str) -> BodyWords:
    """Cached on the body: the statements of one source ask for it one after the other, with the same string."""
    words = body.split()
    normal = [normal_word(w) for w in words]
    positions: dict[str, list[int]] = {}
    for i, w in enumerate(normal):
        positions.setdefault(w, []).append(i)
    return BodyWords(words, normal, positions)


def closest_passage(quote: str, body: str, limit: int = 160, candidates: int = 24) -> str:
    """The passage of body most like quote, for the hint of a quote that was not found.

    Windows of the quote's length are scored by how many of their words the quote has; only
    windows around the quote's rarest words are scored (a window with none of them is unlikely to
    be the best), and the best few are then compared letter by letter. A long text with many
    missing quotes stays fast: the body is split and indexed once, and each quote costs about
    the length of its rare words' occurrences, not of the text.
    """
    index = body_words(body)
    if not index.words:
        return ""
    size = max(1, len(quote.split()))
    wanted = {normal_word(w) for w in quote.split()}
    scores = _window_scores(index, wanted, size, _anchors(index, wanted))
    last = max(1, len(index.words) - size + 1)
    for start in range(min(last, candidates)):  # too few windows share a word: the first ones compete too
        if len(scores) >= candidates:
            break
        scores.setdefault(start, sum(1 for w in index.normal[start : start + size] if w in wanted))
    best_starts = heapq.nlargest(candidates, scores, key=lambda i: (scores[i], -i))
    best = _most_alike(normalise(quote).text, index.words, sorted(best_starts), size)
    return best if len(best) <= limit else best[: limit - 1] + "…"


def _anchors(index: BodyWords, wanted: set[str]) -> list[int]:
    """Where the quote's rarest words stand in the body: the rarest word always, more while few occurrences are taken."""
    present = sorted((w for w in wanted if w in index.positions), key=lambda w: (len(index.positions[w]), w))
    taken: list[int] = []
    for w in present:
        if taken and len(taken) + len(index.positions[w]) > ANCHOR_BUDGET:
            break
        taken.extend(index.positions[w])
    return sorted(taken)


def _window_scores(index: BodyWords, wanted: set[str], size: int, anchors: list[int]) -> dict[int, int]:
    """Start of each window that holds an anchor -> how many of its words the quote has."""
    last = max(0, len(index.words) - size)
    normal = index.normal
    scores: dict[int, int] = {}
    for lo, hi in _merged([(max(0, p - size + 1), min(p, last)) for p in anchors]):
        shared = sum(1 for w in normal[lo : lo + size] if w in wanted)
        scores[lo] = shared
        for start in range(lo + 1, hi + 1):
            shared += (normal[start + size - 1] in wanted) - (normal[start - 1] in wanted)
            scores[start] = shared
    return scores


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted inclusive ranges, overlapping or touching ones merged."""
    merged: list[tuple[int, int]] = []
    for lo, hi in ranges:
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _most_alike(target: str, words: list[str], starts: list[int], size: int) -> str:
    """The window most like target, letter by letter; the first of equals."""
    best, best_ratio = "", -1.0
    for start in starts:
        window = " ".join(words[start : start + size])
        matcher = difflib.SequenceMatcher(None, target, normalise(window).text, autojunk=False)
        if matcher.real_quick_ratio() <= best_ratio or matcher.quick_ratio() <= best_ratio:
            continue  # upper bounds of ratio(): this window cannot beat the best
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best, best_ratio = window, ratio
    return best


_NOT_MARKED = {
    IN_CODE: "it stands in code (a code block or `code`), which shows its text as written",
    IN_MARKUP: "it begins or ends inside Markdown markup (a link, emphasis, or the marker of a heading, list or table)",
}


def unmarked_quotes(raw: RawRecord, body: str, statements: Sequence[Statement]) -> list[Problem]:
    """A warning for each quote whose passage cannot be marked, or not all of it, in its source's text on the site."""
    problems = []
    plans = plan_marks(body, tuple(st.span for st in statements))
    for st, plan in zip(statements, plans, strict=True):
        if plan.left_out not in _NOT_MARKED:
            continue
        whole = not plan.pieces
        message = f"{'the' if whole else 'part of the'} quote cannot be marked in the text: {_NOT_MARKED[plan.left_out]}"
        hint = (
            "its statement is listed without an 'In the text' link; to have it marked"
            if whole
            else "the rest of it is marked; to have all of it marked"
        ) + ", quote a passage that begins and ends in plain text"
        line, col = _quote_position(raw, st)
        problems.append(Problem(raw.path, line, col, "warning", "quote-not-marked", message, hint))
    return problems


def _quote_position(raw: RawRecord, statement: Statement) -> tuple[int, int]:
    """Where the statement's quote stands in its file (a statement knows its line, not its place in the list)."""
    items = raw.data.get("statements")
    for i, item in enumerate(items if isinstance(items, list) else ()):
        line, col = raw.pos("statements", i, "quote")
        if line == statement.line and isinstance(item, dict) and str(item.get("quote", "")).strip() == statement.quote:
            return line, col
    return statement.line, 1
