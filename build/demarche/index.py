"""Stage 7, index: Pagefind's static, chunked search index over a built site, written to its pagefind/ folder.

Pagefind reads every HTML page (the part the templates mark data-pagefind-body, in the language of
the page's <html lang>) and adds the statement records the plan stage made (search_records.py).
The publish stage calls this on the staged site, so the index is replaced together with the pages it
indexes, or not at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from pagefind.index import IndexConfig, PagefindIndex

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


async def _index(site: Path, records: Sequence[SearchRecord], bundle: Path) -> None:
    # The toc's permalink signs (¶) are not words of a heading.
    config = IndexConfig(output_path=str(bundle), exclude_selectors=[".headerlink"])
    async with PagefindIndex(config=config) as index:
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
