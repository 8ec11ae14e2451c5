"""Read back what Pagefind indexed: each fragment (one per page or record) is gzip-compressed JSON behind a signature."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SIGNATURE = b"pagefind_dcd"


@dataclass(frozen=True)
class Fragment:
    url: str
    content: str
    meta: dict[str, str]
    filters: dict[str, list[str]]
    language: str


def fragments(site: Path) -> list[Fragment]:
    """Every indexed page and record of a built site, by URL."""
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"], "Pagefind indexed no language"
    found = []
    for path in sorted((site / "pagefind" / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(SIGNATURE), path
        raw: dict[str, Any] = json.loads(data[len(SIGNATURE) :])
        language = path.name.split("_")[0]
        found.append(Fragment(raw["url"], raw["content"], raw.get("meta", {}), raw.get("filters", {}), language))
    return sorted(found, key=lambda f: f.url)


def languages(site: Path) -> dict[str, int]:
    """The languages Pagefind made an index for, with their page counts."""
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    return {name: int(info["page_count"]) for name, info in entry["languages"].items()}
