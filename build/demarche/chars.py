"""Characters a reader cannot see: which ones a record may hold, and how messages show them.

Three classes, from the worst to the mildest:

- CONTROL: C0 controls but tab and line feed, DEL, C1 controls, and lone surrogates (UTF-8 cannot
  hold one, so it comes only from a YAML escape such as "\\ud800"). Refused in every key and value.
- hidden(): every character that shows nothing, or changes how the others show: controls, format
  characters (Unicode's category Cf: bidi controls, zero-width characters, the soft hyphen, tag
  characters, U+FEFF), line and paragraph separators, variation selectors and the Hangul fillers.
  Refused in one-line fields (ids, names, titles, aliases); escaped in every message.
- BIDI: the embeddings, overrides and isolates that reorder the text around them on screen (the
  "Trojan Source" characters). A warning in a text, a quote or a summary, where a passage in Arabic
  or Hebrew may need them.

And letters that look alike: a word that mixes Latin, Cyrillic and Greek letters (mixed_scripts) is
most likely a look-alike typed in by mistake ('NАTO' with a Cyrillic 'А'), and is never found in a text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_INVISIBLE = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0"  # combining grapheme joiner, Hangul and Khmer fillers
    + "".join(map(chr, range(0xFE00, 0xFE10)))  # variation selectors
    + "".join(map(chr, range(0xE0100, 0xE01F0)))  # variation selectors supplement
)
_NAMES = {"\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\x85": "NEXT LINE", "\x7f": "DELETE"}


def hidden(ch: str) -> bool:
    """True for a character that shows nothing or reorders what is shown."""
    return ch in _INVISIBLE or unicodedata.category(ch) in _HIDDEN_CATEGORIES


def hidden_in(text: str) -> Iterator[int]:
    """The index of every hidden character in text."""
    if text.isprintable() and _INVISIBLE.isdisjoint(text):
        return
    yield from (i for i, ch in enumerate(text) if hidden(ch))


def escape(ch: str) -> str:
    """A character as a Python escape: \\x07, \\n, \\u0085, \\u202e, \\U000e0001.

    \\x80 to \\xff stand only for a byte that is not UTF-8 in a file name (Python keeps one as a
    surrogate, U+DC80 to U+DCFF), so no two things print alike.
    """
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    if 0x80 <= code <= 0xFF:
        return f"\\u{code:04x}"
    return ch.encode("unicode_escape").decode("ascii")


def printable(text: str, show: Callable[[str], str] = escape) -> str:
    """Text with every hidden character shown as its escape, so it cannot move the cursor or reorder a line."""
    out, last = [], 0
    for i in hidden_in(text):
        out.append(text[last:i] + show(text[i]))
        last = i + 1
    return "".join(out) + text[last:] if out else text


def describe(ch: str) -> str:
    """U+202E RIGHT-TO-LEFT OVERRIDE."""
    name = _NAMES.get(ch) or unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")
_WORD = re.compile(r"\w+")


def mixed_scripts(text: str) -> tuple[str, tuple[str, ...]] | None:
    """The first word that mixes Latin, Cyrillic or Greek letters, with its scripts; None when there is none."""
    if text.isascii():
        return None
    for word in _WORD.findall(text):
        if not word.isascii():
            scripts = {name.split(" ", 1)[0] for name in (unicodedata.name(ch, "") for ch in word if ch.isalpha())}
            found = tuple(script for script in _SCRIPTS if script in scripts)
            if len(found) > 1:
                return word, found
    return None
