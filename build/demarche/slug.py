"""Ids: making them from names, and checking them."""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

from demarche.schema import ID_MAX, ID_PATTERN

_ID = re.compile(ID_PATTERN)


def is_id(value: object) -> bool:
    return isinstance(value, str) and len(value) <= ID_MAX and _ID.fullmatch(value) is not None


def slugify(text: str, max_words: int = 0, max_length: int = ID_MAX) -> str:
    """A lowercase ASCII slug, transliterated when the text is not Latin (Сергей Лавров -> sergei-lavrov)."""
    text = text.encode("utf-8", "ignore").decode("utf-8")  # no lone surrogate (a file name's stray byte) reaches unidecode
    words = re.findall(r"[a-z0-9]+", unidecode(text).lower().replace("'", ""))
    if max_words:
        words = words[:max_words]
    slug = "-".join(words)
    if len(slug) > max_length:
        slug = slug[:max_length].rstrip("-")
        slug = slug.rsplit("-", 1)[0] if "-" in slug else slug
    return slug


def heading_anchor(text: str) -> str:
    """The id MkDocs gives a heading of this text (Python-Markdown's toc slugify, as mkdocs.yml configures it)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", ascii_text).strip().lower())
