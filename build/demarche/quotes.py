"""Finding a quote in a text, forgiving only what DESIGN.md forgives.

Matching ignores white space, quotation marks, the kind of dash and case. The normalised text
keeps a map back to the original offsets, so a found quote can be marked in the body.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from demarche.records import Span

QUOTE_MARKS = frozenset("\"“”„‟«»'‘’‚‛‹›`´")
DASHES = frozenset("-‐‑‒–—―−")


@dataclass(frozen=True)
class NormalText:
    text: str
    offsets: tuple[int, ...]  # offsets[i] is where text[i] came from in the original


def normalise(original: str) -> NormalText:
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(original):
        if ch.isspace() or ch in QUOTE_MARKS:
            continue
        folded = "-" if ch in DASHES else ch.casefold()
        for part in folded:
            chars.append(part)
            offsets.append(i)
    return NormalText("".join(chars), tuple(offsets))


def find_quote(quote: str, body: NormalText) -> Span | None:
    needle = normalise(quote).text
    if not needle:
        return None
    at = body.text.find(needle)
    if at < 0:
        return None
    return Span(body.offsets[at], body.offsets[at + len(needle) - 1] + 1)


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


def closest_passage(quote: str, body: str, limit: int = 160) -> str:
    """The passage of body most like quote, for the hint of a quote that was not found."""
    words = body.split()
    if not words:
        return ""
    size = max(1, len(quote.split()))
    target = normalise(quote).text
    best, best_ratio = "", -1.0
    step = max(1, size // 3)
    for start in range(0, max(1, len(words) - size + 1), step):
        window = " ".join(words[start : start + size])
        ratio = difflib.SequenceMatcher(None, target, normalise(window).text, autojunk=False).ratio()
        if ratio > best_ratio:
            best, best_ratio = window, ratio
    return best if len(best) <= limit else best[: limit - 1] + "…"
