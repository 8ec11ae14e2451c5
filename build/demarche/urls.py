"""Where each page lives: docs-relative paths (for writing and for Markdown links) and site URLs.

A record's page is `<folder>/<id>.md` in docs/, published at `/<folder>/<id>/`. These are public
interface (DESIGN.md): never change them.
"""

from __future__ import annotations

import posixpath

FOLDERS = {"source": "sources", "actor": "actors", "agreement": "agreements", "demand": "demands"}


def doc_path(kind: str, record_id: str) -> str:
    return f"{FOLDERS[kind]}/{record_id}.md"


def site_url(doc: str) -> str:
    """The directory URL MkDocs publishes a docs path at, relative to the site root: actors/nato.md -> actors/nato/."""
    if doc == "index.md":
        return ""
    if doc.endswith("/index.md"):
        return doc[: -len("index.md")]
    return doc[: -len(".md")] + "/"


def relative(from_doc: str, to_doc: str) -> str:
    """A Markdown link target from one docs page to another; MkDocs checks and rewrites it."""
    return posixpath.relpath(to_doc, posixpath.dirname(from_doc) or ".")
