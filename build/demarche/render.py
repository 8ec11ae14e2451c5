"""Stage 5, render: each planned Page through its Jinja template -> Markdown text.

A template sees its page's context and nothing else: no graph, no ids to look up, nothing to count
or sort. Content reaches templates only as data: the environment never compiles content, undefined
names are errors (StrictUndefined), and every value is put into Markdown through `md`, `attr`,
`link` or `links`.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2

from demarche.plan import Context, Kept, Link, Page, Planned
from demarche.text import attr, human_date, md, quoted

_md_label = functools.lru_cache(maxsize=1 << 16)(md)  # the same names and titles are linked thousands of times


def markdown_link(link: Link) -> str:
    return f"[{_md_label(link.label)}]({link.href})"


def markdown_links(links: Iterable[Link]) -> str:
    """Links in a row: [A](a), [B](b)."""
    return ", ".join(markdown_link(link) for link in links)


def counted(n: int, noun: str) -> str:
    """1 source, 2 sources."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def environment(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the output is Markdown; values go through md/attr/link explicitly
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one environment per run: no need to stat every template for every page
    )
    env.filters.update(
        md=md,
        quoted=quoted,
        attr=attr,
        date=human_date,
        json=lambda v: json.dumps(v, ensure_ascii=False),
        link=markdown_link,
        links=markdown_links,
        count=counted,
    )
    return env


def render_pages(pages: Iterable[Planned], templates: Path) -> dict[str, str]:
    """Every page's Markdown text, by docs path (a kept page's as it was kept, read: see reuse.render_reusing)."""
    env = environment(templates)
    texts: dict[str, str] = {}
    for page in pages:
        if not isinstance(page, Kept):
            texts[page.doc] = render_page(env, page)
        elif page.text is not None:
            texts[page.doc] = page.text
        else:
            raise ValueError(f"{page.doc}: a page kept unread has no text to give")
    return texts


def render_page(env: jinja2.Environment, page: Page) -> str:
    return _with_meta(_dated(env.get_template(page.template).render(_variables(page.context)), page.updated), page)


def _dated(text: str, updated: str | None) -> str:
    """The page with its date in its front matter, where the sitemap template reads it (overrides/sitemap.xml)."""
    if updated is None or not text.startswith("---\n"):
        return text
    return f"---\nupdated: {json.dumps(updated)}\n{text[4:]}"


def _with_meta(text: str, page: Page) -> str:
    """The page with what its plan adds to its front matter for the theme (head.py), each value as JSON (which YAML reads)."""
    if not page.meta or not text.startswith("---\n"):
        return text
    added = "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n" for key, value in page.meta)
    return f"---\n{added}{text[4:]}"


def _variables(context: Context) -> dict[str, Any]:
    """A context's fields as the template's variables (not copied: they are frozen)."""
    return {f.name: getattr(context, f.name) for f in dataclasses.fields(context)}
