"""Stage 7, index: Pagefind's static, chunked search indexes over a built site, written to its pagefind/ folder.

Two bundles. pagefind/ holds the pages: Pagefind reads every HTML page (the part the templates mark
data-pagefind-body, in the language of the page's <html lang>); the header's search box loads only
this one. A source's statements are in its text (each quote marked `<mark id="q-<statement>">`), so
a quote's words find the source page, and the box lands on the statement from the anchor Pagefind
records for the mark (docs/assets/search.js). pagefind/statements/ holds the statement records the
plan stage made (search_records.py), each with its filters; only the /search/ page merges it in.
Pagefind's meta file lists every page and record of a bundle and loads whole before the first
result, so keeping the many statement records out of the box's bundle keeps what a reader fetches
to search small.

The publish stage calls this on the staged site, so the index is replaced together with the pages it
indexes, or not at all.

The files come back from the binary in its reply and are written here, in the order of
search_bundle.py that makes two builds of one archive the same bytes. The binary's own write_files
hands its last writes to background threads and replies before they are done, and the service ends
it right after: a file of the bundle could be left empty (pagefind-entry.json, wasm.unknown.pagefind,
seen in about one build in twenty).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from pagefind.index import IndexConfig, PagefindIndex
from pagefind.service import PagefindService

from demarche.search_bundle import canonical_bundle
from demarche.search_records import SearchRecord
from demarche.write import create_file

BUNDLE = "pagefind"  # the pages' bundle: the folder in site/, and so the URL /pagefind/
STATEMENTS = "pagefind/statements"  # the statements' bundle, merged into the pages' one by the /search/ page
_T = TypeVar("_T")
_WRITERS = 8  # threads writing the bundles' files
# What a merged bundle is read for (pagefind.js's mergeIndex, which loads no script and no wasm of its own).
_MERGED = re.compile(r"pagefind-entry\.json|pagefind\.[^/]+\.pf_meta|(?:index|fragment|filter)/[^/]+")


class SearchIndexError(Exception):
    pass


def index_site(site: Path, records: Sequence[SearchRecord]) -> Path:
    """Index the built site in `site` and the given records; returns the pages' bundle's folder."""
    pages, statements = asyncio.run(_index(site, records))
    bundles = {BUNDLE: canonical_bundle(pages), STATEMENTS: canonical_bundle(statements)}
    if "pagefind.js" not in bundles[BUNDLE]:
        raise SearchIndexError(f"Pagefind made no pagefind.js for {site / BUNDLE}")
    written = {
        site / folder / name: data
        for folder, files in bundles.items()
        for name, data in files.items()
        if folder != STATEMENTS or _MERGED.fullmatch(name)
    }
    _write(written)
    return site / BUNDLE


def _write(files: dict[Path, bytes]) -> None:
    """Write every file of the bundles, several at once.

    Tens of thousands of small files (a fragment per page and per statement): each is a few system
    calls that wait on the file system, not on the processor, so threads overlap the waits (writing
    the 11,600 files of a 1,000-source archive took a third of the time with them, on a busy machine).
    """
    for folder in sorted({path.parent for path in files}):
        folder.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
        list(pool.map(create_file, files.keys(), files.values()))  # raises the first error met


class _Service(PagefindService):
    """Pagefind's service, reading each reply as soon as it comes, whatever its size.

    pagefind 1.5.2's own reader sleeps 0.1 s before each reply it reads, and every record is one
    request and one reply, so a 1,000-source archive (10,000 statement records) took over 16 minutes
    to index; the binary itself answers in about a millisecond. Its reader also stops at 2 MiB for
    one reply, less than the files of a large archive's bundle, and waits forever if the binary ends.
    """

    async def _wait_for_responses(self) -> None:
        stdout = self._backend.stdout
        assert stdout is not None
        pending = bytearray()
        while chunk := await stdout.read(1 << 20):
            start = len(pending)
            pending += chunk
            while (end := pending.find(b",", start)) >= 0:  # base64 holds no comma
                self._answer(json.loads(base64.b64decode(pending[:end])))
                del pending[: end + 1]
                start = 0
        for future in self._responses.values():
            if not future.done():
                future.set_exception(SearchIndexError("Pagefind's binary ended before it answered"))

    def _answer(self, reply: dict[str, Any]) -> None:
        payload = reply["payload"]
        message_id = reply.get("message_id")
        if message_id is None and payload.get("original_message"):  # a request the binary could not parse
            message_id = json.loads(payload["original_message"]).get("message_id")
        future = self._responses.get(message_id) if message_id is not None else None
        if future is None or future.done():
            return
        if payload["type"] == "Error":
            future.set_exception(SearchIndexError(payload["message"]))
        else:
            future.set_result(payload)


async def _index(site: Path, records: Sequence[SearchRecord]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The files of the pages' bundle and of the statements' bundle, by path in each, as Pagefind makes them.

    Each bundle is made by a binary of its own, at the same time: one binary works on one request at
    a time, so the records would wait for the pages. The records are sent without waiting for each
    reply (the binary answers each in about a tenth of a millisecond; the round trip cost more).
    """
    page_files, statement_files = await asyncio.gather(_bundle(_add_pages, site), _bundle(_add_records, records))
    return page_files, statement_files


async def _bundle(add: Callable[[PagefindIndex, _T], Awaitable[None]], what: _T) -> dict[str, bytes]:
    """One bundle's files, by path in it: what `add` gives a new index of a binary of its own."""
    # The toc's permalink signs (¶) are not words of a heading.
    config = IndexConfig(exclude_selectors=[".headerlink"])
    service = await _Service().launch()
    try:
        index = await service.create_index(config)
        await add(index, what)
        return {file["path"]: file["content"] for file in await index.get_files()}
    finally:
        await service.close()


async def _add_pages(index: PagefindIndex, site: Path) -> None:
    result = await index.add_directory(path=str(site))
    if not result.get("page_count"):
        raise SearchIndexError(f"Pagefind found no page to index in {site}")


async def _add_records(index: PagefindIndex, records: Sequence[SearchRecord]) -> None:
    await asyncio.gather(
        *(
            index.add_custom_record(
                url=record.url,
                content=record.content,
                language=record.language,
                meta=dict(record.meta),
                filters={name: list(values) for name, values in record.filters},
                sort=dict(record.sort),
            )
            for record in records
        )
    )
