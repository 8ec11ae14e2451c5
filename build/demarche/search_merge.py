"""One Pagefind bundle from the bundles Pagefind wrote for parts of the site (shards), as a reader loads it.

Pagefind has no incremental mode: its binary indexes the whole site on every run, and at 1,000
sources that was 9 s of a rebuild after a one-line edit. The index stage (index.py) therefore has
Pagefind index the site in shards, keeps each shard's bundle, runs Pagefind again only on the shards
whose pages changed, and merges the shards here into the one bundle pagefind.js loads, so a reader
fetches what a single run would give (one meta file, one index chunk per word) and never more.

What a bundle holds, per language (Pagefind 1.5.2's formats, CBOR behind a signature, gzip-compressed):
- `pagefind.<lang>_<hash>.pf_meta`: [version, pages [[fragment, word count]], index chunks [[from, to,
  file]], filters [[name, file]], sorts [[name, [page...]]], searchable meta fields [name]]; a page's
  number is its place in the pages list;
- `index/<lang>_<hash>.pf_index`: [[[word, [[page, locations, meta locations]]]]], the words sorted and
  cut into chunks; a meta location list marks the field it is in by -(its place in the fields list + 1);
- `filter/<lang>_<hash>.pf_filter`: [name, [[value, [page...]]]];
- `fragment/<lang>_<hash>.pf_fragment`: one page's data (gzip-compressed JSON), named by its own hash,
  the same whichever pages are indexed with it, so a shard's fragments are the merged bundle's as they are.

Merging numbers the pages shard by shard (shard 0's pages first, each shard in Pagefind's own order),
renumbers each shard's postings and field marks accordingly, and cuts the sorted words into chunks by
Pagefind's own rule (a chunk ends once its postings hold 20,000 numbers). The same shards always give
the same bytes, whichever shards were indexed again, so an incremental build equals a clean one.
A shard's postings, renumbered, are kept (`Postings`) and reused while its first page number and the
fields list stay the same: after an edit, only the edited shard's words are encoded again.
"""

from __future__ import annotations

import functools
import io
import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cbor2

from demarche import search_bundle
from demarche.search_bundle import BundleError, Item, meta_name, unpack
from demarche.search_bundle import name as content_name

CHUNK_NUMBERS = 20_000  # Pagefind's chunk size: numbers in a chunk's postings (pagefind/src/index/mod.rs)
GZIP_LEVEL = 6  # Pagefind's own 9 took 4 s of a 1,000-source rebuild's 8, for index chunks 1.9% smaller
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class Language:
    """One language of one shard's bundle: what merging needs of it besides its words."""

    version: str
    wasm: str | None  # the language's WebAssembly (None: Pagefind has none for it, and loads the "unknown" one)
    pages: tuple[tuple[str, int], ...]  # (fragment name, word count), by local page number
    fields: tuple[str, ...]  # the searchable meta fields, in the order its meta locations number them
    filters: tuple[tuple[str, tuple[tuple[str, tuple[int, ...]], ...]], ...]  # name -> value -> local pages
    urls: tuple[str, ...]  # each page's URL, by local page number (for sorting by a record's value)
    chunks: tuple[str, ...]  # the shard's index chunk files, by path in its bundle


Block = tuple[int, int, int, int, bytes, bytes]  # numbers, pages, first page, last page, first entry's tail, the rest
Entry = tuple[Block, tuple[tuple[str, Block], ...]]  # a word's block, and each variant's


@dataclass(frozen=True)
class Postings:
    """A shard's words with their postings, their fields marked by `fields`, ready to merge.

    A word's postings list its pages in order, each page's number given as the difference from the
    one before (the first as it is): so a shard's list, after another shard's, changes only in its
    first number. Each word maps to its Block: how many numbers its postings hold (the chunk rule),
    how many pages, its first and last page (numbered in the shard), the CBOR of the first page's
    entry without its number, and of every other entry as it is; and the same for each of its
    variants (the word's forms with diacritics, which Pagefind keeps under the form without them).
    """

    fields: tuple[str, ...]
    words: dict[str, Entry]


def pack(body: bytes) -> bytes:
    return search_bundle.pack(body, GZIP_LEVEL)


def read_languages(files: Mapping[str, bytes]) -> dict[str, Language]:
    """The languages of one shard's bundle (its files by path in the bundle), by language code."""
    entry = json.loads(files["pagefind-entry.json"])
    languages = {}
    for code, info in sorted(entry["languages"].items()):
        meta = cbor2.loads(unpack(files[f"pagefind.{info['hash']}.pf_meta"], info["hash"]))
        if not isinstance(meta, list) or len(meta) != 6:
            raise BundleError(f"Pagefind's meta file for '{code}' is not the array this build knows")
        version, pages, chunks, filters, _sorts, fields = meta
        languages[code] = Language(
            version=version,
            wasm=info.get("wasm"),
            pages=tuple((str(name), int(count)) for name, count in pages),
            fields=tuple(fields),
            filters=tuple(_filter(files, name, file) for name, file in sorted(filters)),
            urls=tuple(_url(files, name) for name, _ in pages),
            chunks=tuple(f"index/{file}.pf_index" for _, _, file in chunks),
        )
    return languages


def _filter(files: Mapping[str, bytes], name: str, file: str) -> tuple[str, tuple[tuple[str, tuple[int, ...]], ...]]:
    body = cbor2.loads(unpack(files[f"filter/{file}.pf_filter"], file))
    return name, tuple(sorted((str(value), tuple(pages)) for value, pages in body[1]))


def _url(files: Mapping[str, bytes], fragment: str) -> str:
    return str(json.loads(unpack(files[f"fragment/{fragment}.pf_fragment"], fragment))["url"])


def postings(files: Mapping[str, bytes], language: Language, fields: Sequence[str]) -> Postings:
    """The shard's words of `language`, with field marks into `fields`.

    A word's postings are decoded (to count them and find its first and last page) but their bytes
    are taken as Pagefind wrote them, cut after the first entry, unless its field marks change."""
    marks = {-(at + 1): -(fields.index(name) + 1) for at, name in enumerate(language.fields)}
    remap = any(key != value for key, value in marks.items())
    words: dict[str, Entry] = {}
    for path in language.chunks:
        data = unpack(files[path], path)
        if data[:1] != b"\x81":
            raise BundleError(f"Pagefind's index chunk {path} is not the array this build knows")
        count, at = _read_head(data, 1, 4)
        stream = io.BytesIO(data)
        decoder = cbor2.CBORDecoder(stream)
        for _ in range(count):
            if data[at : at + 1] != b"\x83":
                raise BundleError(f"a word of Pagefind's index chunk {path} is not the array this build knows")
            stream.seek(at + 1)
            word = decoder.decode()
            start = stream.tell()
            pages = decoder.decode()
            end = stream.tell()
            variants = decoder.decode()
            at = stream.tell()
            block = _block(pages, marks) if remap else _raw_block(pages, data[start:end])
            words[word] = (block, tuple((variant, _block(listed, marks)) for variant, listed in variants))
    return Postings(tuple(fields), words)


def _block(pages: list[list[Any]], marks: Mapping[int, int]) -> Block:
    """A word's Block, its entries encoded anew with their field marks changed."""
    for entry in pages:
        entry[2] = [marks.get(n, n) for n in entry[2]]
    return _raw_block(pages, cbor2.dumps(pages))


def _raw_block(pages: list[list[Any]], raw: bytes) -> Block:
    """A word's Block from its decoded pages and their bytes as written (the list's head, then each entry)."""
    if not pages:
        return 0, 0, 0, 0, b"", b""
    first = len(_head(4, len(pages)))
    after = first + len(cbor2.dumps(pages[0]))
    tail = raw[first + 1 + len(_head(0, pages[0][0])) : after]
    numbers = sum(len(locs) + len(meta_locs) + 1 for _, locs, meta_locs in pages)
    return numbers, len(pages), pages[0][0], sum(entry[0] for entry in pages), tail, raw[after:]


def _read_head(data: bytes, at: int, major: int) -> tuple[int, int]:
    """The count in the CBOR head at `at` (of the given major type), and where the item's content starts."""
    if data[at] >> 5 != major:
        raise BundleError(f"CBOR item of major type {data[at] >> 5} where {major} was expected")
    info = data[at] & 31
    if info < 24:
        return info, at + 1
    size = 1 << (info - 24)
    return int.from_bytes(data[at + 1 : at + 1 + size], "big"), at + 1 + size


def merged_fields(languages: Iterable[Language]) -> tuple[str, ...]:
    return tuple(sorted({name for language in languages for name in language.fields}))


@dataclass(frozen=True)
class Shard:
    """A shard's part of one language, ready to merge."""

    language: Language
    postings: Postings
    offset: int  # its first page's number in the merged bundle


def merge_language(
    code: str, shards: Sequence[Shard], sort_values: Mapping[str, Mapping[str, str]]
) -> tuple[str, dict[str, bytes]]:
    """One language's meta, index and filter files from its shards (in shard order), not yet packed (see
    `pack`), and the meta's name.

    sort_values gives, by page URL, the values of its sort keys (the records' `sort`), which a shard's
    bundle does not keep; pages are sorted by each key as Pagefind does (as numbers when every value
    is one, else as text; pages equal in value keep their order).
    """
    files: dict[str, bytes] = {}
    pages: list[Item] = []
    urls: list[str] = []
    for shard in shards:
        if shard.offset != len(pages):
            raise BundleError(f"a shard of '{code}' is numbered from {shard.offset}, not {len(pages)}")
        pages.extend([name, count] for name, count in shard.language.pages)
        urls.extend(shard.language.urls)
    chunks = _chunks(code, shards, files)
    filters = _filters(code, shards, files)
    meta: Item = [
        shards[0].language.version,
        pages,
        chunks,
        filters,
        _sorts(urls, sort_values),
        list(shards[0].postings.fields),
    ]
    body = cbor2.dumps(meta)
    name = meta_name(code, body)
    files[f"pagefind.{name}.pf_meta"] = body
    return name, files


def _chunks(code: str, shards: Sequence[Shard], files: dict[str, bytes]) -> list[Item]:
    """Put the index chunks into files; returns the meta's list of them ([from, to, file])."""
    found: dict[str, list[tuple[int, Entry]]] = {}
    numbers: dict[str, int] = {}
    for shard in shards:
        offset = shard.offset
        for word, entry in shard.postings.words.items():
            if word in found:
                found[word].append((offset, entry))
                numbers[word] += _numbers(entry)
            else:
                found[word] = [(offset, entry)]
                numbers[word] = _numbers(entry)
    cut: list[list[str]] = [[]]
    count = 0
    for word in sorted(found):
        cut[-1].append(word)
        count += numbers[word]
        if count >= CHUNK_NUMBERS:
            cut.append([])
            count = 0
    if not cut[-1]:
        cut.pop()
    listed: list[list[str]] = []
    taken: set[str] = set()
    for chunk in cut:
        body = b"\x81" + _head(4, len(chunk)) + b"".join([_word(word, found[word]) for word in chunk])
        name = content_name(code, body, taken)
        files[f"index/{name}.pf_index"] = body
        listed.append([chunk[0], chunk[-1], name])
    for before, after in itertools.pairwise(listed):
        before[1], after[0] = _prefixes(before[1], after[0])
    return list(listed)  # type: ignore[arg-type]


def _word(word: str, found: Sequence[tuple[int, Entry]]) -> bytes:
    """One word's entry: [word, pages, [[variant, pages]]], its pages and each variant's taken from every shard in turn."""
    pages = _joined([(offset, block) for offset, (block, _) in found])
    if not any(listed for _, (_, listed) in found):  # most words: no variant
        return b"\x83" + _text(word) + pages + b"\x80"
    variants: dict[str, list[tuple[int, Block]]] = {}
    for offset, (_, listed) in found:
        for variant, block in listed:
            variants.setdefault(variant, []).append((offset, block))
    return (
        b"\x83"
        + _text(word)
        + pages
        + _head(4, len(variants))
        + b"".join(b"\x82" + _text(variant) + _joined(blocks) for variant, blocks in sorted(variants.items()))
    )


def _joined(blocks: Sequence[tuple[int, Block]]) -> bytes:
    """Shards' postings of one word as one list: each shard's first page numbered from the last of the one before."""
    parts = [_head(4, sum(block[1] for _, block in blocks))]
    last = 0
    for offset, (_, count, first, end, tail, rest) in blocks:
        if count:
            parts += (b"\x83", _head(0, first + offset - last), tail, rest)
            last = end + offset
    return b"".join(parts)


def _text(text: str) -> bytes:
    data = text.encode()
    return _head(3, len(data)) + data


def _numbers(entry: Entry) -> int:
    block, variants = entry
    return block[0] + sum(variant[0] for _, variant in variants)


def _prefixes(a: str, b: str) -> tuple[str, str]:
    """The shortest prefixes that still tell two neighbouring chunks' last and first words apart (Pagefind's get_prefixes)."""
    common = 0
    for x, y in zip(b, a, strict=False):
        if x != y:
            break
        common += 1
    return a[: common + 1], b[: common + 1]


def _filters(code: str, shards: Sequence[Shard], files: dict[str, bytes]) -> list[Item]:
    values: dict[str, dict[str, list[int]]] = {}
    for shard in shards:
        for name, by_value in shard.language.filters:
            for value, pages in by_value:
                values.setdefault(name, {}).setdefault(value, []).extend(p + shard.offset for p in pages)
    listed: list[Item] = []
    taken: set[str] = set()
    for name in sorted(values):
        body = cbor2.dumps([name, [[value, list(pages)] for value, pages in sorted(values[name].items())]])
        file = content_name(code, body, taken)
        files[f"filter/{file}.pf_filter"] = body
        listed.append([name, file])
    return listed


def _sorts(urls: Sequence[str], sort_values: Mapping[str, Mapping[str, str]]) -> list[Item]:
    keys = sorted({key for url in urls for key in sort_values.get(url, {})})
    sorts: list[Item] = []
    for key in keys:
        valued = [(sort_values[url][key], page) for page, url in enumerate(urls) if key in sort_values.get(url, {})]
        if all(_INT.fullmatch(value) or _FLOAT.fullmatch(value) for value, _ in valued):
            valued.sort(key=lambda pair: float(pair[0]))
        else:
            valued.sort(key=lambda pair: pair[0])
        sorts.append([key, [page for _, page in valued]])
    return sorts


def entry(version: str, languages: Mapping[str, tuple[str, str | None, int]], include_characters: Sequence[str]) -> bytes:
    """pagefind-entry.json: each language's meta file, wasm and page count, in sorted order."""
    data = {
        "version": version,
        "languages": {
            code: {"hash": meta, "wasm": wasm, "page_count": count} for code, (meta, wasm, count) in sorted(languages.items())
        },
        "include_characters": list(include_characters),
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


@functools.lru_cache(maxsize=1 << 16)
def _head(major: int, count: int) -> bytes:
    if count < 24:
        return bytes([major << 5 | count])
    size = next(size for size in (1, 2, 4, 8) if count < 1 << (8 * size))
    return bytes([major << 5 | (23 + size.bit_length())]) + count.to_bytes(size, "big")


def language_from_json(data: Mapping[str, Any]) -> Language:
    """A Language as json.loads gives back its dataclasses.asdict form."""
    return Language(
        version=str(data["version"]),
        wasm=None if data["wasm"] is None else str(data["wasm"]),
        pages=tuple((str(name), int(count)) for name, count in data["pages"]),
        fields=tuple(str(name) for name in data["fields"]),
        filters=tuple(
            (str(name), tuple((str(value), tuple(int(p) for p in pages)) for value, pages in values))
            for name, values in data["filters"]
        ),
        urls=tuple(str(url) for url in data["urls"]),
        chunks=tuple(str(path) for path in data["chunks"]),
    )
