"""Pagefind's bundle files: the codec gives back Pagefind's own bytes, files are named as Pagefind names them, and
a merged bundle is the same bytes whatever order Pagefind wrote its filters in."""

from __future__ import annotations

import asyncio
import gzip
import json
import random

import cbor2
import pytest

from demarche import index, search_merge
from demarche.link import link
from demarche.pipeline import check
from demarche.search_bundle import FILTER, META, SIGNATURE, Item, meta_name, name
from demarche.search_merge import Shard
from demarche.search_records import SearchRecord, statement_records
from tests.conftest import MINIMAL, make_project
from tests.test_search_index import RUSSIAN_SOURCE


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list[SearchRecord]:
    project = make_project(
        tmp_path_factory.mktemp("bundle") / "p", {**MINIMAL, "sources/texts/2021/lavrov-obse.md": RUSSIAN_SOURCE}
    )
    archive, problems = check(project)
    assert problems == []
    return statement_records(link(archive))


@pytest.fixture(scope="module")
def raw(records: list[SearchRecord]) -> dict[str, bytes]:
    """The files one Pagefind run makes for the statements of an archive in two languages."""
    return asyncio.run(index.single_run(None, records))


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
        assert cbor2.dumps(cbor2.loads(body(raw[path]))) == body(raw[path]), path


def test_files_are_named_by_their_content_as_pagefind_names_them(raw: dict[str, bytes]) -> None:
    for path in raw:
        if found := FILTER.fullmatch(path):
            assert name(found["name"].split("_")[0], body(raw[path]), set()) == found["name"], path
        elif found := META.fullmatch(path):
            assert meta_name(found["name"].split("_")[0], body(raw[path])) == found["name"], path


def merged(files: dict[str, bytes], records: list[SearchRecord]) -> dict[str, bytes]:
    """The bundle's files merged from `files` as a single shard."""
    sort_values = {record.url: dict(record.sort) for record in records}
    out = {}
    for code, language in search_merge.read_languages(files).items():
        shard = Shard(language, search_merge.postings(files, language, language.fields), 0)
        out.update(search_merge.merge_language(code, [shard], sort_values)[1])
    return out


def test_any_order_pagefind_writes_comes_out_the_same(raw: dict[str, bytes], records: list[SearchRecord]) -> None:
    """Pagefind 1.5.2 writes filter values and the meta file's filters in a random order (a Rust HashMap's),
    and so names the files differently in each run; the merged bundle does not change."""
    expected = merged(raw, records)
    for seed in range(5):
        files = {path: data for path, data in raw.items() if not FILTER.fullmatch(path)}
        renamed = {}
        for path, data in raw.items():
            if found := FILTER.fullmatch(path):
                new = cbor2.dumps(shuffled(cbor2.loads(body(data)), seed))
                file = name(found["name"].rsplit("_", 1)[0], new, set())
                files[f"filter/{file}.pf_filter"] = gzip.compress(SIGNATURE + new)
                renamed[found["name"]] = file
        for path in [path for path in files if META.fullmatch(path)]:
            meta = cbor2.loads(body(files[path]))
            assert isinstance(meta, list) and isinstance(meta[3], list)
            meta[3] = [[pair[0], renamed[pair[1]]] for pair in meta[3] if isinstance(pair, list) and isinstance(pair[1], str)]
            random.Random(seed).shuffle(meta[3])
            files[path] = gzip.compress(SIGNATURE + cbor2.dumps(meta))
        assert files != raw
        assert merged(files, records) == expected


def test_the_merged_bundle_lists_its_filters_and_values_sorted_and_loses_none(
    raw: dict[str, bytes], records: list[SearchRecord]
) -> None:
    bundle = merged(raw, records)
    metas = [path for path in bundle if META.fullmatch(path)]
    assert len(metas) == 2
    for path in metas:
        meta = cbor2.loads(bundle[path])
        assert isinstance(meta, list) and isinstance(meta[3], list)
        names = [pair[0] for pair in meta[3] if isinstance(pair, list)]
        assert names == sorted(names) and len(names) == len(meta[3]) > 0
        for pair in meta[3]:
            assert isinstance(pair, list) and isinstance(pair[1], str)
            filter_index = cbor2.loads(bundle[f"filter/{pair[1]}.pf_filter"])
            assert isinstance(filter_index, list) and filter_index[0] == pair[0] and isinstance(filter_index[1], list)
            values = [value[0] for value in filter_index[1] if isinstance(value, list)]
            assert values == sorted(values) and len(values) == len(filter_index[1])
    assert sum(1 for path in bundle if FILTER.fullmatch(path)) == sum(1 for path in raw if FILTER.fullmatch(path))
    entry = json.loads(raw["pagefind-entry.json"])
    assert sorted(entry["languages"]) == ["en", "ru"]
