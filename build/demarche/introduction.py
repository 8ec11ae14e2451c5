"""The archive's introduction on the home page: plain Markdown in sources/introduction.md, no front matter.

It is content like any source text, so it is put on the page the same way (raw HTML shown as text,
text.body_markdown) and checked the same way: a link that is not http(s), mail or an anchor, and any
image, is an error at its line.
"""

from __future__ import annotations

import re
from pathlib import Path

from demarche import htmlcheck
from demarche.problems import Problem
from demarche.text import body_markdown
from demarche.urls import INTRODUCTION

PATH = f"sources/{INTRODUCTION}"


def read_introduction(sources: Path) -> str:
    """The introduction as written ('' when there is none): BOM and CRLF tolerated, as in every record."""
    path = sources / INTRODUCTION
    return path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").strip() if path.is_file() else ""


def introduction_markdown(text: str) -> str:
    """The introduction as the home page shows it."""
    return body_markdown(text)[0] if text else ""


def check_introduction(text: str) -> list[Problem]:
    """Every image, and every link the home page would carry and must not, at the place it is written."""
    found = [_problem(text, m.start(), "image", _IMAGE, "describe it in words") for m in _MD_IMAGE.finditer(text)]
    for link in htmlcheck.unsafe_links(text):
        if link.reason == "load":
            found.append(_problem(text, link.start, "image", _IMAGE, "describe it in words"))
        else:
            found.append(_problem(text, link.start, "unsafe-link", _LINK.format(link.written[:60])))
    return sorted(set(found))


_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\(")
_IMAGE = "images are not allowed in the introduction"
_LINK = "link to '{}': links in the introduction may go to http(s) or mailto addresses only"


def _problem(text: str, at: int, code: str, message: str, hint: str = "") -> Problem:
    line = text.count("\n", 0, at) + 1
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    return Problem(PATH, line, col, "error", code, message, hint)
