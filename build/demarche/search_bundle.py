"""Pagefind's bundle, made the same bytes for the same archive.

Pagefind 1.5.2 gathers each language's filters in a Rust HashMap, whose order is seeded at random in
each run, and writes them in that order: the values inside each `filter/*.pf_filter`, the list of
filter files in `pagefind.<language>_<hash>.pf_meta`, and so the names of both (a hash of their
content) and the meta file's name in `pagefind-entry.json`, whose languages are a HashMap too. No
option and no order of adding records changes that, so this module puts each of those lists in a
sorted order and names each rewritten file by its new content the way Pagefind does. pagefind.js
takes every name it loads from the entry and meta files, and its WebAssembly half reads filters and
filter files into maps, so the order carries no meaning.

The files are gzip-compressed CBOR (RFC 8949) behind Pagefind's signature; the few kinds of item they
hold (unsigned and negative integers, text, definite-length arrays) are decoded and encoded here, in
the shortest form, as Pagefind's encoder (minicbor) writes them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Mapping
from typing import TypeAlias

SIGNATURE = b"pagefind_dcd"  # what every compressed file of the bundle starts with, once decompressed
META = re.compile(r"pagefind\.(?P<name>[^/]+)\.pf_meta")
FILTER = re.compile(r"filter/(?P<name>[^/]+)\.pf_filter")
_META_FILTERS, _META_SORTS = 3, 4  # positions in the meta file's array (pagefind_web/src/metadata.rs)

Item: TypeAlias = int | str | list["Item"]


class BundleError(Exception):
    pass


def canonical_bundle(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The bundle's files by path, with filters, filter files and languages in sorted order and named by their content."""
    out = {path: data for path, data in files.items() if not (META.fullmatch(path) or FILTER.fullmatch(path))}
    languages = {}
    for path in files:
        if meta := META.fullmatch(path):
            language = meta["name"].rsplit("_", 1)[0]
            languages[meta["name"]] = _canonical_language(language, files, decode(_unpack(files[path], path)), out)
    entry = json.loads(files["pagefind-entry.json"])
    for info in entry["languages"].values():
        info["hash"] = languages[info["hash"]]
    entry["languages"] = dict(sorted(entry["languages"].items()))
    out["pagefind-entry.json"] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()
    return dict(sorted(out.items()))


def _canonical_language(language: str, files: Mapping[str, bytes], meta: Item, out: dict[str, bytes]) -> str:
    """Write one language's filter files and meta file into `out`; returns the meta file's new name."""
    if not isinstance(meta, list) or len(meta) <= _META_SORTS:
        raise BundleError(f"Pagefind's meta file for '{language}' is not the array this build knows")
    filters: list[Item] = []
    taken: set[str] = set()
    for name, old in sorted(_pairs(meta[_META_FILTERS])):
        index = decode(_unpack(files[f"filter/{old}.pf_filter"], old))
        if not isinstance(index, list) or len(index) != 2 or not isinstance(index[1], list):
            raise BundleError(f"Pagefind's filter file {old} is not the array this build knows")
        body = encode([index[0], sorted(index[1], key=_first)])
        new = _name(language, body, 7, taken)
        out[f"filter/{new}.pf_filter"] = _pack(body)
        filters.append([name, new])
    meta[_META_FILTERS] = filters
    meta[_META_SORTS] = sorted(_list(meta[_META_SORTS]), key=_first)
    body = encode(meta)
    new = _name(language, body, len(language) + 8, set())
    out[f"pagefind.{new}.pf_meta"] = _pack(body)
    return new


def _name(language: str, body: bytes, length: int, taken: set[str]) -> str:
    """`<language>_<hash>`, as Pagefind names a file: a prefix of its SHA-1, longer until unique among `taken`."""
    digest = "".join(f"{byte:x}" for byte in hashlib.sha1(body).digest())  # Pagefind's own form: no zero padding
    while (name := f"{language}_{digest[:length]}") in taken and length < len(digest):
        length += 1
    taken.add(name)
    return name


def _pairs(item: Item) -> list[tuple[str, str]]:
    pairs = []
    for pair in _list(item):
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str) and isinstance(pair[1], str)):
            raise BundleError("a filter of Pagefind's meta file is not a name and a file")
        pairs.append((pair[0], pair[1]))
    return pairs


def _list(item: Item) -> list[Item]:
    if not isinstance(item, list):
        raise BundleError("Pagefind's meta file holds a single item where it should hold a list")
    return item


def _first(item: Item) -> str:
    """The name a [name, ...] array is sorted by."""
    if not (isinstance(item, list) and item and isinstance(item[0], str)):
        raise BundleError("an entry of a Pagefind list does not start with its name")
    return item[0]


def _unpack(data: bytes, name: str) -> bytes:
    raw = gzip.decompress(data)
    if not raw.startswith(SIGNATURE):
        raise BundleError(f"Pagefind's file {name} lacks its signature")
    return raw[len(SIGNATURE) :]


def _pack(body: bytes) -> bytes:
    return gzip.compress(SIGNATURE + body, compresslevel=9, mtime=0)


def decode(data: bytes) -> Item:
    """One CBOR item that fills `data`."""
    item, end = _decode(data, 0)
    if end != len(data):
        raise BundleError(f"{len(data) - end} bytes after the CBOR item")
    return item


def _decode(data: bytes, at: int) -> tuple[Item, int]:
    major, info = data[at] >> 5, data[at] & 31
    at += 1
    if info < 24:
        count = info
    elif info <= 27:
        size = 1 << (info - 24)
        count, at = int.from_bytes(data[at : at + size], "big"), at + size
    else:
        raise BundleError(f"CBOR item of indefinite or reserved length at byte {at - 1}")
    if major == 0:
        return count, at
    if major == 1:
        return -1 - count, at
    if major == 3:
        return data[at : at + count].decode(), at + count
    if major == 4:
        items: list[Item] = []
        for _ in range(count):
            item, at = _decode(data, at)
            items.append(item)
        return items, at
    raise BundleError(f"CBOR item of major type {major} at byte {at - 1}, which Pagefind's files do not hold")


def encode(item: Item) -> bytes:
    """`item` in CBOR's shortest form."""
    if isinstance(item, int):
        return _head(0, item) if item >= 0 else _head(1, -1 - item)
    if isinstance(item, str):
        text = item.encode()
        return _head(3, len(text)) + text
    return _head(4, len(item)) + b"".join(encode(each) for each in item)


def _head(major: int, count: int) -> bytes:
    if count < 24:
        return bytes([major << 5 | count])
    size = next(size for size in (1, 2, 4, 8) if count < 1 << (8 * size))
    return bytes([major << 5 | (23 + size.bit_length())]) + count.to_bytes(size, "big")
