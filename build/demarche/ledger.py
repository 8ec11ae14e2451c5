"""The ledger of published URLs, `urls.txt`: a URL the site once published must stay served.

It lists every page (but the later pages of long lists) and every statement anchor, one
site-relative URL a line, sorted. `demarche urls` compares it with what the current archive
serves: pages, anchors, and the redirects of former ids. `--update` adds the new URLs and
never drops one: a URL leaves the ledger only when someone deletes its line on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from demarche.link import Graph
from demarche.pipeline import Project, generate_pages
from demarche.problems import Problem, format_problems
from demarche.redirects import redirects
from demarche.urls import doc_path, is_citation_file, is_continuation, published_url, record_at
from demarche.write import read_manifest

LEDGER = "urls.txt"
HEADER = (
    "# Every URL the site has published: each must keep working (tests/test_url_ledger.py checks it).\n"
    "# `make urls` adds the new ones after a content change. See docs/methodology.md, 'Links that last'.\n"
)
_ID_ATTR = re.compile(r'<[a-zA-Z][^<>]*?\sid="([^"]+)"')  # on an element: content never holds a raw '<' (render escapes it)


@dataclass(frozen=True)
class Served:
    published: frozenset[str]  # what the ledger lists: pages but the later pages of long lists, and statement anchors
    served: frozenset[str]  # every URL that works now: those, the later pages, other files, redirects and their anchors
    source_files: Mapping[str, str]  # a source page's URL -> the file of its record in sources/


def served_urls(project: Project) -> Served:
    """What the current archive serves, from the pages the real pipeline generates."""
    graph, pages, _ = generate_pages(project)
    return urls_of(graph, pages, hand_written_pages(project.docs, pages))


def hand_written_pages(docs: Path, generated: Iterable[str]) -> list[str]:
    """The docs pages that the build did not generate."""
    skip = read_manifest(docs) | set(generated)
    found = (p.relative_to(docs).as_posix() for p in docs.rglob("*.md"))
    return sorted(doc for doc in found if doc not in skip)


def urls_of(graph: Graph, pages: Mapping[str, str | bytes], hand_written: Iterable[str]) -> Served:
    """What the generated files (docs path -> content) and the hand-written pages serve."""
    anchors = {_url(doc): set(_ID_ATTR.findall(_text(content))) for doc, content in pages.items() if doc.endswith(".md")}
    published = {_url(doc) for doc in [*pages, *hand_written] if doc.endswith(".md") and not is_continuation(doc)}
    published.update(_url(doc) for doc in pages if is_citation_file(doc))  # a source's .bib and .ris, cited by URL too
    for source in graph.archive.sources:
        page = _url(doc_path("source", source.id))
        published.update(f"{page}#{st.id}" for st in source.statements if st.id in anchors[page])
    served = published | {_url(doc) for doc in pages}
    served.update(f"{page}#{a}" for page, ids in anchors.items() for a in ids)
    for redirect in redirects(graph):
        if redirect.doc in pages:
            old = _url(redirect.doc)
            served.add(old)
            served.update(f"{old}#{a}" for a in anchors.get(_url(redirect.target), ()))
    files = {_url(doc_path("source", s.id)): s.path for s in graph.archive.sources}
    return Served(frozenset(published), frozenset(served), files)


def _url(doc: str) -> str:
    """The URL of a docs file as the ledger lists it: actors/nato.md -> /actors/nato/, actors/old/index.html -> /actors/old/."""
    return "/" + published_url(doc)


def _text(content: str | bytes) -> str:
    return content if isinstance(content, str) else content.decode("utf-8")


def read_ledger(path: Path) -> list[tuple[int, str]]:
    """(line number, URL) for every URL in the ledger; blank lines and '#' comments are skipped."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(n, line.strip()) for n, line in enumerate(lines, 1) if line.strip() and not line.startswith("#")]


def write_ledger(path: Path, urls: Iterable[str]) -> None:
    path.write_text(HEADER + "".join(f"{url}\n" for url in sorted(set(urls))), encoding="utf-8")


def gone(ledger: list[tuple[int, str]], served: Served, name: str = LEDGER) -> list[Problem]:
    """A problem for every URL in the ledger that is no longer served, with how to keep it."""
    return [
        Problem(name, line, 1, "error", "url-not-served", f"{url} is no longer served", _how_to_keep(url, served, name))
        for line, url in ledger
        if url not in served.served
    ]


def _how_to_keep(url: str, served: Served, name: str) -> str:
    page, _, anchor = url.partition("#")
    if anchor and page in served.served:
        where = served.source_files.get(page, "its source's file")
        return f"its statement's anchor changed: add 'id: {anchor}' to that statement in {where}"
    path = page.lstrip("/")
    record = record_at(path.rpartition("/")[0] if is_citation_file(path) else path)  # a source's .bib: its source's
    if record:
        kind, old = record
        return (
            f"if the {kind} was renamed, add '{old}' to the former_ids of its new record in sources/; "
            f"if it was removed on purpose, delete the line from {name}"
        )
    return f"if the page was removed on purpose, delete the line from {name}"


def urls_command(project: Project, update: bool) -> int:
    """`demarche urls [--update]`: list new and lost URLs; exit 1 when a URL of the ledger is no longer served."""
    path = project.root / LEDGER
    ledger = read_ledger(path)
    served = served_urls(project)
    listed = {url for _, url in ledger}
    new = sorted(served.published - listed)
    if update:
        write_ledger(path, listed | served.published)
        ledger = read_ledger(path)
        print(f"{LEDGER}: {len(new)} URL{'s' if len(new) != 1 else ''} added, {len(listed | served.published)} in all")
    elif new:
        print(f"served but not in {LEDGER} (`make urls` adds them):")
        print("".join(f"  {url}\n" for url in new), end="")
    else:
        print(f"{LEDGER}: no new URL")
    problems = gone(ledger, served)
    if problems:
        print(format_problems(problems, "text"))
    return 1 if problems else 0
