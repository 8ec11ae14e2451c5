"""What a record's page says to programs, in its front matter, which the theme puts in the HTML.

- Every source page: Highwire Press `citation_*` meta tags (what Zotero's browser connector and
  Google Scholar read) and a schema.org JSON-LD description of the text, from the same facts as
  the page's own table of metadata.
- Every record page: the address of the repository's form for a new issue, prefilled with the
  page's title and URL (overrides/main.html shows it as a plain link, "Report a problem with this page").

The JSON-LD is put into a <script> element as it is, so it is written here with `<`, `>` and `&`
escaped as JSON's \\u escapes: no title can close the element or open a comment.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from demarche.plan import Page
from demarche.urls import SiteInfo, doc_path, permalink

if TYPE_CHECKING:
    from demarche.link import Graph
    from demarche.plan import Meta, Planned
    from demarche.records import Actor, Source

SCHEMA_ORG = "https://schema.org"
_HTML_IN_JSON = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}
_FORGES = (  # (edit link, its repository's new-issue form, the form's title and body parameters)
    (re.compile(r"^(https?://[^/?#]+/[^/?#]+/[^/?#]+)/-/edit/"), "{}/-/issues/new", "issue[title]", "issue[description]"),
    (re.compile(r"^(https?://[^/?#]+/[^/?#]+/[^/?#]+)/edit/"), "{}/issues/new", "title", "body"),
)


def with_head(pages: Iterable[Planned], graph: Graph, site: SiteInfo) -> list[Planned]:
    """The pages, each record's page with what its front matter tells programs (a kept page has it in its text)."""
    pages = list(pages)
    planned = {p.doc for p in pages if isinstance(p, Page)}
    meta = dict(_record_meta(graph, site, planned))
    return [dataclasses.replace(p, meta=meta[p.doc]) if p.doc in meta and isinstance(p, Page) else p for p in pages]


def _record_meta(graph: Graph, site: SiteInfo, planned: set[str]) -> Iterator[tuple[str, Meta]]:
    """What each record page among the planned ones (docs paths) adds to its front matter."""
    archive = graph.archive
    for source in archive.sources:
        doc = doc_path("source", source.id)
        if doc in planned:
            yield doc, (*_report(site, doc, source.title), *source_head(source, graph, site))
    titled = [
        *(("actor", a.id, a.name) for a in archive.actors),
        *(("agreement", a.id, a.title) for a in archive.agreements),
        *(("demand", d.id, d.title) for d in archive.demands),
    ]
    for kind, record_id, title in titled:
        doc = doc_path(kind, record_id)
        if doc in planned:
            yield doc, _report(site, doc, title)


def _report(site: SiteInfo, doc: str, title: str) -> Meta:
    url = report_url(site, permalink(site, doc), title)
    return (("report_url", url),) if url else ()


def report_url(site: SiteInfo, page_url: str, title: str) -> str:
    """The repository's new-issue form, prefilled with the page's title and URL; '' when the forge is not known.

    The repository is the one `extra.edit_base` in mkdocs.yml points into (GitHub's or GitLab's edit links).
    """
    for pattern, form, title_key, body_key in _FORGES:
        found = pattern.match(site.edit_base)
        if found:
            query = {
                title_key: f"Problem with the page “{' '.join(title.split())}”",
                body_key: f"Page: {page_url}\n\nWhat is wrong, and where (a quotation, a date, an attribution):\n",
            }
            return form.format(found.group(1)) + "?" + urlencode(query, quote_via=quote)
    return ""


# -- a source: Highwire meta tags and JSON-LD --------------------------------------------------------


def source_head(source: Source, graph: Graph, site: SiteInfo) -> Meta:
    """A source page's `citation` meta tags (name, content pairs) and its JSON-LD, for the page's front matter."""
    return (("citation", highwire(source, graph, site)), ("jsonld", script_json(source_jsonld(source, graph, site))))


def highwire(source: Source, graph: Graph, site: SiteInfo) -> tuple[tuple[str, str], ...]:
    url = permalink(site, doc_path("source", source.id))
    date = source.date.replace("-", "/")  # Google Scholar's form: 2021/12/04, or 2021/12, or 2021
    tags = [("citation_title", source.title)]
    tags += [("citation_author", graph.actors[a].name) for a in source.authors]
    tags += [("citation_publication_date", date), ("citation_date", date)]
    if source.publisher:
        tags.append(("citation_publisher", source.publisher))
        if source.kind == "article":
            tags.append(("citation_journal_title", source.publisher))
    tags += [("citation_language", source.language), ("citation_public_url", url), ("citation_fulltext_html_url", url)]
    if source.summary:
        tags.append(("citation_abstract", source.summary))
    return tuple((name, " ".join(value.split())) for name, value in tags)


def source_jsonld(source: Source, graph: Graph, site: SiteInfo) -> dict[str, Any]:
    """A schema.org description of the text: what it is, by whom, published by whom and when, in what language."""
    data: dict[str, Any] = {
        "@context": SCHEMA_ORG,
        "@type": "NewsArticle" if source.kind == "article" else "CreativeWork",
        "@id": permalink(site, doc_path("source", source.id)),
        "url": permalink(site, doc_path("source", source.id)),
        "headline": source.title,
        "name": source.title,
        "genre": source.kind,
        "datePublished": source.date,
        "inLanguage": source.language,
        "isPartOf": {"@type": "WebSite", "name": site.name, "url": site.url or "/"},
    }
    if source.authors:
        data["author"] = [_agent(graph.actors[a]) for a in source.authors]
    if source.publisher:
        data["publisher"] = {"@type": "Organization", "name": source.publisher}
    if source.place:
        data["locationCreated"] = {"@type": "Place", "name": source.place}
    if source.original_language:
        data["translationOfWork"] = {"@type": "CreativeWork", "inLanguage": source.original_language}
    if source.translator in graph.actors:  # a named translator; `unknown` says only that none is named
        data["translator"] = _agent(graph.actors[source.translator])
    if source.summary:
        data["description"] = source.summary
    copies = [u for u in (source.url, source.archive_url) if u]
    if copies:
        data["sameAs"] = copies
    return data


def _agent(actor: Actor) -> dict[str, str]:
    return {"@type": "Person" if actor.kind == "person" else "Organization", "name": actor.name}


def script_json(data: object) -> str:
    """JSON safe to stand inside <script>: `<`, `>` and `&` as \\u escapes (which JSON reads back the same)."""
    text = json.dumps(data, ensure_ascii=False)
    return re.sub("[<>&]", lambda m: _HTML_IN_JSON[m.group()], text)
