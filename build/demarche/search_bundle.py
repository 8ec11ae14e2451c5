"""Pagefind's bundle files: their codec and their names (Pagefind 1.5.2's formats).

The files are gzip-compressed CBOR (RFC 8949) behind Pagefind's signature; the few kinds of item they
hold (unsigned and negative integers, text, definite-length arrays) are decoded and encoded here, in
the shortest form, as Pagefind's encoder (minicbor) writes them. A file is named by its content's
SHA-1, as Pagefind names it, so pagefind.js (which takes every name it loads from the entry and meta
files) and a browser's cache see a changed file under a new name. search_merge.py writes bundles with
these; large index chunks are decoded there with cbor2, which is faster than this module's decoder.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from typing import TypeAlias

SIGNATURE = b"pagefind_dcd"  # what every compressed file of the bundle starts with, once decompressed
META = re.compile(r"pagefind\.(?P<name>[^/]+)\.pf_meta")
FILTER = re.compile(r"filter/(?P<name>[^/]+)\.pf_filter")

Item: TypeAlias = int | str | list["Item"]


class BundleError(Exception):
    pass


def hex_digest(body: bytes) -> str:
    """The SHA-1 of body in hexadecimal as Pagefind writes it (each byte without its leading zero)."""
    return "".join(f"{byte:x}" for byte in hashlib.sha1(body).digest())


def name(language: str, body: bytes, taken: set[str]) -> str:
    """`<language>_<hash>`, as Pagefind names a file: 7 characters of its SHA-1, more until unique among `taken`."""
    digest = hex_digest(body)
    length = 7
    while (found := f"{language}_{digest[:length]}") in taken and length < len(digest):
        length += 1
    taken.add(found)
    return found


def meta_name(language: str, body: bytes) -> str:
    """The meta file's name: `<language>_<hash>` with len(language) + 8 characters of the hash."""
    return f"{language}_{hex_digest(body)[: len(language) + 8]}"


def unpack(data: bytes, name: str) -> bytes:
    """A file's CBOR or JSON, from its gzip-compressed form behind Pagefind's signature."""
    raw = gzip.decompress(data)
    if not raw.startswith(SIGNATURE):
        raise BundleError(f"Pagefind's file {name} lacks its signature")
    return raw[len(SIGNATURE) :]


def pack(body: bytes, level: int) -> bytes:
    return gzip.compress(SIGNATURE + body, compresslevel=level, mtime=0)


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
