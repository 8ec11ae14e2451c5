"""Atom feeds: valid, newest first, absolute addresses, entry ids that do not change between builds."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from demarche.pipeline import Project, generate_pages

NS = {"a": "http://www.w3.org/2005/Atom"}
SITE = "https://demarche.github.io/demarche/"

LATER = """
    ---
    title: NATO answers
    date: 2022-01-12
    kind: statement
    statements:
      - speaker: sergei-lavrov
        quote: "We are not going to wait forever"
        date: 2022-01-10
    ---
    Lavrov said: "We are not going to wait forever."
    """


def feed(pages: dict[str, str | bytes], path: str) -> ET.Element:
    return ET.fromstring(pages[path])


def text(el: ET.Element, path: str) -> str:
    found = el.find(path, NS)
    assert found is not None and found.text, f"missing {path}"
    return found.text


def assert_valid_atom(root: ET.Element) -> None:
    """The elements RFC 4287 requires: feed id, title, updated, author, links; entry id, title, updated, link."""
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for name in ("a:id", "a:title", "a:updated", "a:author/a:name"):
        text(root, name)
    rels = {link.get("rel"): link.get("href") for link in root.findall("a:link", NS)}
    assert set(rels) == {"alternate", "self"} and all(str(h).startswith(SITE) for h in rels.values())
    for entry in root.findall("a:entry", NS):
        for name in ("a:id", "a:title", "a:updated", "a:summary"):
            text(entry, name)
        assert text(entry, "a:id").startswith(SITE)
        (link,) = entry.findall("a:link", NS)
        assert link.get("rel") == "alternate" and str(link.get("href")).startswith(SITE)


def test_site_feed_lists_sources_newest_first(project: Callable[..., Project]) -> None:
    _, pages, _ = generate_pages(project({"sources/texts/2022/nato-answers.md": LATER}))
    root = feed(pages, "feed.xml")
    assert_valid_atom(root)
    assert text(root, "a:id") == SITE + "feed.xml"
    assert text(root, "a:updated") == "2022-01-12T00:00:00Z"
    entries = root.findall("a:entry", NS)
    assert [text(e, "a:id") for e in entries] == [SITE + "sources/nato-answers/", SITE + "sources/lavrov-osce/"]
    assert [text(e, "a:title") for e in entries] == ["NATO answers", "Lavrov at the OSCE"]
    assert text(entries[1], "a:author/a:name") == "Kommersant"
    assert text(entries[1], "a:summary") == "(article, Kommersant, 4 December 2021; 1 statement)"


def test_actor_feed_lists_its_statements_newest_first(project: Callable[..., Project]) -> None:
    _, pages, _ = generate_pages(project({"sources/texts/2022/nato-answers.md": LATER}))
    root = feed(pages, "feeds/actors/sergei-lavrov.xml")
    assert_valid_atom(root)
    assert text(root, "a:title") == "Demarche: statements by Sergei Lavrov"
    entries = root.findall("a:entry", NS)
    assert [text(e, "a:updated") for e in entries] == ["2022-01-10T00:00:00Z", "2021-12-02T00:00:00Z"]
    assert text(entries[0], "a:id") == SITE + "sources/nato-answers/#sergei-lavrov-we-are-not-going-to-wait-forever"
    assert text(entries[0], "a:title") == "Sergei Lavrov: “We are not going to wait forever”"
    assert text(entries[0], "a:summary") == (
        "“We are not going to wait forever” — Sergei Lavrov, 10 January 2022. In NATO answers, 12 January 2022."
    )
    silent = feed(pages, "feeds/actors/nato.xml")
    assert_valid_atom(silent)
    assert silent.findall("a:entry", NS) == [] and text(silent, "a:updated") == "2022-01-12T00:00:00Z"


def test_entry_ids_do_not_change_when_the_archive_grows(project: Callable[..., Project]) -> None:
    _, before, _ = generate_pages(project())
    _, after, _ = generate_pages(project({"sources/texts/2022/nato-answers.md": LATER}))
    for path in ("feed.xml", "feeds/actors/sergei-lavrov.xml"):
        old = {text(e, "a:id") for e in feed(before, path).findall("a:entry", NS)}
        new = {text(e, "a:id") for e in feed(after, path).findall("a:entry", NS)}
        assert old and old < new


def test_feeds_keep_markup_in_content_as_text(project: Callable[..., Project]) -> None:
    hostile = """
        ---
        title: "<b>Bold</b> & </title> claims"
        date: 2021-12-05
        kind: article
        ---
        Text.
        """
    _, pages, _ = generate_pages(project({"sources/texts/2021/hostile.md": hostile}))
    titles = [text(e, "a:title") for e in feed(pages, "feed.xml").findall("a:entry", NS)]
    assert titles[0] == "<b>Bold</b> & </title> claims"
    assert b"&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;/title&gt; claims" in pages["feed.xml"]


def test_actor_pages_name_their_feed(project: Callable[..., Project]) -> None:
    _, pages, _ = generate_pages(project())
    page = pages["actors/sergei-lavrov.md"]
    assert 'feed: "feeds/actors/sergei-lavrov.xml"\nfeed_title: "Statements by Sergei Lavrov"\n' in page
    assert "Follow its new statements: [Atom feed](../feeds/actors/sergei-lavrov.xml)" in page
    sitemap = ET.fromstring(pages["feeds/actors/sitemap.xml"])
    locs = [loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locs == [SITE + f"feeds/actors/{a}.xml" for a in ("nato", "russia", "sergei-lavrov")]
