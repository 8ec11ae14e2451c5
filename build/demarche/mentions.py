"""Finding names in texts: every actor's name and aliases, every agreement's title and aliases.

Names are split into words and put into one trie; each text is read once, word by word, so the
cost grows with the length of the texts, not with the number of names (whole words only, as
written, so "US" does not match "us").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_WORD = re.compile(r"\w+")


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    targets: set[str] = field(default_factory=set)


class NameIndex:
    """A trie of names (as word sequences) pointing at record keys such as ('actor', 'nato')."""

    def __init__(self) -> None:
        self._root = _Node()

    def add(self, name: str, target: str) -> None:
        words = _WORD.findall(name)
        if not words:
            return
        node = self._root
        for word in words:
            node = node.children.setdefault(word, _Node())
        node.targets.add(target)

    def find(self, text: str) -> set[str]:
        """Every target whose name stands in text as whole words."""
        words = _WORD.findall(text)
        found: set[str] = set()
        root = self._root.children
        for i, word in enumerate(words):
            node = root.get(word)
            j = i + 1
            while node is not None:
                found |= node.targets
                if j >= len(words):
                    break
                node = node.children.get(words[j])
                j += 1
        return found


def build_index(names: Iterable[tuple[str, Iterable[str]]]) -> NameIndex:
    """One index over (target, names) pairs."""
    index = NameIndex()
    for target, target_names in names:
        for name in target_names:
            index.add(name, target)
    return index
