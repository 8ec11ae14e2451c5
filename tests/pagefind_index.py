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


def searchable(files: dict[str, bytes], sort_values: dict[str, dict[str, str]] | None = None) -> dict[str, dict[str, Any]]:
    """What a bundle answers searches with, by language, with every page number turned into the page's URL.

    Two bundles equal in this give the same results: the same pages (fragment, word count), each word's
    postings (positions and weights, field positions by the field's name) and its variants', the same
    filters, the sort orders (pages of equal value, by `sort_values` of each URL, may come in any order
    among themselves), the same searchable fields. `files` is a bundle's files by path in it (see
    `bundle_files`)."""
    entry = json.loads(files["pagefind-entry.json"])
    found = {}
    for code, info in entry["languages"].items():
        meta = _cbor(files[f"pagefind.{info['hash']}.pf_meta"])
        _, pages, chunks, filters, sorts, fields = meta
        urls, fragments_by_url = [], {}
        for name, word_count in pages:
            fragment = json.loads(_body(files[f"fragment/{name}.pf_fragment"]))
            urls.append(fragment["url"])
            fragments_by_url[fragment["url"]] = (fragment, word_count)

        words = {}
        for _, _, chunk in chunks:
            for word, entries, variants in _cbor(files[f"index/{chunk}.pf_index"])[0]:
                words[word] = (
                    _postings(entries, urls, fields),
                    sorted((variant, _postings(listed, urls, fields)) for variant, listed in variants),
                )
        filter_values = {}
        for name, file in filters:
            _, values = _cbor(files[f"filter/{file}.pf_filter"])
            filter_values[name] = {value: sorted(urls[p] for p in listed) for value, listed in values}
        found[code] = {
            "pages": fragments_by_url,
            "words": words,
            "filters": filter_values,
            "sorts": {key: _groups([urls[p] for p in listed], key, sort_values or {}) for key, listed in sorts},
            "fields": sorted(fields),
            "page_count": info["page_count"],
        }
    return found


def _postings(entries: list[Any], urls: list[str], fields: list[str]) -> list[Any]:
    page, out = 0, []
    for delta, locs, meta_locs in entries:  # a page's number is the difference from the one before
        page += delta
        out.append((urls[page], tuple(locs), tuple(fields[-n - 1] if n < 0 else n for n in meta_locs)))
    return sorted(out)


def bundle_files(folder: Path) -> dict[str, bytes]:
    """A written bundle's files by path in it (the statements' bundle left out of the pages')."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "statements" not in path.relative_to(folder).parts[:-1]
    }


def _groups(urls: list[str], key: str, values: dict[str, dict[str, str]]) -> list[tuple[str, list[str]]]:
    """Pages in sorted order as runs of equal value: (value, the run's URLs in any order)."""
    runs: list[tuple[str, list[str]]] = []
    for url in urls:
        value = values[url][key]
        if runs and runs[-1][0] == value:
            runs[-1][1].append(url)
        else:
            runs.append((value, [url]))
    return [(value, sorted(run)) for value, run in runs]


def _body(data: bytes) -> bytes:
    raw = gzip.decompress(data)
    assert raw.startswith(SIGNATURE)
    return raw[len(SIGNATURE) :]


def _cbor(data: bytes) -> Any:
    import cbor2

    return cbor2.loads(_body(data))
