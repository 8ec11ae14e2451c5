"""What a build keeps in .demarche/ so that the next one redoes only what changed: each source file as loaded.

The state lives in .demarche/ (git-ignored; never in docs/ or site/) as JSON, which cannot run code
when read: the folder sits in a contributor's checkout. Every state file names the code that wrote
it (`code_version`: the package's own source and the versions of the libraries that shape its
output) and starts with the SHA-256 of the rest, is written whole under a temporary name and renamed into place (write.replace_file), and
is ignored when it is missing, unreadable, changed in any byte, not what this module writes, or
from other code. Only a
run holding the build lock writes it.

A file is taken as unchanged when its size, modification and change times and inode are those
recorded, as git and make do. A file changed twice within one tick of the file system's clock
keeps its times; like git's "racily clean" entries, a file whose times are not older than the
state file that recorded it is therefore read again and compared by its SHA-256, never trusted
on its times alone.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import astuple, fields
from importlib import metadata
from pathlib import Path
from typing import Any

from demarche.cores import can_share, in_halves
from demarche.load import RawRecord, load_file, load_path, walk
from demarche.problems import Problem
from demarche.records import Span, Statement
from demarche.schema import MAX_FILE_BYTES
from demarche.write import replace_file

FileKey = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
LOADED = "load"  # .demarche/load/: the source files as loaded, in SHARDS files
SHARDS = 16
# Libraries whose version can change what a build reads or writes (YAML, templates, Markdown checks, slugs).
LIBRARIES = ("pyyaml", "jinja2", "markdown", "pymdown-extensions", "unidecode", "markupsafe")


@functools.cache
def code_version() -> str:
    """A fingerprint of the code that builds: every module of this package, Python, and the libraries it relies on."""
    digest = hashlib.sha256(f"python {sys.version}\n".encode())
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(f"{path.name}\0".encode() + path.read_bytes() + b"\0")
    for name in LIBRARIES:
        try:
            digest.update(f"{name}=={metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} absent\n".encode())
    return digest.hexdigest()


def file_key(info: os.stat_result) -> FileKey:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def is_racy(key: FileKey, recorded_ns: int) -> bool:
    """True when a file's times are not older than the state that recorded them: it may have changed since, unseen."""
    return max(key[1], key[2]) >= recorded_ns


def read_state(path: Path, kind: str) -> tuple[dict[str, Any], int] | None:
    """A state file's content and its modification time, or None when it is missing, corrupt, of another kind or other code."""
    try:
        with path.open("rb") as f:
            data = unsealed(f.read())
            written_ns = os.fstat(f.fileno()).st_mtime_ns
    except OSError:
        return None
    if not isinstance(data, dict) or data.get("kind") != kind or data.get("code") != code_version():
        return None
    return data, written_ns


def write_state(path: Path, kind: str, data: dict[str, Any]) -> None:
    """Write a state file whole, in one rename: a build killed meanwhile leaves the old one or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, sealed(json.dumps({"kind": kind, "code": code_version(), **data}, separators=(",", ":")).encode()))


def sealed(payload: bytes) -> bytes:
    """A state file's bytes: the SHA-256 of its JSON on the first line, so that a changed or missing byte is seen."""
    return hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n" + payload


def unsealed(data: bytes) -> Any:
    """The JSON value a state file holds, or None when its bytes are not those sealed."""
    digest, _, payload = data.partition(b"\n")
    if digest != hashlib.sha256(payload).hexdigest().encode("ascii"):
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return None


def tree_keys(folder: Path, root: Path) -> Iterator[tuple[str, FileKey]]:
    """Every file under folder (links included, not followed), by path from root, with its key; sorted."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from tree_keys(Path(entry.path), root)
        else:
            yield Path(entry.path).relative_to(root).as_posix(), file_key(entry.stat(follow_symlinks=False))


# -- the load cache ------------------------------------------------------------------------------------


def cached_load_archive(sources_dir: Path, root: Path, state: Path) -> tuple[list[RawRecord], list[Problem]]:
    """load.load_archive, reading and parsing only the files that changed since the last run that saved the cache.

    Run under the build lock: it saves what it read again, and drops the entries of files that are gone.
    """
    sources = SourceCache(sources_dir, root, state)
    loaded = sources.load()
    sources.save()
    return loaded


class SourceCache:
    """The source files as loaded by the last runs, and what the stages found in each file alone: the statements
    and the problems validate built of it (validate.StatementMemo), and what later stages derived of it (memo.FileMemo).

    The entries are kept in SHARDS files by a hash of their path, so that one file edited rewrites
    a small part of the cache, and a clean run creates a few files, not one per source. Save under
    the build lock.
    """

    def __init__(self, sources_dir: Path, root: Path, state: Path) -> None:
        self.sources_dir, self.root, self.folder = sources_dir, root, state / LOADED
        self.shards: dict[str, _Shard] = {}

    def load(self, prepare: Callable[[RawRecord, Recording], None] | None = None) -> tuple[list[RawRecord], list[Problem]]:
        """load.load_archive, reading and parsing only the files that changed since the cache was saved.

        The files to read are shared with a forked copy of this process when it can be (cores.in_halves),
        which sends back the records it read; their entries are made here. Each side then also runs
        prepare on each file it read, which finds what later stages derive of a file alone and keeps it
        here, to be recalled (validate.checked_alone).
        """
        found: list[tuple[RawRecord, list[Problem]] | Problem | None] = []
        unread: list[tuple[int, Path, str, str]] = []
        for item in walk(self.sources_dir, self.root):
            if isinstance(item, Problem):
                found.append(item)
                continue
            path, rel, kind = item
            recalled = self._shard(rel).recall_file(path, rel)
            if recalled is None:
                unread.append((len(found), path, rel, kind))
            found.append(recalled)

        prepared = prepare if len(unread) > 1 and can_share() else None  # in one process, validate finds it as it goes

        def read(files: Sequence[tuple[int, Path, str, str]]) -> list[tuple[_Read, list[Kept]]]:
            done = []
            for _, path, rel, kind in files:
                recording = Recording(self)  # its entry is not made yet: what prepare keeps is kept again once it is
                file = _Shard.read_file(kind, path, rel)
                if prepared is not None:
                    prepared(file[0], recording)
                done.append((file, recording.kept))
            return done

        for (at, _, rel, _), (file, kept) in zip(unread, in_halves(unread, read), strict=True):
            found[at] = file[0], file[1]
            entry = _Shard.entry(file)
            if entry is not None:
                shard = self._shard(rel)
                shard.used[rel] = entry
                shard.changed = True
            self.replay(kept)
        records: list[RawRecord] = []
        problems: list[Problem] = []
        for done in found:
            if isinstance(done, Problem):
                problems.append(done)
            elif done is not None:
                records.append(done[0])
                problems.extend(done[1])
        return records, problems

    def _shard(self, rel: str) -> _Shard:
        name = hashlib.sha256(rel.encode("utf-8", "surrogateescape")).hexdigest()[: len(f"{SHARDS - 1:x}")] + ".json"
        if name not in self.shards:
            self.shards[name] = _Shard.read(self.folder / name)
        return self.shards[name]

    def recall(self, path: str) -> tuple[tuple[Statement, ...], list[Problem]] | None:
        entry = self._shard(path).used.get(path)
        kept = entry.get("statements") if entry else None
        return _decoded_statements(kept) if kept is not None else None

    def keep(self, path: str, statements: tuple[Statement, ...], problems: list[Problem]) -> None:
        shard = self._shard(path)
        if path in shard.used:
            shard.used[path]["statements"] = [[_statement_values(s) for s in statements], [list(astuple(p)) for p in problems]]
            shard.changed = True

    def recall_derived(self, path: str, name: str, key: str) -> Any:
        """What keep_derived recorded under name for a file as it is now, with this key (memo.FileMemo); else None."""
        entry = self._shard(path).used.get(path)
        kept = entry.get(f"derived:{name}") if entry else None
        return kept[1] if isinstance(kept, list) and len(kept) == 2 and kept[0] == key else None

    def keep_derived(self, path: str, name: str, key: str, value: Any) -> None:
        shard = self._shard(path)
        if path in shard.used:
            shard.used[path][f"derived:{name}"] = [key, value]
            shard.changed = True

    def replay(self, kept: list[Kept]) -> None:
        """Keep again what a Recording of this cache recorded (in another process, or before the files' entries were made)."""
        for method, args in kept:
            if method == "keep":
                self.keep(*args)
            else:
                self.keep_derived(*args)

    def save(self) -> None:
        """Write the shards that changed; remove those no file falls in now (and what a killed write left)."""
        for shard in self.shards.values():
            shard.save()
        _prune(self.folder, set(self.shards))


Kept = tuple[str, tuple[Any, ...]]  # a call to SourceCache.keep or keep_derived: its name and arguments


class Recording:
    """A SourceCache through which what is kept is also recorded, to be kept again (SourceCache.replay) where the cache
    is saved: in the process that forked the one that records (cores.both), or once the files' entries are made."""

    def __init__(self, cache: SourceCache) -> None:
        self.cache = cache
        self.kept: list[Kept] = []

    def recall(self, path: str) -> tuple[tuple[Statement, ...], list[Problem]] | None:
        return self.cache.recall(path)

    def keep(self, path: str, statements: tuple[Statement, ...], problems: list[Problem]) -> None:
        self.cache.keep(path, statements, problems)
        self.kept.append(("keep", (path, statements, problems)))

    def recall_derived(self, path: str, name: str, key: str) -> Any:
        return self.cache.recall_derived(path, name, key)

    def keep_derived(self, path: str, name: str, key: str, value: Any) -> None:
        self.cache.keep_derived(path, name, key, value)
        self.kept.append(("keep_derived", (path, name, key, value)))


_Read = tuple[RawRecord, list[Problem], "tuple[FileKey, str] | None"]  # a file read: its record, problems, key and SHA-256


class _Shard:
    """The entries of one shard file: what each file held when last read, and which of them this run used."""

    def __init__(self, path: Path, entries: dict[str, Any], written_ns: int) -> None:
        self.path = path
        self.entries = entries
        self.written_ns = written_ns
        self.used: dict[str, Any] = {}
        self.changed = False

    @staticmethod
    def read(path: Path) -> _Shard:
        saved = read_state(path, LOADED)
        entries = saved[0].get("files") if saved else None
        return _Shard(path, entries if isinstance(entries, dict) else {}, saved[1] if saved else 0)

    def recall_file(self, path: Path, rel: str) -> tuple[RawRecord, list[Problem]] | None:
        """One file from its entry, when the file is as the entry recorded it; else None (it is to be read)."""
        try:
            key = file_key(path.stat())
        except OSError:
            return None
        entry = self.entries.get(rel)
        if isinstance(entry, dict) and entry.get("file") == list(key):
            raw = _read(path) if is_racy(key, self.written_ns) else None
            if raw is None or hashlib.sha256(raw).hexdigest() == entry.get("sha256"):
                decoded = _decoded(entry)
                if decoded is not None:
                    self.used[rel] = entry
                    return decoded
        return None

    @staticmethod
    def read_file(kind: str, path: Path, rel: str) -> _Read:
        """One file read and parsed, with what its entry records of the file (its key and SHA-256; None when it cannot
        be recorded). The entry is made by `entry`, in the process that saves the cache: sent between processes,
        a record pickles in a fraction of the time its entry takes."""
        try:
            key = file_key(path.stat())
        except OSError:
            return *load_path(kind, path, rel), None
        raw = _read(path) if key[0] <= MAX_FILE_BYTES else None
        if raw is None:
            return *load_path(kind, path, rel), None
        return *load_file(kind, raw, rel), (key, hashlib.sha256(raw).hexdigest())

    @staticmethod
    def entry(read: _Read) -> dict[str, Any] | None:
        """The entry that records a file read (read_file), None when it cannot be recorded."""
        record, problems, file = read
        encoded = _encoded(record, problems) if file is not None else None
        return {"file": list(file[0]), "sha256": file[1], **encoded} if file is not None and encoded is not None else None

    def save(self) -> None:
        if self.changed or self.used.keys() != self.entries.keys():
            write_state(self.path, LOADED, {"files": self.used})


def _statement_values(statement: Statement) -> dict[str, Any]:
    values = {f.name: getattr(statement, f.name) for f in fields(statement)}
    return values | {"span": [statement.span.start, statement.span.end]}


def _statement_arguments(values: dict[str, Any]) -> dict[str, Any]:
    return {k: Span(*v) if k == "span" else tuple(v) if isinstance(v, list) else v for k, v in values.items()}


def _decoded_statements(kept: Any) -> tuple[tuple[Statement, ...], list[Problem]] | None:
    """What keep recorded, or None when it is not that."""
    try:
        statements = tuple(Statement(**_statement_arguments(values)) for values in kept[0])
        return statements, [Problem(*p) for p in kept[1]]
    except (KeyError, TypeError, IndexError, ValueError, AttributeError):
        return None


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _prune(folder: Path, kept: set[str]) -> None:
    """Remove the shards no file falls in now (and what a killed write left)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name not in kept:
            (folder / name).unlink(missing_ok=True)


def _encoded(record: RawRecord, problems: list[Problem]) -> dict[str, Any] | None:
    """A loaded file as JSON values; None for the rare value JSON cannot hold as it is (it is then loaded each time)."""
    try:  # YAML gives JSON's types, but for the floats .nan and .inf
        json.dumps(record.data, allow_nan=False)
    except (TypeError, ValueError):
        return None
    return {
        "record": {
            "kind": record.kind,
            "path": record.path,
            "file_id": record.file_id,
            "data": record.data,
            "positions": list(record.positions.items()),  # JSON writes a tuple as it writes a list: no copy into lists
            "key_positions": list(record.key_positions.items()),
            "body": record.body,
            "body_line": record.body_line,
            "readable": record.readable,
            "refused": sorted(map(list, record.refused), key=repr),
            "hidden": list(record.hidden.items()),
        },
        "problems": [list(astuple(p)) for p in problems],
    }


def _decoded(data: dict[str, Any]) -> tuple[RawRecord, list[Problem]] | None:
    """The record and problems an entry holds, or None when it does not hold them as _encoded writes them."""
    try:
        r = data["record"]
        record = RawRecord(
            kind=r["kind"],
            path=r["path"],
            file_id=r["file_id"],
            data=r["data"],
            positions={tuple(k): (v[0], v[1]) for k, v in r["positions"]},
            key_positions={tuple(k): (v[0], v[1]) for k, v in r["key_positions"]},
            body=r["body"],
            body_line=r["body_line"],
            readable=r["readable"],
            refused={tuple(k) for k in r["refused"]},
            hidden={tuple(k): [(ch, (at[0], at[1])) for ch, at in v] for k, v in r["hidden"]},
        )
        return record, [Problem(*p) for p in data["problems"]]
    except (KeyError, TypeError, IndexError, ValueError):
        return None
