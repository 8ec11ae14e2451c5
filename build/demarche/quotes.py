"""Finding a quote in a text, forgiving only what DESIGN.md forgives.

Matching ignores white space, quotation marks, the kind of dash and case. The normalised text
keeps a map back to the original offsets, so a found quote can be marked in the body.
"""

from __future__ import annotations

import difflib
import heapq
import itertools
import re
from collections import Counter
from dataclasses import dataclass

from demarche.records import Span

QUOTE_MARKS = frozenset("\"“”„‟«»'‘’‚‛‹›`´")
DASHES = frozenset("-‐‑‒–—―−")


@dataclass(frozen=True)
class NormalText:
    text: str
    offsets: tuple[int, ...]  # offsets[i] is where text[i] came from in the original


_QUOTE_MARK = re.compile("[" + re.escape("".join(sorted(QUOTE_MARKS))) + "]")
_DASH = re.compile("[" + re.escape("".join(sorted(DASHES))) + "]")
_NOT = bytes.maketrans(b"\0\1", b"\1\0")


def normalise(original: str) -> NormalText:
    """Drop white space and quotation marks, make every dash '-', fold case; keep where each character came from.

    Done on the whole text at once rather than character by character in Python (a few times
    faster on a long text). str.split and str.isspace agree on what white space is, and case
    folding maps each character on its own, so only a text with a character that folds into
    several (ß -> ss) needs its offsets spelt out per character.
    """
    spaced = _QUOTE_MARK.sub(" ", original)
    kept = _DASH.sub("-", "".join(spaced.split()))
    text = kept.casefold()
    kept_at = itertools.compress(range(len(spaced)), bytes(map(str.isspace, spaced)).translate(_NOT))
    if len(text) == len(kept):
        return NormalText(text, tuple(kept_at))
    return NormalText(text, tuple(i for i in kept_at for _ in original[i].casefold()))


def find_quote(quote: str, body: NormalText) -> Span | None:
    needle = normalise(quote).text
    if not needle:
        return None
    at = body.text.find(needle)
    if at < 0:
        return None
    return Span(body.offsets[at], body.offsets[at + len(needle) - 1] + 1)


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


def closest_passage(quote: str, body: str, limit: int = 160, candidates: int = 24) -> str:
    """The passage of body most like quote, for the hint of a quote that was not found.

    A linear pass scores every window of the quote's length by the words it shares with the quote;
    only the best few windows are then compared letter by letter, so a long text stays fast.
    """
    words = body.split()
    if not words:
        return ""
    size = max(1, len(quote.split()))
    target = normalise(quote).text
    wanted = Counter(normalise(w).text for w in quote.split())
    normal = [normalise(w).text for w in words]
    starts = range(0, max(1, len(words) - size + 1))
    scores: list[int] = []
    shared = sum(1 for w in normal[:size] if w in wanted)
    for start in starts:
        if start:
            shared += (normal[start + size - 1] in wanted if start + size - 1 < len(normal) else 0) - (
                normal[start - 1] in wanted
            )
        scores.append(shared)
    best_starts = heapq.nlargest(candidates, starts, key=lambda i: (scores[i], -i))
    best, best_ratio = "", -1.0
    for start in sorted(best_starts):
        window = " ".join(words[start : start + size])
        ratio = difflib.SequenceMatcher(None, target, normalise(window).text, autojunk=False).ratio()
        if ratio > best_ratio:
            best, best_ratio = window, ratio
    return best if len(best) <= limit else best[: limit - 1] + "…"
