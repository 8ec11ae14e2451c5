"""Content is data: nothing a contributor writes runs in a reader's browser or on the build machine.

An archive whose every field and body carries markup, scripts, `javascript:` links and template
syntax is built for real (Jinja, Markdown, MkDocs, Material, Pagefind); then every built page is parsed
and searched for anything live, and Pagefind's index is checked to hold content as text. Every URL the
site carries (pages, search index, feeds, open data) must be one htmlcheck allows: the check of
each body is the first line of defence, this is the second.
"""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from demarche import htmlcheck
from demarche.cli import main
from demarche.pipeline import build
from tests.conftest import MINIMAL, ROOT, make_project
from tests.pagefind_index import fragments

pytestmark = pytest.mark.slow

TITLE = (
    '</title><script>alert("title")</script> {{ 7*7 }} {% include "x" %} *Markdown* | # [a link](javascript:alert(1)) '
    '<iframe src="javascript:alert(2)"></iframe>'
)
NAME = 'Sergei <script>alert("name")</script> Lavrov *x* | {{ 7*7 }}'
PUBLISHER = '<b onmouseover="alert(7)">Kommersant</b> | x'
PLACE = "[Stockholm](javascript:alert(8))"
OCCASION = "<script>alert(12)</script> {% for x in range(9) %}loop{% endfor %}"
HOSTILE: dict[str, str | bytes] = {
    "sources/actors/sergei-lavrov.md": f"""
        ---
        name: '{NAME}'
        kind: person
        aliases: [Lavrov, '<img src=x onerror=alert(3)>']
        roles:
          - title: '<iframe src="javascript:alert(4)"></iframe> Minister | {{% raw %}}'
            of: russia
        ---
        Minister <script>alert(5)</script> <a href="javascript:alert(6)">click</a> {{{{ 7*7 }}}}.
        """,
    "sources/texts/2021/lavrov-osce.md": f"""
        ---
        title: '{TITLE}'
        date: 2021-12-04
        kind: article
        publisher: '{PUBLISHER}'
        place: '{PLACE}'
        summary: '<svg onload=alert(9)> {{{{ 7*7 }}}}'
        url: "https://example.org/?q=x'onmouseover='alert(10)"
        statements:
          - speaker: sergei-lavrov
            quote: "The further advance of NATO <img src=x onerror=alert(11)> {{{{ 7*7 }}}}"
            date: 2021-12-02
            occasion: '{OCCASION}'
            makes: [no-further-nato-enlargement]
            cites: [bucharest-summit-declaration-2008]
        ---
        Lavrov warned: “The further advance of NATO <img src=x onerror=alert(11)> {{{{ 7*7 }}}}.”
        He recalled the Bucharest decision. <script>alert(13)</script> <iframe src="https://evil.example/"></iframe>
        <a href="javascript:alert(14)">a link</a> <svg><script>alert(15)</script></svg> {{% include "base.html" %}}
        <div onclick="alert(16)" markdown>**bold**</div>

        Written like links, shown as text: an autolink <javascript:alert(19)>, code `[c](javascript:alert(20))`,
        an escaped \\[e](javascript:alert(21)), a [dangling][nowhere] reference; and two that stay links,
        [the OSCE](https://www.osce.org/) and [its press office](mailto:press@example.org).

            [indented](javascript:alert(22))

        ```
        [fenced]: javascript:alert(23)
        ```
        """,
    "sources/agreements/bucharest-summit-declaration-2008.md": """
        ---
        title: 'Bucharest <script>alert(17)</script> {{ 7*7 }}'
        kind: declaration
        date: 2008-04-03
        aliases: [Bucharest decision]
        ---
        <style>body{display:none}</style> Issued in Bucharest. <object data="x"></object>
        """,
    "sources/demands/no-further-nato-enlargement.md": """
        ---
        title: 'No further enlargement <img src=x onerror=alert(18)> {{ 7*7 }} | `code`'
        by: [russia]
        of: [nato]
        ---
        That NATO <embed src="x"> admit none.
        """,
}
LIVE_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "img"}
URL_KEYS = {"url", "archive_url", "permalink", "$id", "$schema"}  # the keys of archive.json that hold a URL
MARKDOWN_KEYS = {"text", "description"}  # and those that hold a record's body, in Markdown
MATERIAL_INLINE_SCRIPTS = ("__md_scope=new URL(", "var palette=__md_get(", "var target=document.getElementById(location.hash")


class Page(HTMLParser):
    """A built page as elements and visible text, the way a browser would read it."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.text: list[str] = []
        self.texts_by_tag: dict[str, list[str]] = {}
        self.rows: list[list[str]] = []  # table rows, as the text of each cell
        self.stack: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        if tag == "script":
            self.scripts.append((self.elements[-1][1], ""))
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self.rows[-1].append("")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "script":
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        elif not (self.stack and self.stack[-1] == "style"):
            self.text.append(data)
            for tag in set(self.stack):
                self.texts_by_tag.setdefault(tag, []).append(data)
            if {"td", "th"} & set(self.stack) and self.rows and self.rows[-1]:
                self.rows[-1][-1] += data

    def visible(self) -> str:
        return "".join(self.text)


def is_json_data(attrs: dict[str, str], text: str) -> bool:
    """A source's JSON-LD: data a browser never runs, holding no markup that could end its element, and valid JSON."""
    if attrs.get("src") or attrs.get("type") != "application/ld+json" or set("<>&") & set(text):
        return False
    json.loads(text)
    return True


def live_markup(page: Page, where: str) -> list[str]:
    """Everything in a page that could run: scripts not Material's own or the site's search, handlers, script URLs, frames."""
    found = []
    for tag, attrs in page.elements:
        if tag in LIVE_TAGS:
            found.append(f"{where}: <{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name == "srcdoc":
                found.append(f"{where}: <{tag} {name}=...>")
            url = "".join(ch for ch in value if ch > " ").lower()
            if tag == "meta" and name == "content" and "url=" in url and htmlcheck.refusal(url.split("url=", 1)[1]):
                found.append(f"{where}: meta refresh to {value!r}")
    for attrs, text in page.scripts:
        src = attrs.get("src", "")
        if is_json_data(attrs, text):
            continue
        ours = (  # the site's search and its citations' copy buttons
            (src == "assets/search.js" or src.endswith("/assets/search.js")) and ":" not in src and attrs.get("type") == "module"
        ) or ((src == "assets/cite.js" or src.endswith("/assets/cite.js")) and ":" not in src)
        material = (
            ours
            or (src and "assets/javascripts/" in src and ":" not in src)
            or (
                not src
                and (
                    (attrs.get("id") == "__config" and attrs.get("type") == "application/json")
                    or text.startswith(MATERIAL_INLINE_SCRIPTS)
                )
            )
        )
        if not material or "alert(" in text:
            found.append(f"{where}: <script {attrs}>{text[:80]}")
    return found


def unsafe_urls(html: str, where: str) -> list[str]:
    """Every URL in an HTML or XML text that htmlcheck refuses: any attribute of any element, as a browser reads it."""
    return [
        f"{where}: <{url.tag} {url.attribute}={url.value!r}>: {reason}"
        for url in htmlcheck.html_urls(html)
        if (reason := htmlcheck.refusal(url.value, url.load))
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], dict[str, str]]:
    """The hostile archive built for real, with a fingerprint of its folder before and after."""
    project = make_project(tmp_path_factory.mktemp("hostile") / "p", {**MINIMAL, **HOSTILE})
    before = fingerprint(project.root.parent)
    build(project)
    return project.root, before, fingerprint(project.root.parent)


def fingerprint(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(folder.rglob("*"))
    }


def pages(site: Path) -> dict[str, Page]:
    return {p.relative_to(site).as_posix(): Page(p.read_text(encoding="utf-8")) for p in sorted(site.rglob("*.html"))}


def test_no_page_carries_live_markup(built: tuple[Path, dict[str, str], dict[str, str]]) -> None:
    site = built[0] / "site"
    found = [item for where, page in pages(site).items() for item in live_markup(page, where)]
    found += [item for path in sorted(site.rglob("*.html")) for item in unsafe_urls(path.read_text(encoding="utf-8"), str(path))]
    assert found == []
    source = pages(site)["sources/lavrov-osce/index.html"]
    assert 'He recalled the Bucharest decision. <script>alert(13)</script> <iframe src="https://evil.example/">' in (
        source.visible()
    )


def test_a_title_that_closes_title_stays_in_the_title(built: tuple[Path, dict[str, str], dict[str, str]]) -> None:
    """Material writes page.meta.title unescaped into <title> and the header: the front matter holds it escaped."""
    page = pages(built[0] / "site")["sources/lavrov-osce/index.html"]
    assert "".join(page.texts_by_tag["title"]) == f"{TITLE} - Demarche"
    assert "".join(page.texts_by_tag["h1"]).removesuffix("¶") == TITLE
    inline = [a for t, a in page.elements if t == "script" and not a.get("src") and a.get("id") != "__config"]
    assert inline == [{}, {"type": "application/ld+json"}, {}, {}]
    jsonld = [text for attrs, text in page.scripts if attrs.get("type") == "application/ld+json"]
    assert [json.loads(text)["headline"] for text in jsonld] == [TITLE]


def test_template_syntax_in_content_is_shown_as_text(built: tuple[Path, dict[str, str], dict[str, str]]) -> None:
    texts = {where: page.visible() for where, page in pages(built[0] / "site").items()}
    source = texts["sources/lavrov-osce/index.html"]
    for literal in ("{{ 7*7 }}", '{% include "x" %}', OCCASION.split("</script> ")[1], '{% include "base.html" %}'):
        assert literal in source
    assert "{{ 7*7 }}" in texts["actors/sergei-lavrov/index.html"] and "{% raw %}" in texts["actors/sergei-lavrov/index.html"]
    assert [where for where, text in texts.items() if "49" in text or "looploop" in text] == []


def test_markdown_in_titles_and_names_does_not_break_their_pages(built: tuple[Path, dict[str, str], dict[str, str]]) -> None:
    site = pages(built[0] / "site")
    source = site["sources/lavrov-osce/index.html"]
    assert ["Publisher", PUBLISHER] in source.rows and ["Place", PLACE] in source.rows
    assert all(len(row) == 2 for row in source.rows)
    assert TITLE in "".join(site["sources/index.html"].texts_by_tag["li"])
    assert NAME in "".join(site["actors/index.html"].texts_by_tag["li"])
    assert "".join(site["actors/sergei-lavrov/index.html"].texts_by_tag["h1"]).removesuffix("¶") == NAME
    (demand,) = [row for row in site["index.html"].rows if row[0].startswith("No further")]
    assert demand == [
        "No further enlargement <img src=x onerror=alert(18)> {{ 7*7 }} | `code`",
        "Russia",
        "NATO",
        "",
        "1",
        "0",
        "0",
    ]


def test_the_search_index_holds_content_as_text(built: tuple[Path, dict[str, str], dict[str, str]]) -> None:
    """Pagefind keeps a page's visible text as text: the hostile title is in the index verbatim, never as markup of the page."""
    (entry,) = [f for f in fragments(built[0] / "site") if f.url == "/sources/lavrov-osce/"]
    assert entry.meta["title"] == TITLE
    assert TITLE in entry.content
    assert [f.url for f in fragments(built[0] / "site") if htmlcheck.refusal(f.url)] == []


def test_the_search_shows_indexed_text_as_text() -> None:
    """Pagefind's JS escapes < and > of the text before marking the words found; search.js then builds text nodes and
    <mark> elements only, and parses entities in a detached <textarea>, whose content is never markup."""
    script = (ROOT / "docs" / "assets" / "search.js").read_text(encoding="utf-8")
    assert script.count("innerHTML") == 1 and 'decode = document.createElement("textarea")' in script
    assert "insertAdjacentHTML" not in script and "outerHTML" not in script and "document.write" not in script


def test_the_links_of_a_text_stay_links_and_its_disguised_ones_stay_text(
    built: tuple[Path, dict[str, str], dict[str, str]],
) -> None:
    page = (built[0] / "site" / "sources" / "lavrov-osce" / "index.html").read_text(encoding="utf-8")
    urls = [url.value for url in htmlcheck.html_urls(page)]
    assert "https://www.osce.org/" in urls and "mailto:press@example.org" in urls
    text = Page(page).visible()
    for shown in (
        "<javascript:alert(19)>",
        "[c](javascript:alert(20))",
        "[e](javascript:alert(21))",
        "[indented](javascript:alert(22))",
    ):
        assert shown in text
    assert "[fenced]: javascript:alert(23)" in text


def test_feeds_and_open_data_carry_no_unsafe_url(built: tuple[Path, dict[str, str], dict[str, str]]) -> None:
    """Feeds: every attribute and every address element; archive.json: every URL, and every body as the site renders it."""
    site = built[0] / "site"
    feeds = sorted(site.rglob("*.xml"))
    assert {"feed.xml", "sitemap.xml", "feeds/actors/sergei-lavrov.xml"} <= {p.relative_to(site).as_posix() for p in feeds}
    found = []
    for path in feeds:
        xml = path.read_text(encoding="utf-8")
        found += unsafe_urls(xml, path.name)
        found += [f"{path.name}: {url}" for url in re.findall(r"<(?:id|loc|uri)>([^<]*)</", xml) if htmlcheck.refusal(url)]
    data = json.loads((site / "data" / "archive.json").read_text(encoding="utf-8"))
    urls, bodies = json_values(data, URL_KEYS), json_values(data, MARKDOWN_KEYS)
    assert "https://example.org/?q=x'onmouseover='alert(10)" in urls and len(bodies) == 6
    found += [url for url in urls if htmlcheck.refusal(url)]
    found += [f"{link}" for body in bodies for link in htmlcheck.unsafe_links(body)]
    assert found == []


def json_values(data: object, keys: set[str]) -> list[str]:
    """Every string under one of the keys, anywhere in a JSON document."""
    if isinstance(data, dict):
        return [v for k, v in data.items() if k in keys and isinstance(v, str)] + [
            x for k, v in data.items() for x in json_values(v, keys) if not (k in keys and isinstance(v, str))
        ]
    if isinstance(data, list):
        return [x for item in data for x in json_values(item, keys)]
    return []


def test_a_build_writes_only_into_docs_and_site(built: tuple[Path, dict[str, str], dict[str, str]]) -> None:
    """(and .demarche/, which holds the build lock and the site's stamp)"""
    _, before, after = built
    changed = {path for path in set(before) | set(after) if before.get(path) != after.get(path)}
    allowed = (["p", "docs"], ["p", "site"], ["p", ".demarche"])
    assert changed and all(path.split("/")[:2] in allowed for path in changed), sorted(changed)[:5]
    assert all(before[p] == after[p] for p in before if p.startswith("p/docs/") and not p.endswith("manifest.json"))


def test_ids_that_climb_out_of_their_folder_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tricks: dict[str, str | bytes] = {
        "sources/demands/no-further-nato-enlargement.md": "---\ntitle: T\nby: [../../etc/passwd]\nof: [nato]\n---\n",
        "sources/actors/...md": "---\nname: Dots\nkind: person\nformer_ids: [../../../../tmp/x]\n---\n",
        "sources/texts/2021/lavrov-osce.md": "---\ntitle: T\ndate: 2021-12-04\nkind: article\nformer_ids: [../../../index]\n---\n",
    }
    root = make_project(tmp_path / "p", {**MINIMAL, **tricks}).root
    before = fingerprint(tmp_path)
    assert main(["--root", str(root), "build"]) == 1
    after = fingerprint(tmp_path)
    # Only the build's own state (.demarche/: the lock and the cache of loaded files) may be new.
    assert {p: h for p, h in after.items() if not p.startswith("p/.demarche")} == before
    assert {p for p in after if p.startswith("p/.demarche/")} <= {
        "p/.demarche/lock",
        "p/.demarche/load",
        *(f"p/.demarche/load/{n:x}.json" for n in range(16)),
    }
    err = capsys.readouterr().err
    assert "error: '../../etc/passwd' is not a valid id" in err and "file name '...md' is not a valid id" in err
