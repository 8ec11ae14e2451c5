"""Texts that largely repeat another text of the archive: a second copy of one article under another title.

Each text is cut into shingles (every run of SHINGLE_WORDS words, letters and digits only, case
aside) and each shingle's hash goes into one inverted index, hash -> the texts that hold it. A text's overlap with every other is then counted from its own shingles'
entries in the index, in one pass: the cost grows with the archive's size, never with the number
of pairs of texts. A shingle that stands in more than COMMON_SHINGLE texts is boilerplate (a
standard sign-off, a stock phrase) and says nothing about copying, so it is not counted, which also
keeps every index entry that is read short.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

SHINGLE_WORDS = 5
DUPLICATE_SHARE = 0.5  # a text whose shingles stand in another text this much or more repeats it
MIN_SHINGLES = 20  # a shorter text (under about 25 words) shares phrases by chance: it is not judged
COMMON_SHINGLE = 50
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Repeat:
    """Text `index` repeats `share` of its shingles from text `other` (indexes in the list given)."""

    index: int
    other: int
    share: float


def shingles(body: str) -> set[int]:
    """The hashes of every run of SHINGLE_WORDS words of the body (words: runs of letters and digits, case folded)."""
    words = _WORD.findall(body.casefold())
    return set(map(hash, zip(*(words[k:] for k in range(SHINGLE_WORDS)), strict=False)))


def repeated_texts(bodies: Sequence[str]) -> list[Repeat]:
    """Each text that repeats another, with the one it repeats most; bodies in the archive's order (date, id).

    When two texts repeat each other (two copies of one article), only the later one is named, as the
    copy of the earlier; a short text that stands whole in a longer one is named whichever came first.
    """
    sets = [shingles(body) for body in bodies]
    holders = _holders(sets)
    best: dict[int, tuple[int, float]] = {}
    for i, held in enumerate(sets):
        if len(held) < MIN_SHINGLES:
            continue
        shared: Counter[int] = Counter()
        for h in held & holders.keys():
            shared.update(holders[h])
        shared.pop(i, None)
        if shared:
            other, count = min(shared.items(), key=lambda kv: (-kv[1], kv[0]))
            if count / len(held) >= DUPLICATE_SHARE:
                best[i] = (other, count / len(held))
    return [
        Repeat(i, other, share)
        for i, (other, share) in sorted(best.items())
        if not (other > i and best.get(other, (-1, 0.0))[0] == i)  # each other's copy: the later one is named
    ]


def _holders(sets: list[set[int]]) -> dict[int, list[int]]:
    """The inverted index, for the shingles that stand in more than one text and at most COMMON_SHINGLE.

    The shingles two texts share are found first with set operations (in C, on whole sets), so only
    those are indexed one by one: in an archive without copies that is a small part of them.
    """
    seen: set[int] = set()
    shared: set[int] = set()
    for held in sets:
        shared |= held & seen
        seen |= held
    holders: dict[int, list[int]] = {}
    for i, held in enumerate(sets):
        for h in held & shared:
            holders.setdefault(h, []).append(i)
    return {h: texts for h, texts in holders.items() if len(texts) <= COMMON_SHINGLE}
