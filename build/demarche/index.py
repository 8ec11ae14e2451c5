"""Stage 7, index: Pagefind's static, chunked search indexes over a built site, written to its pagefind/ folder.

Two bundles. pagefind/ holds the pages: Pagefind reads every HTML page (the part the templates mark
data-pagefind-body, in the language of the page's <html lang>); the header's search box loads only
this one. A source's statements are in its text (each quote marked `<mark id="q-<statement>">`), so
a quote's words find the source page, and the box lands on the statement from the anchor Pagefind
records for the mark (docs/assets/search.js). pagefind/statements/ holds the statement records the
plan stage made (search_records.py), each with its filters; only the /search/ page merges it in.
Pagefind's meta file lists every page and record of a bundle and loads whole before the first
result, so keeping the many statement records out of the box's bundle keeps what a reader fetches
to search small.

A rebuild costs what changed. Pagefind has no incremental mode, so each bundle is indexed in
SHARDS shards (a page or record goes by its URL's hash, a source's page and its statements to the
same shard); each shard's bundle is kept in the build's state folder (.demarche/search/) under the
digest of what it was made from, Pagefind runs again only on the shards whose inputs changed, and
search_merge.py merges the shards into the one bundle a reader loads. The fragments (a file per page,
named by its content) are hard-linked from the kept shards into the site.

The publish stage calls this on the staged site, so the index is replaced together with the pages it
indexes, or not at all.

The files come back from the binary in its reply: the binary's own write_files hands its last writes
to background threads and replies before they are done, and the service ends it right after: a file
of the bundle could be left empty (pagefind-entry.json, wasm.unknown.pagefind, seen in about one build
in twenty).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import hashlib
import json
import marshal
import os
import re
import shutil
import tempfile
import zlib
from collections.abc import Awaitable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cbor2
from pagefind.index import IndexConfig, PagefindIndex
from pagefind.service import PagefindService

from demarche import search_bundle, search_merge
from demarche.search_bundle import BundleError, unpack
from demarche.search_merge import Language, Postings, Shard
from demarche.search_records import SearchRecord
from demarche.write import TEMPORARY, create_file, replace_file

BUNDLE = "pagefind"  # the pages' bundle: the folder in site/, and so the URL /pagefind/
STATEMENTS = "pagefind/statements"  # the statements' bundle, merged into the pages' one by the /search/ page
SHARDS = 64  # at most, the parts a bundle is indexed in (pages or records of one edited source: a 64th)
PER_SHARD = {"pagefind": 25, "pagefind/statements": 300}  # at least, pages or records in a shard (a power of two shards)
PAGEFIND_CONFIG = IndexConfig(exclude_selectors=[".headerlink"])  # the toc's permalink signs (¶) are not words
_SERVICES = 2  # Pagefind binaries at once (one works on one request at a time)
_FORMAT = 2  # of the kept shards: a change here makes every shard be indexed again
_ENTRY = "_entry.json"  # kept with the scripts: the entry file of the bundle they came with
_BODY = b"data-pagefind-body"  # a page Pagefind indexes (the site marks its pages; one without the mark is not indexed)
_DATA = re.compile(r"pagefind-entry\.json|pagefind\.[^/]+\.pf_meta|(?:index|fragment|filter)/[^/]+")


class SearchIndexError(Exception):
    pass


def index_site(site: Path, records: Sequence[SearchRecord], state: Path | None = None) -> Path:
    """Index the built site in `site` and the given records; returns the pages' bundle's folder.

    `state` is the folder the shards are kept in between builds (none: every shard is indexed, in a
    temporary folder). Kept files found damaged are dropped and every shard indexed again, once."""
    with contextlib.ExitStack() as stack:
        if state is None:
            state = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="demarche-search-")))
        kept = _Kept(state / "search")
        try:
            _index_kept(site, records, kept)
        except (BundleError, ValueError, KeyError, TypeError, EOFError, cbor2.CBORDecodeError):
            shutil.rmtree(kept.root, ignore_errors=True)
            for folder in (BUNDLE, STATEMENTS):
                shutil.rmtree(site / folder, ignore_errors=True)
            _index_kept(site, records, kept)
    return site / BUNDLE


def _index_kept(site: Path, records: Sequence[SearchRecord], kept: _Kept) -> None:
    kept.clean()
    pages = _page_inputs(site, kept)
    if not pages:
        raise SearchIndexError(f"Pagefind found no page to index in {site}")
    inputs = {BUNDLE: _shards(pages, PER_SHARD[BUNDLE]), STATEMENTS: _shards(_record_inputs(records), PER_SHARD[STATEMENTS])}
    asyncio.run(_index_changed(kept, inputs))
    sort_values = {record.url: dict(record.sort) for record in records}
    for folder, shards in inputs.items():
        _publish_bundle(site / folder, kept, folder, sorted(shards), sort_values)
    kept.forget(inputs)


@dataclass(frozen=True)
class _Input:
    """One page or record as Pagefind is given it, and what identifies its content."""

    url: str
    digest: str
    page: tuple[str, str] | None = None  # a page: its path in the site (Pagefind's URL of it) and its file
    record: SearchRecord | None = None  # or a record


def _shards(inputs: Sequence[_Input], per_shard: int) -> dict[int, list[_Input]]:
    """The inputs by shard: by their path's hash (a statement's record goes with its source's page) among
    a power of two shards, as many as give each `per_shard` inputs or more, up to SHARDS. An archive
    that grows past a power of two is indexed anew, in twice as many shards."""
    count = min(SHARDS, 1 << max(0, (len(inputs) // per_shard).bit_length() - 1))
    shards: dict[int, list[_Input]] = {}
    for item in sorted(inputs, key=lambda item: item.url):
        path = item.url.split("#", 1)[0].encode()
        shards.setdefault(int.from_bytes(hashlib.sha256(path).digest()[:4], "big") % count, []).append(item)
    return shards


def _page_url(rel: str) -> str:
    return "/" + (rel[: -len("index.html")] if rel == "index.html" or rel.endswith("/index.html") else rel)


def _page_inputs(site: Path, kept: _Kept) -> list[_Input]:
    """Every HTML page of the site that Pagefind indexes (it has the body mark), read only if it changed."""
    seen = kept.read_json("pages.json")
    seen = seen if isinstance(seen, dict) else {}
    now: dict[str, list[Any]] = {}
    inputs = []
    base = str(site)
    for rel in _html_files(site):
        path = f"{base}/{rel}"
        st = os.stat(path)
        identity = [st.st_ino, st.st_size, st.st_mtime_ns]
        known = seen.get(rel)
        if isinstance(known, list) and len(known) == 5 and known[:3] == identity:
            digest, indexed = str(known[3]), bool(known[4])
        else:
            with open(path, "rb") as file:
                data = file.read()
            digest, indexed = hashlib.sha256(data).hexdigest(), _BODY in data
        now[rel] = [*identity, digest, indexed]
        if indexed:
            inputs.append(_Input(url=_page_url(rel), digest=digest, page=(rel, path)))
    kept.write_json("pages.json", now)
    return inputs


def _html_files(site: Path) -> Iterator[str]:
    for folder, dirs, files in os.walk(site):
        rel = os.path.relpath(folder, site)
        if rel == ".":
            dirs[:] = [d for d in dirs if d != "pagefind"]
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".html"):
                yield name if rel == "." else f"{rel}/{name}"


def _record_inputs(records: Sequence[SearchRecord]) -> list[_Input]:
    return [_Input(url=record.url, digest=hashlib.sha256(repr(record).encode()).hexdigest(), record=record) for record in records]


def _key(folder: str, shard: int, inputs: Sequence[_Input]) -> str:
    """What a shard's bundle is made from: the Pagefind and the settings, and each input's URL and content."""
    h = hashlib.sha256()
    h.update(json.dumps([_FORMAT, _pagefind_version(), PAGEFIND_CONFIG, folder, shard]).encode())
    for item in inputs:
        h.update(f"\n{item.url}\t{item.digest}".encode())
    return h.hexdigest()


def _assets_key() -> str:
    return f"{_FORMAT}/{_pagefind_version()}"


def _pagefind_version() -> str:
    from importlib.metadata import version

    return f"{version('pagefind')}/{version('pagefind-bin')}"


class _Kept:
    """The shards' bundles kept between builds: `search/<bundle>/<shard>/`, each with a manifest of its files.

    A shard's folder is written whole under a temporary name and renamed into place; its manifest
    names the key it was made for and the SHA-256 and size of each file, checked when a file is read
    (fragments, linked into the site without being read, by size), so a damaged shard is indexed again.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, bundle: str, shard: int) -> Path:
        return self.root / bundle.replace("/", "-") / f"{shard:02d}"

    def read_json(self, name: str) -> Any:
        try:
            return json.loads((self.root / name).read_bytes())
        except (OSError, ValueError):
            return None

    def write_json(self, name: str, data: Any) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        replace_file(self.root / name, json.dumps(data, separators=(",", ":")).encode())

    def clean(self) -> None:
        """Remove what a build killed while it wrote here left behind (temporary files and folders)."""
        for folder, dirs, files in os.walk(self.root):
            for name in [*dirs, *files]:
                if name.startswith(TEMPORARY):
                    path = Path(folder, name)
                    shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink(missing_ok=True)
            dirs[:] = [name for name in dirs if not name.startswith(TEMPORARY)]

    def manifest(self, bundle: str, shard: int) -> dict[str, Any] | None:
        try:
            data = json.loads((self.folder(bundle, shard) / "manifest.json").read_bytes())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None

    def is_current(self, bundle: str, shard: int, key: str) -> bool:
        manifest = self.manifest(bundle, shard)
        if manifest is None or manifest.get("key") != key:
            return False
        files = f"{self.folder(bundle, shard)}/files/"
        try:
            return all(os.stat(files + rel).st_size == size for rel, (size, _) in manifest["files"].items())
        except (OSError, TypeError, ValueError):
            return False

    def store(self, bundle: str, shard: int, key: str, files: Mapping[str, bytes]) -> None:
        folder = self.folder(bundle, shard)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"{TEMPORARY}{shard:02d}-", dir=folder.parent))
        for rel in sorted({str(Path(rel).parent) for rel in files}):
            (tmp / "files" / rel).mkdir(parents=True, exist_ok=True)
        for rel, data in files.items():
            create_file(tmp / "files" / rel, data)
        manifest = {
            "key": key,
            "files": {rel: [len(data), hashlib.sha256(data).hexdigest()] for rel, data in sorted(files.items())},
        }
        create_file(tmp / "manifest.json", json.dumps(manifest, separators=(",", ":")).encode())
        old = folder.with_name(f"{TEMPORARY}old-{shard:02d}-{os.getpid()}")
        with contextlib.suppress(FileNotFoundError):
            os.rename(folder, old)
        os.rename(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)

    def reader(self, bundle: str, shard: int) -> _ShardFiles:
        manifest = self.manifest(bundle, shard)
        if manifest is None:
            raise BundleError(f"the kept search shard {bundle} {shard} has no manifest")
        return _ShardFiles(self.folder(bundle, shard), manifest)

    def store_assets(self, files: Mapping[str, bytes]) -> None:
        """Keep Pagefind's scripts and the WebAssembly of each language it wrote (with those kept before)."""
        assets = {rel: data for rel, data in files.items() if not _DATA.fullmatch(rel)}
        assets[_ENTRY] = files["pagefind-entry.json"]  # its version and settings, for a bundle of no shard
        if self.is_current("assets", 0, _assets_key()):
            before = self.reader("assets", 0)
            if all(rel in before for rel in assets if rel.startswith("wasm.")):
                return
            assets = {rel: before[rel] for rel in before} | assets
        self.store("assets", 0, _assets_key(), assets)

    def forget(self, inputs: Mapping[str, Mapping[int, object]]) -> None:
        """Remove the kept shards that hold nothing any more (their pages are gone)."""
        for bundle, shards in inputs.items():
            parent = self.folder(bundle, 0).parent
            if not parent.is_dir():
                continue
            for child in parent.iterdir():
                if child.name.isdigit() and int(child.name) not in shards:
                    shutil.rmtree(child, ignore_errors=True)


class _ShardFiles(Mapping[str, bytes]):
    """A kept shard's files, read on demand and checked against its manifest."""

    def __init__(self, folder: Path, manifest: dict[str, Any]) -> None:
        self.folder, self.manifest = folder, manifest
        self._cache: dict[str, bytes] = {}

    def __getitem__(self, rel: str) -> bytes:
        if rel not in self._cache:
            size, digest = self.manifest["files"][rel]
            data = (self.folder / "files" / rel).read_bytes()
            if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
                raise BundleError(f"the kept search file {self.folder / 'files' / rel} is damaged")
            self._cache[rel] = data
        return self._cache[rel]

    def __iter__(self) -> Iterator[str]:
        return iter(self.manifest["files"])

    def __len__(self) -> int:
        return len(self.manifest["files"])

    def path(self, rel: str) -> str:
        return f"{self.folder}/files/{rel}"


async def _index_changed(kept: _Kept, inputs: Mapping[str, Mapping[int, Sequence[_Input]]]) -> None:
    """Index with Pagefind every shard whose kept bundle is not the one its inputs make, and keep it."""
    jobs = [
        (bundle, shard, key, items)
        for bundle, shards in inputs.items()
        for shard, items in sorted(shards.items())
        if not kept.is_current(bundle, shard, key := _key(bundle, shard, items))
    ]
    if not kept.is_current("assets", 0, _assets_key()) and not any(bundle == BUNDLE for bundle, *_ in jobs):
        jobs.append((BUNDLE, -1, "", []))  # Pagefind's scripts and wasm come with any bundle it writes
    if jobs:
        queues = [jobs[at::_SERVICES] for at in range(_SERVICES)]
        await _all(*(_run(kept, queue) for queue in queues if queue))
    missing = _missing_wasm(kept, inputs[BUNDLE])
    if missing:  # a language whose pages were indexed in shards of earlier builds, with other scripts
        await _run(kept, [(BUNDLE, -1, "", [_Input(f"/{code}/", "", record=_language_record(code)) for code in missing])])


def _language_record(code: str) -> SearchRecord:
    return SearchRecord(url=f"/{code}/", content="pagefind", language=code, meta=(), filters=(), sort=())


def wasm_files(languages: Iterable[Language]) -> set[str]:
    """The WebAssembly files a bundle of these languages needs: each language's own, and the one for any other."""
    return {"wasm.unknown.pagefind"} | {f"wasm.{language.wasm}.pagefind" for language in languages if language.wasm}


def _missing_wasm(kept: _Kept, shards: Mapping[int, object]) -> list[str]:
    """The languages of the pages' shards whose WebAssembly is not kept."""
    if not kept.is_current("assets", 0, _assets_key()):
        return []
    have = set(kept.reader("assets", 0))
    languages = [language for shard in shards for language in _summary(kept.reader(BUNDLE, shard)).values()]
    return sorted({language.wasm for language in languages if language.wasm and f"wasm.{language.wasm}.pagefind" not in have})


async def _run(kept: _Kept, jobs: Sequence[tuple[str, int, str, Sequence[_Input]]]) -> None:
    service = await _Service().launch()
    try:
        for bundle, shard, key, items in jobs:
            index = await service.create_index(PAGEFIND_CONFIG)
            await _add(index, items or [_Input("/", "", record=_language_record("en"))])
            files = {file["path"]: file["content"] for file in await index.get_files()}
            await index.delete_index()
            if "pagefind-entry.json" not in files:
                raise SearchIndexError("Pagefind wrote no pagefind-entry.json")
            if bundle == BUNDLE:
                kept.store_assets(files)
            if shard >= 0:
                kept.store(bundle, shard, key, {rel: data for rel, data in files.items() if _DATA.fullmatch(rel)})
                _prepare(kept.reader(bundle, shard))  # while the other binary works
    finally:
        await service.close()


async def _all(*calls: Awaitable[object]) -> None:
    """Await every call, then raise the first error: one left running, or failing unseen, would have asyncio
    print "exception was never retrieved" with its traceback after the build's own one-line message."""
    for result in await asyncio.gather(*calls, return_exceptions=True):
        if isinstance(result, BaseException):
            raise result


async def single_run(site: Path | None, records: Sequence[SearchRecord]) -> dict[str, bytes]:
    """One Pagefind run over every page of site (or none) and every record, its files by path: what the
    merged bundle is tested against (tests/test_search_merge.py)."""
    items = (_page_inputs(site, _Kept(Path(tempfile.mkdtemp(prefix="demarche-single-")))) if site else []) + _record_inputs(
        records
    )
    service = await _Service().launch()
    try:
        index = await service.create_index(PAGEFIND_CONFIG)
        await _add(index, items)
        return {file["path"]: file["content"] for file in await index.get_files()}
    finally:
        await service.close()


async def _add(index: PagefindIndex, items: Sequence[_Input]) -> None:
    """Give Pagefind the shard's pages or records, without waiting for each reply (it answers in turn)."""
    calls = []
    for item in items:
        if item.page is not None:
            rel, path = item.page
            calls.append(index.add_html_file(content=Path(path).read_text(encoding="utf-8"), source_path=rel))
        else:
            record = item.record
            assert record is not None
            calls.append(
                index.add_custom_record(
                    url=record.url,
                    content=record.content,
                    language=record.language,
                    meta=dict(record.meta),
                    filters={name: list(values) for name, values in record.filters},
                    sort=dict(record.sort),
                )
            )
    await _all(*calls)


def _publish_bundle(
    target: Path,
    kept: _Kept,
    bundle: str,
    shards: Sequence[int],
    sort_values: Mapping[str, Mapping[str, str]],
) -> None:
    """Merge the bundle's kept shards and write it into target (an empty or absent folder).

    The merged bundle is a function of its shards' keys: when none changed since the last build, the
    files that build linked are linked again without merging."""
    readers = {shard: kept.reader(bundle, shard) for shard in shards}
    asset_files = kept.reader("assets", 0)
    keys = [[shard, readers[shard].manifest["key"]] for shard in shards]
    keys.append([-1, asset_files.manifest["key"]])
    last = kept.read_json(f"merged-{bundle.replace('/', '-')}.json")
    if isinstance(last, dict) and last.get("keys") == keys:
        with contextlib.suppress(OSError, KeyError, TypeError, AttributeError, ValueError):
            for path, digest in last["made"].items():  # the merged files: checked, as they are read anyway
                if hashlib.sha256(Path(path).read_bytes()).hexdigest() != digest:
                    raise ValueError(path)
            _write(target, {"pagefind-entry.json": last["entry"].encode()}, dict(last["links"]))
            return
        shutil.rmtree(target, ignore_errors=True)
    summaries = {shard: _summary(readers[shard]) for shard in shards}
    links = _fragment_links(readers, summaries)
    out: dict[str, bytes] = {}
    listed: dict[str, tuple[str, str | None, int]] = {}
    version = ""
    for code in sorted({code for summary in summaries.values() for code in summary}):
        parts = [(shard, summaries[shard][code]) for shard in shards if code in summaries[shard]]
        fields = search_merge.merged_fields(language for _, language in parts)
        merged: list[Shard] = []
        offset = 0
        for shard, language in parts:
            merged.append(Shard(language, _postings(readers[shard], code, language, fields), offset))
            offset += len(language.pages)
        name, files = search_merge.merge_language(code, merged, sort_values)
        out.update(files)
        listed[code] = (name, parts[0][1].wasm, offset)
        version = parts[0][1].version
    made = _packed(kept.root / "merged" / bundle.replace("/", "-"), out)
    links.update({rel: path for rel, (path, _) in made.items()})
    template = json.loads(asset_files[_ENTRY])  # Pagefind's version and settings, even for a bundle of no page
    entry = search_merge.entry(version or template["version"], listed, template.get("include_characters", []))
    if bundle == BUNDLE:  # the scripts and wasm a reader loads come with the pages' bundle
        scripts = {rel for rel in asset_files if rel != _ENTRY and not rel.startswith("wasm.")}
        wanted = scripts | wasm_files(language for summary in summaries.values() for language in summary.values())
        links.update({rel: asset_files.path(rel) for rel in sorted(wanted)})
    _write(target, {"pagefind-entry.json": entry}, links)
    done = {
        "keys": keys,
        "entry": entry.decode(),
        "links": links,
        "made": dict(made.values()),
    }
    kept.write_json(f"merged-{bundle.replace('/', '-')}.json", done)


def _packed(folder: Path, bodies: Mapping[str, bytes]) -> dict[str, tuple[str, str]]:
    """The merged files, compressed, kept in folder, by path in the bundle: each kept file's path and
    SHA-256. A file's name is its content's hash, so one kept from the last build is used again (once
    its content is checked) and only the new ones are compressed. Files no longer in the bundle are
    removed from folder once they outnumber those that are."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {rel.replace("/", "~"): rel for rel in bodies}

    def keep(name: str) -> tuple[str, tuple[str, str]]:
        path, body = folder / name, bodies[wanted[name]]
        data = b""
        with contextlib.suppress(OSError, EOFError, zlib.error, BundleError):
            data = path.read_bytes()
            if unpack(data, name) != body:
                data = b""
        if not data:  # missing, damaged or not this body: compressed again
            data = search_merge.pack(body)
            replace_file(path, data)
        return wanted[name], (str(path), hashlib.sha256(data).hexdigest())

    with ThreadPoolExecutor(max_workers=_SERVICES) as pool:  # zlib lets go of the GIL: one per core
        made = dict(pool.map(keep, sorted(wanted)))
    stale = [name for name in os.listdir(folder) if name not in wanted]
    if len(stale) > len(wanted):  # removed in bulk now and then: one by one, it cost a second an edit at 5,000 sources
        for name in stale:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(folder / name)
    return made


def _prepare(files: _ShardFiles) -> None:
    """Read a shard just indexed for merging (its summary, its postings with its own fields), kept beside it."""
    for code, language in _summary(files).items():
        _postings(files, code, language, language.fields)


def _summary(files: _ShardFiles) -> dict[str, Language]:
    """The shard's languages, kept beside its files (reading them takes every fragment)."""
    path = files.folder / "summary.json"
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        data = json.loads(path.read_bytes())
        if data.get("key") == files.manifest["key"]:
            return {code: search_merge.language_from_json(value) for code, value in data["languages"].items()}
    languages = search_merge.read_languages(files)
    text = json.dumps({"key": files.manifest["key"], "languages": {code: asdict(value) for code, value in languages.items()}})
    replace_file(path, text.encode())
    return languages


def _postings(files: _ShardFiles, code: str, language: Language, fields: tuple[str, ...]) -> Postings:
    """The shard's postings, kept beside its files while the bundle's fields stay the same."""
    path = files.folder / f"postings-{code}.bin"
    head = json.dumps([files.manifest["key"], list(fields)]).encode()
    with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
        data = path.read_bytes()
        digest, rest = data[:32], data[32:]
        if hashlib.sha256(rest).digest() == digest and rest.startswith(head + b"\n"):
            return Postings(fields, marshal.loads(rest[len(head) + 1 :]))
    postings = search_merge.postings(files, language, fields)
    rest = head + b"\n" + marshal.dumps(postings.words)
    replace_file(path, hashlib.sha256(rest).digest() + rest)
    return postings


def _fragment_links(readers: Mapping[int, _ShardFiles], summaries: dict[int, dict[str, Language]]) -> dict[str, str]:
    """Each fragment of the bundle by its path in it, and the kept file it is linked from.

    A fragment is named by 7 characters of its content's hash, made longer when two pages of one run
    share them; shards are run apart, so two of them can hold different fragments under one name (a
    few times in 50,000 records). As Pagefind does, the later one (in shard order) takes a longer
    prefix of its hash, in its shard's summary (which the merged meta file lists) and in the link."""
    links: dict[str, str] = {}
    digests: dict[str, str] = {}
    for shard in sorted(summaries):
        manifest = readers[shard].manifest["files"]
        for code, language in summaries[shard].items():
            pages = []
            for name, count in language.pages:
                rel = f"fragment/{name}.pf_fragment"
                _, digest = manifest[rel]
                new = name
                if rel in links and digests[rel] != digest:
                    full = f"{code}_{search_bundle.hex_digest(unpack(readers[shard][rel], rel))}"
                    new = next(
                        full[:length]
                        for length in range(len(name) + 1, len(full) + 1)
                        if f"fragment/{full[:length]}.pf_fragment" not in links
                    )
                new_rel = f"fragment/{new}.pf_fragment"
                links[new_rel], digests[new_rel] = readers[shard].path(rel), digest
                pages.append((new, count))
            summaries[shard][code] = dataclasses.replace(language, pages=tuple(pages))
    return links


def _write(target: Path, files: Mapping[str, bytes], links: Mapping[str, str]) -> None:
    """Write the bundle into target: its entry file written, the rest hard-linked from the kept files
    (copied where the state folder is on another file system)."""
    for folder in sorted({os.path.dirname(rel) for rel in [*files, *links]}):
        os.makedirs(target / folder, exist_ok=True)
    for rel, data in files.items():
        create_file(target / rel, data)
    base = str(target)
    for rel, source in links.items():
        _link(source, f"{base}/{rel}")


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (18, 1):  # EXDEV (another file system), EPERM (no hard links there)
            raise
        shutil.copyfile(source, target)


class _Service(PagefindService):
    """Pagefind's service, reading each reply as soon as it comes, whatever its size.

    pagefind 1.5.2's own reader sleeps 0.1 s before each reply it reads, and every record is one
    request and one reply, so a 1,000-source archive (10,000 statement records) took over 16 minutes
    to index; the binary itself answers in about a millisecond. Its reader also stops at 2 MiB for
    one reply, less than the files of a large archive's bundle, and waits forever if the binary ends.
    """

    async def _wait_for_responses(self) -> None:
        stdout = self._backend.stdout
        assert stdout is not None
        pending = bytearray()
        while chunk := await stdout.read(1 << 20):
            start = len(pending)
            pending += chunk
            while (end := pending.find(b",", start)) >= 0:  # base64 holds no comma
                self._answer(json.loads(base64.b64decode(pending[:end])))
                del pending[: end + 1]
                start = 0
        for future in self._responses.values():
            if not future.done():
                future.set_exception(SearchIndexError("Pagefind's binary ended before it answered"))

    async def close(self) -> None:
        """End the binary and wait for it: the service's own close first waits on every reply, and raises with the
        first that failed before it ends the binary, which then outlives the event loop (asyncio says so on stderr)."""
        for future in self._responses.values():
            future.cancel()
        self._poll_task.cancel()
        if self._backend.returncode is None:
            self._backend.terminate()
        await self._backend.wait()

    def _answer(self, reply: dict[str, Any]) -> None:
        payload = reply["payload"]
        message_id = reply.get("message_id")
        if message_id is None and payload.get("original_message"):  # a request the binary could not parse
            message_id = json.loads(payload["original_message"]).get("message_id")
        future = self._responses.get(message_id) if message_id is not None else None
        if future is None or future.done():
            return
        if payload["type"] == "Error":
            future.set_exception(SearchIndexError(payload["message"]))
        else:
            future.set_result(payload)
