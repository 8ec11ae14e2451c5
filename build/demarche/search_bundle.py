"""Pagefind's bundle files: their packing and their names (Pagefind 1.5.2's formats).

The files are gzip-compressed CBOR (RFC 8949) behind Pagefind's signature; cbor2 reads and writes the
few kinds of item they hold (unsigned and negative integers, text, definite-length arrays) in the
shortest form, byte for byte as Pagefind's encoder (minicbor) writes them (tests/test_search_bundle.py).
A file is named by its content's SHA-1, as Pagefind names it, so pagefind.js (which takes every name it
loads from the entry and meta files) and a browser's cache see a changed file under a new name.
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
