"""Pagefind's bundle in a fixed order: the files Pagefind makes in a random order come out the same bytes, under Pagefind's own names."""

from __future__ import annotations

import asyncio
import gzip
import json
import random

import pytest

from demarche import index
from demarche.link import link
from demarche.pipeline import build, check
from demarche.search_bundle import FILTER, META, SIGNATURE, Item, _name, canonical_bundle, decode, encode
from demarche.search_records import statement_records
from tests.conftest import MINIMAL, make_project
from tests.test_search_index import RUSSIAN_SOURCE


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The files Pagefind makes for the statements of a built site in two languages, before they are put in order."""
    project = make_project(
        tmp_path_factory.mktemp("bundle") / "p", {**MINIMAL, "sources/texts/2021/lavrov-obse.md": RUSSIAN_SOURCE}
    )
    build(project)
    archive, problems = check(project)
    assert problems == []
    _, statements = asyncio.run(index._index(project.root / "site", statement_records(link(archive))))
    return statements


def body(data: bytes) -> bytes:
    unpacked = gzip.decompress(data)
    assert unpacked.startswith(SIGNATURE)
    return unpacked[len(SIGNATURE) :]


def shuffled(item: Item, seed: int) -> Item:
    """A filter file's values in another order, as another run of Pagefind may write them."""
    assert isinstance(item, list) and isinstance(item[1], list)
    values = list(item[1])
    random.Random(seed).shuffle(values)
    return [item[0], values]


def test_the_codec_gives_back_pagefinds_own_bytes(raw: dict[str, bytes]) -> None:
    packed = [path for path in raw if path.endswith((".pf_meta", ".pf_filter", ".pf_index"))]
    assert sum(1 for path in packed if FILTER.fullmatch(path)) >= 6 and sum(1 for path in packed if META.fullmatch(path)) == 2
    for path in packed:
        assert encode(decode(body(raw[path]))) == body(raw[path]), path


def test_files_are_named_by_their_content_as_pagefind_names_them(raw: dict[str, bytes]) -> None:
    for path in raw:
        if found := FILTER.fullmatch(path) or META.fullmatch(path):
            language, digest = found["name"].rsplit("_", 1)
            assert _name(language, body(raw[path]), len(digest), set()) == found["name"], path


def test_any_order_pagefind_writes_comes_out_the_same(raw: dict[str, bytes]) -> None:
    """Each run reorders the filter values and the meta file's filters, and so renames the files; the result does not change."""
    expected = canonical_bundle(raw)
    for seed in range(5):
        files = {path: data for path, data in raw.items() if not FILTER.fullmatch(path)}
        renamed = {}
        for path, data in raw.items():
            if found := FILTER.fullmatch(path):
                new = encode(shuffled(decode(body(data)), seed))
                name = _name(found["name"].rsplit("_", 1)[0], new, 7, set())
                files[f"filter/{name}.pf_filter"] = gzip.compress(SIGNATURE + new)
                renamed[found["name"]] = name
        for path in [path for path in files if META.fullmatch(path)]:
            meta = decode(body(files[path]))
            assert isinstance(meta, list) and isinstance(meta[3], list)
            meta[3] = [[pair[0], renamed[pair[1]]] for pair in meta[3] if isinstance(pair, list) and isinstance(pair[1], str)]
            random.Random(seed).shuffle(meta[3])
            files[path] = gzip.compress(SIGNATURE + encode(meta))
        assert files != raw
        assert canonical_bundle(files) == expected


def test_the_ordered_bundle_lists_its_filters_and_languages_sorted_and_loses_nothing(raw: dict[str, bytes]) -> None:
    bundle = canonical_bundle(raw)
    assert {path for path in bundle if not (FILTER.fullmatch(path) or META.fullmatch(path))} == {
        path for path in raw if not (FILTER.fullmatch(path) or META.fullmatch(path))
    }
    entry = json.loads(bundle["pagefind-entry.json"])
    assert list(entry["languages"]) == ["en", "ru"]
    for info in entry["languages"].values():
        meta = decode(body(bundle[f"pagefind.{info['hash']}.pf_meta"]))
        assert isinstance(meta, list) and isinstance(meta[3], list)
        names = [pair[0] for pair in meta[3] if isinstance(pair, list)]
        assert names == sorted(names) and len(names) == len(meta[3]) > 0
        for pair in meta[3]:
            assert isinstance(pair, list) and isinstance(pair[1], str)
            filter_index = decode(body(bundle[f"filter/{pair[1]}.pf_filter"]))
            assert isinstance(filter_index, list) and filter_index[0] == pair[0] and isinstance(filter_index[1], list)
            values = [value[0] for value in filter_index[1] if isinstance(value, list)]
            assert values == sorted(values) and len(values) == len(filter_index[1])
    assert sum(1 for path in bundle if FILTER.fullmatch(path)) == sum(1 for path in raw if FILTER.fullmatch(path))
