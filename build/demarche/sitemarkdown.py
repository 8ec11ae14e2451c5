"""The Markdown the site is rendered with, declared once for every check that renders a text as its page will.

The extensions MkDocs renders every page with: its built-in ones (toc, tables, fenced_code), then
mkdocs.yml's markdown_extensions, with their settings. tests/test_link_safety.py and tests/test_marks.py
compare these with what MkDocs itself reads from mkdocs.yml, so the two cannot drift apart.
"""

from __future__ import annotations

import functools

import markdown

MARKDOWN_EXTENSIONS = ("toc", "tables", "fenced_code", "md_in_html", "admonition", "pymdownx.details")
MARKDOWN_CONFIGS: dict[str, dict[str, object]] = {"toc": {"permalink": True}}
MARKDOWN_TAB = 4  # Python-Markdown's tab_length, which MkDocs keeps


@functools.cache
def _converter() -> markdown.Markdown:
    return markdown.Markdown(extensions=list(MARKDOWN_EXTENSIONS), extension_configs=MARKDOWN_CONFIGS)


def to_html(text: str) -> str:
    """Markdown to HTML as MkDocs makes it (MkDocs also rewrites links to pages, which never adds a scheme)."""
    converter = _converter()
    converter.reset()
    return str(converter.convert(text))
