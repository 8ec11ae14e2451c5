"""Stage 7, index: Pagefind's static, chunked search index over a built site, written to its pagefind/ folder.

Pagefind reads every HTML page (the part the templates mark data-pagefind-body, in the language of
the page's <html lang>) and adds the statement records the plan stage made (search_records.py).
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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pagefind.index import IndexConfig
from pagefind.service import PagefindService

from demarche.search_bundle import canonical_bundle
from demarche.search_records import SearchRecord
from demarche.write import create_file

BUNDLE = "pagefind"  # the folder in site/, and so the URL /pagefind/


class SearchIndexError(Exception):
    pass


def index_site(site: Path, records: Sequence[SearchRecord]) -> Path:
    """Index the built site in `site` and the given records; returns the bundle's folder."""
    bundle = site / BUNDLE
    files = canonical_bundle(asyncio.run(_index(site, records)))
    if "pagefind.js" not in files:
        raise SearchIndexError(f"Pagefind made no pagefind.js for {bundle}")
    for name, data in files.items():
        path = bundle / name
        path.parent.mkdir(parents=True, exist_ok=True)
        create_file(path, data)
    return bundle


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


async def _index(site: Path, records: Sequence[SearchRecord]) -> dict[str, bytes]:
    """The bundle's files by path in it, as Pagefind makes them."""
    # The toc's permalink signs (¶) are not words of a heading.
    config = IndexConfig(exclude_selectors=[".headerlink"])
    service = await _Service().launch()
    try:
        index = await service.create_index(config)
        result = await index.add_directory(path=str(site))
        if not result.get("page_count"):
            raise SearchIndexError(f"Pagefind found no page to index in {site}")
        for record in records:
            await index.add_custom_record(
                url=record.url,
                content=record.content,
                language=record.language,
                meta=dict(record.meta),
                filters={name: list(values) for name, values in record.filters},
                sort=dict(record.sort),
            )
        return {file["path"]: file["content"] for file in await index.get_files()}
    finally:
        await service.close()
