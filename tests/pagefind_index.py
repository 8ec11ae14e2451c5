"""Read back what Pagefind indexed: each fragment (one per page or record) is gzip-compressed JSON behind a signature.

The pages are in the bundle pagefind/, the statement records in pagefind/statements/ (demarche.index)."""

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
    bundle: str  # the bundle's folder in the site


def fragments(site: Path, bundles: tuple[str, ...] = ("pagefind", "pagefind/statements")) -> list[Fragment]:
    """Every indexed page and record of a built site's bundles, by URL."""
    return sorted((f for bundle in bundles for f in _bundle_fragments(site, bundle)), key=lambda f: f.url)


def _bundle_fragments(site: Path, bundle: str) -> list[Fragment]:
    entry = json.loads((site / bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"], "Pagefind indexed no language"
    found = []
    for path in sorted((site / bundle / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(SIGNATURE), path
        raw: dict[str, Any] = json.loads(data[len(SIGNATURE) :])
        language = path.name.split("_")[0]
        found.append(Fragment(raw["url"], raw["content"], raw.get("meta", {}), raw.get("filters", {}), language, bundle))
    return found


def languages(site: Path, bundle: str = "pagefind") -> dict[str, int]:
    """The languages Pagefind made an index for in a bundle, with their page (or record) counts."""
    entry = json.loads((site / bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    return {name: int(info["page_count"]) for name, info in entry["languages"].items()}
