"""Stage 7, index: Pagefind's static, chunked search index over a built site, written to its pagefind/ folder.

Pagefind reads every HTML page (the part the templates mark data-pagefind-body, in the language of
the page's <html lang>) and adds the statement records the plan stage made (search_records.py).
The publish stage calls this on the staged site, so the index is replaced together with the pages it
indexes, or not at all.
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

from demarche.search_records import SearchRecord

BUNDLE = "pagefind"  # the folder in site/, and so the URL /pagefind/


class SearchIndexError(Exception):
    pass


def index_site(site: Path, records: Sequence[SearchRecord]) -> Path:
    """Index the built site in `site` and the given records; returns the bundle's folder."""
    bundle = site / BUNDLE
    asyncio.run(_index(site, records, bundle))
    if not (bundle / "pagefind.js").is_file():
        raise SearchIndexError(f"Pagefind wrote no pagefind.js into {bundle}")
    return bundle


class _Service(PagefindService):
    """Pagefind's service, reading each reply as soon as it comes.

    pagefind 1.5.2's own reader sleeps 0.1 s before each reply it reads, and every record is one
    request and one reply, so a 1,000-source archive (10,000 statement records) took over 16 minutes
    to index; the binary itself answers in about a millisecond.
    """

    async def _wait_for_responses(self) -> None:
        stdout = self._backend.stdout
        assert stdout is not None
        while True:
            reply: dict[str, Any] = json.loads(base64.b64decode((await stdout.readuntil(b","))[:-1]))
            payload = reply["payload"]
            message_id = reply.get("message_id")
            if message_id is None and payload.get("original_message"):  # a request the binary could not parse
                message_id = json.loads(payload["original_message"]).get("message_id")
            future = self._responses.get(message_id) if message_id is not None else None
            if future is None or future.done():
                continue
            if payload["type"] == "Error":
                future.set_exception(SearchIndexError(payload["message"]))
            else:
                future.set_result(payload)


async def _index(site: Path, records: Sequence[SearchRecord], bundle: Path) -> None:
    # The toc's permalink signs (¶) are not words of a heading.
    config = IndexConfig(output_path=str(bundle), exclude_selectors=[".headerlink"])
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
        await index.write_files()
    finally:
        await service.close()
