"""The search index built in shards and merged (index.py, search_merge.py) answers as one Pagefind run would, and
an index built from kept shards is the same bytes as one built from nothing, whatever was kept or damaged."""

from __future__ import annotations

import asyncio
import errno
import gc
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from demarche import index
from demarche.link import link
from demarche.pipeline import build, check
from demarche.search_records import SearchRecord, statement_records
from tests.conftest import MINIMAL, make_project
from tests.pagefind_index import bundle_files, searchable
from tests.test_search_index import RUSSIAN_SOURCE

Built = tuple[Path, list[SearchRecord]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    project = make_project(
        tmp_path_factory.mktemp("merge") / "p", {**MINIMAL, "sources/texts/2021/lavrov-obse.md": RUSSIAN_SOURCE}
    )
    build(project)
    archive, problems = check(project)
    assert problems == []
    return project.root / "site", statement_records(link(archive))


@pytest.fixture(autouse=True)
def small_shards(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shard per page or record or two, so the small archive is indexed in many shards."""
    monkeypatch.setitem(index.PER_SHARD, index.BUNDLE, 1)
    monkeypatch.setitem(index.PER_SHARD, index.STATEMENTS, 1)


def indexed(site: Path, records: list[SearchRecord], state: Path, dest: Path) -> Path:
    """A copy of site's pages indexed into dest, keeping shards in state."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(site, dest, ignore=shutil.ignore_patterns("pagefind"))
    index.index_site(dest, records, state)
    return dest


def site_bytes(site: Path) -> dict[str, bytes]:
    return bundle_files(site / "pagefind") | {
        f"statements/{k}": v for k, v in bundle_files(site / "pagefind" / "statements").items()
    }


def shard_folders(state: Path, bundle: str) -> dict[str, int]:
    folder = state / "search" / bundle.replace("/", "-")
    return {child.name: child.stat().st_ino for child in folder.iterdir() if child.name.isdigit()}


def test_the_merged_bundles_answer_as_one_pagefind_run(built: Built, tmp_path: Path) -> None:
    site, records = built
    out = indexed(site, records, tmp_path / "state", tmp_path / "site")
    assert len(shard_folders(tmp_path / "state", index.BUNDLE)) >= 8
    assert len(shard_folders(tmp_path / "state", index.STATEMENTS)) >= 2  # a source's statements go together
    pages = asyncio.run(index.single_run(site, []))
    statements = asyncio.run(index.single_run(None, records))
    merged_pages = bundle_files(out / "pagefind")
    assert searchable(merged_pages) == searchable(pages)
    assert searchable(merged_pages).keys() == {"en", "ru"}
    sort_values = {record.url: dict(record.sort) for record in records}
    assert searchable(bundle_files(out / "pagefind" / "statements"), sort_values) == searchable(statements, sort_values)
    scripts = {path for path in pages if not index._DATA.fullmatch(path)}
    assert scripts and {path: merged_pages[path] for path in scripts} == {path: pages[path] for path in scripts}


def test_field_marks_are_numbered_anew_when_shards_index_different_fields(tmp_path: Path) -> None:
    """Pagefind numbers a word's place in a result's fields by the fields its pages have: a shard whose
    records have fewer fields numbers them otherwise, and the merge renumbers them."""
    records = [
        SearchRecord(
            url=f"/sources/s{n}/#q",
            content=f"common words and word{n}",
            language="en",
            meta=(("title", f"common title {n}"),)
            if n % 2
            else (("source", f"common source {n}"), ("title", f"common title {n}")),
            filters=(("speaker", (f"speaker {n % 3}",)),),
            sort=(("date", f"2021-12-{n % 5 + 1:02d}"),),
        )
        for n in range(12)
    ]
    site = tmp_path / "built"
    (site / "one").mkdir(parents=True)
    (site / "one" / "index.html").write_text('<html lang="en"><body data-pagefind-body><h1>One page</h1></body></html>')
    out = indexed(site, records, tmp_path / "state", tmp_path / "site")
    sort_values = {record.url: dict(record.sort) for record in records}
    merged = searchable(bundle_files(out / "pagefind" / "statements"), sort_values)
    assert merged == searchable(asyncio.run(index.single_run(None, records)), sort_values)
    assert merged["en"]["fields"] == ["source", "title"]
    assert merged["en"]["words"]["common"][0]  # found in the fields of records of both kinds


def damage_nothing(state: Path) -> None:
    pass


def forget_merged(state: Path) -> None:
    for path in (state / "search").glob("merged-*.json"):
        path.unlink()


def forget(pattern: str) -> Callable[[Path], None]:
    def remove(state: Path) -> None:
        for path in (state / "search").rglob(pattern):
            shutil.rmtree(path) if path.is_dir() else path.unlink()

    remove.__name__ = f"forget {pattern}"
    return remove


def overwrite(pattern: str, data: bytes) -> Callable[[Path], None]:
    def damage(state: Path) -> None:
        for path in sorted((state / "search").rglob(pattern)):
            path.write_bytes(data)

    damage.__name__ = f"overwrite {pattern}"
    return damage


def flip_a_byte(pattern: str) -> Callable[[Path], None]:
    """The same size, other content: only the SHA-256 of the manifest tells."""

    def damage(state: Path) -> None:
        for path in sorted((state / "search").rglob(pattern)):
            data = bytearray(path.read_bytes())
            data[len(data) // 2] ^= 0xFF
            path.write_bytes(bytes(data))

    damage.__name__ = f"flip a byte of {pattern}"
    return damage


def move_kept_files(state: Path) -> None:
    """merged-*.json still names files that are gone."""
    shutil.rmtree(state / "search" / "merged")


def flip_chunks_and_forget_postings(state: Path) -> None:
    flip_a_byte("*.pf_index")(state)
    forget("postings-*.bin")(state)


KEPT = [
    damage_nothing,
    forget_merged,
    forget("postings-*.bin"),
    forget("summary.json"),
    forget("assets"),
    forget("pages.json"),
    forget("manifest.json"),
    forget("*.pf_fragment"),
    move_kept_files,
    overwrite("manifest.json", b"{not json"),
    overwrite("manifest.json", b'{"key": "another", "files": {}}'),
    overwrite("summary.json", b'{"key": 1}'),
    overwrite("postings-*.bin", b"\x00" * 40),
    overwrite("merged-*.json", b'{"keys": [], "links": 3}'),
    overwrite("pages.json", b'{"index.html": [1, 2, 3, "x", true]}'),
    overwrite("*.pf_index", b""),
    flip_chunks_and_forget_postings,
    flip_a_byte("summary.json"),
]


@pytest.mark.parametrize("damage", KEPT, ids=lambda damage: damage.__name__)
def test_an_index_from_kept_shards_is_the_same_bytes_as_one_from_nothing(
    built: Built, tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    site, records = built
    fresh = site_bytes(indexed(site, records, tmp_path / "fresh", tmp_path / "a"))
    state = tmp_path / "state"
    indexed(site, records, state, tmp_path / "b")
    damage(state)
    assert site_bytes(indexed(site, records, state, tmp_path / "c")) == fresh


def test_an_edited_page_is_indexed_again_in_its_shard_alone(built: Built, tmp_path: Path) -> None:
    site, records = built
    state = tmp_path / "state"
    indexed(site, records, state, tmp_path / "before")
    pages, statements = shard_folders(state, index.BUNDLE), shard_folders(state, index.STATEMENTS)
    edited = tmp_path / "edited"
    shutil.copytree(site, edited)
    page = edited / "sources" / "lavrov-osce" / "index.html"
    html = page.read_text()
    page.unlink()
    body = html.index(">", html.index("data-pagefind-body")) + 1
    page.write_text(f"{html[:body]}<p>Zyzzogeton quinquagesimal.</p>{html[body:]}")
    after = site_bytes(indexed(edited, records, state, tmp_path / "after"))
    now = shard_folders(state, index.BUNDLE)
    changed = [name for name in now if now[name] != pages.get(name)]
    assert len(changed) == 1 and now.keys() == pages.keys()
    summary = json.loads((state / "search" / "pagefind" / changed[0] / "summary.json").read_text())
    assert "/sources/lavrov-osce/" in summary["languages"]["en"]["urls"]
    assert shard_folders(state, index.STATEMENTS) == statements
    assert after == site_bytes(indexed(edited, records, tmp_path / "fresh", tmp_path / "clean"))
    assert "zyzzogeton" in searchable(bundle_files(tmp_path / "after" / "pagefind"))["en"]["words"]


def test_a_page_removed_leaves_the_bundle_as_if_it_never_was(built: Built, tmp_path: Path) -> None:
    site, records = built
    state = tmp_path / "state"
    indexed(site, records, state, tmp_path / "before")
    smaller = tmp_path / "smaller"
    shutil.copytree(site, smaller)
    shutil.rmtree(smaller / "sources" / "lavrov-obse")
    kept = [record for record in records if not record.url.startswith("/sources/lavrov-obse/")]
    after = site_bytes(indexed(smaller, kept, state, tmp_path / "after"))
    assert after == site_bytes(indexed(smaller, kept, tmp_path / "fresh", tmp_path / "clean"))
    assert "ru" not in searchable(bundle_files(tmp_path / "after" / "pagefind"))


def test_kept_fragments_are_linked_not_copied(built: Built, tmp_path: Path) -> None:
    site, records = built
    out = indexed(site, records, tmp_path / "state", tmp_path / "site")
    fragment = next((out / "pagefind" / "fragment").iterdir())
    assert os.stat(fragment).st_nlink >= 2


def test_two_shards_fragments_of_one_name_keep_each_page_its_own_text(built: Built, tmp_path: Path) -> None:
    """Fragments are named by 7 characters of their hash: at 50,000 records two shards hold different
    fragments under one name a few times. Made so here by renaming one shard's kept fragment."""
    site, records = built
    state = tmp_path / "state"
    indexed(site, records, state, tmp_path / "before")
    folders = sorted((state / "search" / "pagefind").glob("[0-9]*"))
    first, second = (json.loads((folder / "summary.json").read_text()) for folder in folders[:2])
    taken = first["languages"]["en"]["pages"][0][0]
    moved = second["languages"]["en"]["pages"][0][0]
    manifest = json.loads((folders[1] / "manifest.json").read_text())
    files = manifest["files"]
    files[f"fragment/{taken}.pf_fragment"] = files.pop(f"fragment/{moved}.pf_fragment")
    (folders[1] / "files" / "fragment" / f"{moved}.pf_fragment").rename(
        folders[1] / "files" / "fragment" / f"{taken}.pf_fragment"
    )
    (folders[1] / "manifest.json").write_text(json.dumps(manifest))
    second["languages"]["en"]["pages"][0][0] = taken
    (folders[1] / "summary.json").write_text(json.dumps(second))
    for path in (state / "search").glob("merged-*.json"):
        path.unlink()
    out = indexed(site, records, state, tmp_path / "after")
    expected = searchable(bundle_files(tmp_path / "before" / "pagefind"))["en"]["pages"]
    assert searchable(bundle_files(out / "pagefind"))["en"]["pages"] == expected
    names = {path.name for path in (out / "pagefind" / "fragment").iterdir()}
    # the later shard's fragment takes one more character of its own hash, as Pagefind lengthens a name
    assert f"{taken}.pf_fragment" in names and f"{moved}.pf_fragment" not in names
    assert [name for name in names if name.startswith(moved)] == [name for name in names if len(name) == len(moved) + 1 + 12]


def test_a_run_that_fails_ends_the_other_quietly(
    built: Built, tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk while one Pagefind binary's shard is kept, the other binary still working: the error is
    raised once the other is done and ended, so nothing but the build's own message reaches stderr
    (before, asyncio printed that the loop of a binary outliving it was closed)."""
    site, records = built
    real = index._Kept.store
    calls = []

    def store(kept: index._Kept, bundle: str, shard: int, key: str, files: dict[str, bytes]) -> None:
        calls.append(shard)
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(kept.folder(bundle, shard)))
        real(kept, bundle, shard, key, files)

    monkeypatch.setattr(index._Kept, "store", store)
    capfd.readouterr()
    with pytest.raises(OSError, match="No space left on device"):
        indexed(site, records, tmp_path / "state", tmp_path / "site")
    gc.collect()
    assert len(calls) > 1  # the other binary went on
    assert capfd.readouterr().err == ""
