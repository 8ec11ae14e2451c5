"""What a reader downloads to search, measured in Chromium: from opening the home page to seeing the first results.

The built site is served on 127.0.0.1 by Python's own server (no compression), every response the
browser gets is recorded with its body, and each body is gzipped here (level 6, the usual server
setting), so the sum does not depend on how the test server compresses. Pagefind's index chunks,
fragments and wasm are gzipped files already; gzipping them again adds a few bytes each, so the
sum errs upward. Each query starts in a fresh browser context (an empty cache), and any request for
another host is refused and reported.

Beside it, the size Material's lunr index would have had for the same docs: a second `mkdocs build`
of the same project with Material's search plugin on, into a scratch folder.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Response, sync_playwright
from tests.browser.conftest import CHROMIUM_ARGS, ELSEWHERE, chromium, serving

from demarche.records import Archive

KINDS = ("html", "css", "js", "wasm", "pagefind index", "fragments", "other")
GZIP_LEVEL = 6
TYPING_DELAY_MS = 150  # a fast typist: within search.js's 250 ms pause, so the box searches when typing stops, not per key
RESULTS = "#dm-search-results"
_SHOWN = f"q => {{ const list = document.querySelector('{RESULTS}'); return list.dataset.shown === q && list.querySelector('.dm-search__result'); }}"
_WORD = re.compile(r"[^\W\d_]{4,}")


class SearchBytesError(Exception):
    pass


def kind_of(url: str, content_type: str) -> str:
    """Which kind of download a response is, for the split of the bytes."""
    path = urlsplit(url).path
    name = path.rsplit("/", 1)[-1]
    if "/pagefind/" in path:
        if name.endswith(".pf_fragment"):
            return "fragments"
        if name.endswith((".pf_index", ".pf_meta", ".pf_filter")) or name == "pagefind-entry.json":
            return "pagefind index"
        if name.endswith((".pagefind", ".wasm")):
            return "wasm"
    for kind, endings, mime in (
        ("js", (".js", ".mjs"), "javascript"),
        ("css", (".css",), "text/css"),
        ("wasm", (".wasm",), "application/wasm"),
        ("html", (".html", "/"), "text/html"),
    ):
        if path.endswith(endings) or mime in content_type:
            return kind
    return "other"


def queries(archive: Archive) -> tuple[str, str]:
    """Two queries taken from the archive: the longest word of the first quote, and the name of its speaker."""
    statement = next(s for source in sorted(archive.sources, key=lambda s: s.id) for s in source.statements)
    word = max(_WORD.findall(statement.quote), key=len)
    speaker = next(a.name for a in archive.actors if a.id == statement.speaker)
    return word, speaker


@dataclass(frozen=True)
class Fetch:
    """Everything one search downloaded, by kind: bytes as sent (raw) and gzipped."""

    query: str
    typed: bool  # key by key (every prefix searched) rather than pasted at once
    requests: int
    raw_bytes: int
    gz_bytes: int
    gz_by_kind: dict[str, int]
    first_result: str
    other_hosts: list[str] = field(default_factory=list)


def _fetch(browser: Browser, base: str, query: str, typed: bool) -> Fetch:
    context = browser.new_context()
    responses: list[Response] = []
    requested: list[str] = []
    context.route(ELSEWHERE, lambda route: route.abort())
    context.on("request", lambda r: requested.append(r.url))
    context.on("response", lambda r: responses.append(r))
    try:
        page = context.new_page()
        page.goto(base, wait_until="load")
        box = page.locator("#dm-search-input")
        box.click()
        if typed:
            box.press_sequentially(query, delay=TYPING_DELAY_MS)
        else:
            box.fill(query)
        page.wait_for_function(_SHOWN, arg=query, timeout=60_000)
        first = page.locator(f"{RESULTS} .dm-search__result a").first.evaluate("a => a.href")
        seen = list(responses)  # what had arrived when the first results showed
        by_kind = dict.fromkeys(KINDS, 0)
        raw = 0
        for response in seen:
            body = b"" if 300 <= response.status < 400 else response.body()
            raw += len(body)
            by_kind[kind_of(response.url, response.headers.get("content-type", ""))] += len(gzip.compress(body, GZIP_LEVEL))
    finally:
        context.close()
    outside = [u for u in requested if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname != "127.0.0.1"]
    return Fetch(query, typed, len(seen), raw, sum(by_kind.values()), by_kind, urlsplit(first).path, outside)


def search_bytes(site: Path, asked: tuple[str, ...]) -> list[Fetch]:
    """Each query pasted and typed key by key, each in a fresh context, against the built site."""
    path = chromium()
    if path is None:
        raise SearchBytesError("no browser: Chromium is not at /usr/bin/chromium nor on PATH")
    with serving(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            fetches = [_fetch(browser, base, query, typed) for query in asked for typed in (False, True)]
        finally:
            browser.close()
    leaks = [u for f in fetches for u in f.other_hosts]
    if leaks:
        raise SearchBytesError(f"search asked another host for: {', '.join(leaks)}")
    return fetches


def search_bytes_row(site: Path, asked: tuple[str, ...]) -> dict[str, object]:
    """The bench's record of it: every search, and the largest of them (the one the target is checked on)."""
    fetches = search_bytes(site, asked)
    largest = max(fetches, key=lambda f: f.gz_bytes)
    return {"gzip_level": GZIP_LEVEL, "largest": asdict(largest), "searches": [asdict(f) for f in fetches]}


_LUNR = """
import sys
from mkdocs.commands.build import build
from mkdocs.config import load_config
config = load_config(sys.argv[1], plugins=["search"], site_dir=sys.argv[2])
config.plugins.on_startup(command="build", dirty=False)
try:
    build(config)
finally:
    config.plugins.on_shutdown()
"""


@dataclass(frozen=True)
class LunrIndex:
    bytes: int
    gz_bytes: int
    seconds: float  # the whole second MkDocs build, not the index alone


def lunr_index(root: Path) -> LunrIndex:
    """Material's search/search_index.json for the project's docs: MkDocs with its search plugin, in a child process."""
    with tempfile.TemporaryDirectory(prefix="demarche-lunr-") as scratch:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _LUNR, str(root / "mkdocs.yml"), scratch], cwd=root, capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        index = Path(scratch) / "search" / "search_index.json"
        if done.returncode != 0 or not index.is_file():
            raise SearchBytesError(f"MkDocs with the search plugin wrote no index:\n{done.stderr.strip()}")
        data = index.read_bytes()
        json.loads(data)  # a whole index, not a truncated one
    return LunrIndex(len(data), len(gzip.compress(data, GZIP_LEVEL)), seconds)
