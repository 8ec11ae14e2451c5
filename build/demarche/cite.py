"""Citations: how to cite a source and each of its statements, in a common style and as BibTeX."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from demarche.text import human_date
from demarche.urls import doc_path, site_url

if TYPE_CHECKING:
    from demarche.link import Graph
    from demarche.records import Source, Statement
    from demarche.render import SiteInfo


@dataclass(frozen=True)
class Citation:
    text: str  # author or publisher, "title", date, archive URL, original
    bibtex: str


def page_url(site: SiteInfo, doc: str, anchor: str = "") -> str:
    base = site.url or "/"
    return base + site_url(doc) + (f"#{anchor}" if anchor else "")


def _creator(source: Source, graph: Graph) -> str:
    names = [graph.actors[a].name for a in source.authors]
    if names:
        return " and ".join(names) if len(names) <= 2 else f"{names[0]} et al."
    return source.publisher or ""


def source_citation(source: Source, graph: Graph, site: SiteInfo) -> Citation:
    url = page_url(site, doc_path("source", source.id))
    parts = [p for p in (_creator(source, graph), f"“{source.title}”") if p]
    if source.publisher and source.authors:
        parts.append(source.publisher)
    parts.append(human_date(source.date))
    if source.original_language:
        parts.append(f"translated from the original ({source.original_language})")
    text = ", ".join(parts) + f". Demarche archive, {url}."
    original = source.url or source.archive_url
    if original:
        text += f" Original: {original}."
    return Citation(text, _bibtex(source, graph, url))


def statement_citation(statement: Statement, source: Source, graph: Graph, site: SiteInfo) -> str:
    speaker = graph.actors[statement.speaker].name
    verb = "reported in" if statement.reported else "quoted in"
    url = page_url(site, doc_path("source", source.id), statement.id)
    where = ", ".join(p for p in (_creator(source, graph), f"“{source.title}”", human_date(source.date)) if p)
    return f"{speaker}, {human_date(statement.date)}, {verb} {where}. Demarche archive, {url}."


def _bibtex_escape(text: str) -> str:
    return re.sub(r"([{}%&$#_\\])", r"\\\1", " ".join(text.split()))


def _bibtex(source: Source, graph: Graph, url: str) -> str:
    fields = [("title", source.title)]
    authors = [graph.actors[a].name for a in source.authors]
    if authors:
        fields.append(("author", " and ".join(authors)))
    if source.publisher:
        fields.append(("organization" if not authors else "journal", source.publisher))
    fields.append(("date", source.date))
    if source.language:
        fields.append(("language", source.language))
    if source.original_language:
        fields.append(("origlanguage", source.original_language))
    fields.append(("url", url))
    if source.url:
        fields.append(("note", f"Original: {source.url}"))
    body = ",\n".join(f"  {name} = {{{_bibtex_escape(value)}}}" for name, value in fields)
    kind = "article" if source.kind == "article" and source.publisher else "online"
    return f"@{kind}{{{source.id},\n{body}\n}}"
