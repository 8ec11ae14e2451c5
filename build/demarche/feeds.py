"""Atom feeds (RFC 4287): the archive's new sources, and each actor's statements, newest first.

Feeds are files MkDocs copies as they are (`feed.xml`, `feeds/actors/<id>.xml`). Their addresses are
absolute, from the site's `site_url`; an entry's id is the permanent URL of its page or statement,
so it stays the same from build to build. Every timestamp comes from the archive's dates, never
from the clock, so an unchanged archive gives byte-identical feeds.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from demarche.link import Graph, Said
from demarche.memo import FileMemo, is_text, remembered
from demarche.plan import File, text_file
from demarche.records import Actor, Source
from demarche.svg import shorten
from demarche.text import human_date, parse_date
from demarche.urls import FEEDS_SITEMAP, SITE_FEED, SiteInfo, actor_feed_doc, doc_path, file_url, index_doc, permalink

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50  # entries in one feed: the newest
TITLE_QUOTE = 110  # characters of a quote in an entry's title
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: str  # an RFC 3339 timestamp
    link: str
    summary: str
    authors: tuple[str, ...]
    category: str = ""


@dataclass(frozen=True)
class Feed:
    id: str  # the feed's own address
    title: str
    subtitle: str
    page: str  # the HTML page the feed follows
    updated: str
    author: str  # the archive, for entries that name no author of their own
    entries: tuple[Entry, ...]


def feed_files(graph: Graph, site: SiteInfo, memo: FileMemo | None = None) -> list[File]:
    """The archive's feed, each actor's, and the sitemap beside the actors' feeds.

    memo keeps each actor's feed document with the actor's file, under the digest of its Feed.
    """
    files = [text_file(SITE_FEED, atom(sources_feed(graph, site)))]
    for actor in graph.archive.actors:
        feed = actor_feed(graph, site, actor)
        document: str = remembered(memo, actor.path, "feed", (feed,), functools.partial(atom, feed), is_text)
        files.append(text_file(actor_feed_doc(actor.id), document))
    return [*files, text_file(FEEDS_SITEMAP, feeds_sitemap(graph, site))]


def feeds_sitemap(graph: Graph, site: SiteInfo) -> str:
    """A sitemap listing the actor feeds, beside them.

    Material's script fetches `sitemap.xml` from the folder of every `<link rel="alternate">` of a
    page (to map pages between language versions); without this file each actor page would log
    a failed request.
    """
    root = ET.Element("urlset", xmlns="http://www.sitemaps.org/schemas/sitemap/0.9")
    for actor in sorted(graph.archive.actors, key=lambda a: a.id):
        ET.SubElement(ET.SubElement(root, "url"), "loc").text = file_url(site, actor_feed_doc(actor.id))
    return _xml(root)


def timestamp(value: str) -> str:
    """A record date (YYYY, YYYY-MM or YYYY-MM-DD) as an RFC 3339 timestamp at midnight UTC."""
    return f"{parse_date(value).isoformat()}T00:00:00Z"


def _archive_updated(graph: Graph) -> str:
    return timestamp(max((s.date for s in graph.archive.sources), default="1970-01-01"))


def sources_feed(graph: Graph, site: SiteInfo) -> Feed:
    return Feed(
        id=file_url(site, SITE_FEED),
        title=f"{site.name}: new sources",
        subtitle="The newest source texts in the archive, with the statements quoted from them.",
        page=permalink(site, index_doc("source")),
        updated=_archive_updated(graph),
        author=site.name,
        entries=tuple(_source_entry(graph, site, s) for s in graph.newest[:ENTRIES]),
    )


def _source_entry(graph: Graph, site: SiteInfo, source: Source) -> Entry:
    url = permalink(site, doc_path("source", source.id))
    about = ", ".join(p for p in (source.kind, source.publisher or "", human_date(source.date)) if p)
    said = sum(1 for s in graph.in_source.get(source.id, []) if not s.statement.same_as)  # a repeated remark counts once
    summary = (source.summary + " " if source.summary else "") + f"({about}; {said} statement{'s' if said != 1 else ''})"
    authors = tuple(graph.actors[a].name for a in source.authors) or ((source.publisher,) if source.publisher else ())
    return Entry(url, source.title, timestamp(source.date), url, summary, authors, source.kind)


def actor_feed(graph: Graph, site: SiteInfo, actor: Actor) -> Feed:
    said = graph.said_by.get(actor.id, [])[::-1][:ENTRIES]  # said_by is in date order
    return Feed(
        id=file_url(site, actor_feed_doc(actor.id)),
        title=f"{site.name}: statements by {actor.name}",
        subtitle=f"The newest statements by {actor.name} in the archive, each in its source's exact words.",
        page=permalink(site, doc_path("actor", actor.id)),
        updated=timestamp(said[0].statement.date) if said else _archive_updated(graph),
        author=site.name,
        entries=tuple(_statement_entry(site, s) for s in said),
    )


def _statement_entry(site: SiteInfo, said: Said) -> Entry:
    st = said.statement
    url = permalink(site, doc_path("source", said.source.id), st.id)
    reported = " (reported: the source's paraphrase)" if st.reported else ""
    where = f"{said.source.title}, {human_date(said.source.date)}"
    summary = f"“{' '.join(st.quote.split())}”{reported} — {said.speaker.name}, {human_date(st.date)}. In {where}."
    title = f"{said.speaker.name}: “{shorten(st.quote, TITLE_QUOTE)}”"
    return Entry(url, title, timestamp(st.date), url, summary, (said.speaker.name,))


def atom(feed: Feed) -> str:
    """The feed as an Atom document."""
    root = ET.Element("feed", xmlns=ATOM)
    _sub(root, "id", feed.id)
    _sub(root, "title", feed.title)
    _sub(root, "subtitle", feed.subtitle)
    _sub(root, "updated", feed.updated)
    _link(root, feed.page, "alternate", "text/html")
    _link(root, feed.id, "self", "application/atom+xml")
    _authors(root, (feed.author,))
    _sub(root, "generator", "Demarche")
    for entry in feed.entries:
        _entry(root, entry)
    return _xml(root)


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _entry(parent: ET.Element, entry: Entry) -> None:
    el = ET.SubElement(parent, "entry")
    _sub(el, "id", entry.id)
    _sub(el, "title", entry.title)
    _sub(el, "updated", entry.updated)
    _sub(el, "published", entry.updated)
    _link(el, entry.link, "alternate", "text/html")
    _authors(el, entry.authors)
    if entry.category:
        ET.SubElement(el, "category", term=entry.category)
    _sub(el, "summary", entry.summary)


def _sub(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = _NOT_XML.sub("", text)


def _link(parent: ET.Element, href: str, rel: str, kind: str) -> None:
    ET.SubElement(parent, "link", rel=rel, type=kind, href=href)


def _authors(parent: ET.Element, names: Sequence[str]) -> None:
    for name in names:
        _sub(ET.SubElement(parent, "author"), "name", name)
