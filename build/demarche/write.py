"""Stage 5, write: put generated pages into docs/, as one transaction.

Only files whose bytes changed are written; generated files whose record is gone are removed;
a hand-written page is never touched. A manifest in docs/ lists what the build generated.

docs/ holds hand-written pages beside the generated ones and `mkdocs serve` watches it, so it
cannot be swapped whole like site/. A write is a redo journal instead:

1. stage: each changed file is written in full under `docs/.demarche-staging-<unique>/`, named by its
   place in the journal's list (`0`, `1`...), so that staging makes no folder to remove again;
2. commit: `docs/.demarche-journal.json`, listing the staged files, the files to remove and the
   staging folder, is put in place by one `os.replace` (written under a temporary name first);
3. apply: each staged file is renamed over its target (the manifest last), the stale files are
   removed, then the journal and the staging folder;
4. `recover`, which runs first in every write, finishes a journal it finds (every step of apply
   can be repeated: a staged file that is gone was already moved) and removes any staging folder
   or temporary file no journal names.

Why this holds. A run killed, or stopped by an I/O error, before the commit changed nothing in
docs/ outside its staging folder. One stopped after the commit left a journal that names every
change in full, so the next write completes it before it reads anything: every build, generate and
serve holds the build lock and recovers first, so each of them, and the MkDocs run of a build, sees
docs/ as the old output or the new one (the preview of `mkdocs serve` reads docs/ at any time, and
is built again after each write). On disk, between the crash and that next write, docs/ may
hold some new pages beside old ones, each whole (renames are atomic; nothing is written in place),
with the journal that finishes the change. A page reaches docs/ only after a journal that lists it,
then the manifest, records it, so a page a killed build wrote is never taken for a hand-written one.
Staging folders, temporary files, the journal and the manifest start with a dot, which MkDocs leaves
out of the site.

The build lock (pipeline.build_lock) keeps two writers apart; `recover` relies on it, since the
staging folder of a live writer would look abandoned. Nothing is fsync'ed: this survives the
process being killed at any point, not a power cut (which would cost an fsync per page).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = ".demarche-manifest.json"
JOURNAL = ".demarche-journal.json"
STAGING = ".demarche-staging-"  # a folder per writing process: this prefix and a unique name
TEMPORARY = ".demarche-tmp-"  # a file written under this name, then renamed into place


@dataclass(frozen=True)
class WriteReport:
    written: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]
    replaced: dict[str, bytes | None] = field(
        default_factory=dict, repr=False
    )  # what each changed file held before (None: absent)


class WriteError(Exception):
    pass


def _safe_target(docs: Path, rel: str, folders: dict[str, str] | None = None) -> Path:
    """Where rel lands, links followed, refused when that is outside docs/: (docs / rel).resolve()."""
    return Path(_target(docs, rel, {} if folders is None else folders))


def _target(docs: Path, rel: str, folders: dict[str, str]) -> str:
    """_safe_target as a string. folders: the folders already resolved by this caller (docs-relative ->
    resolved), so that a write of thousands of pages resolves each folder once, not each page's every
    part again, and makes no Path of each (os.path.realpath is what Path.resolve runs)."""
    if "" not in folders:
        folders[""] = os.path.realpath(docs)
    parent, _, name = rel.rpartition("/")
    if parent not in folders:
        folders[parent] = os.path.realpath(os.path.join(docs, parent))
    target = os.path.join(folders[parent], name)
    if name in ("", ".", "..") or os.path.islink(target):
        target = os.path.realpath(os.path.join(docs, rel))
    root = folders[""]
    inside = target == root or target.startswith(root.rstrip(os.sep) + os.sep)
    if not inside or rel.startswith("/") or ".." in rel.split("/"):
        raise WriteError(f"refusing to write outside {docs}: {rel}")
    return target


def read_manifest(docs: Path) -> set[str]:
    try:
        return set(json.loads((docs / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return set()


def write_pages(docs: Path, pages: Mapping[str, str | bytes], as_read: Set[str] = frozenset()) -> WriteReport:
    """Bring docs/ in line with pages (docs-relative path -> content), in one transaction.

    as_read: generated pages the caller took from docs/ as they are, under the build lock
    (reuse.render_reusing): they are unchanged, and are not read again to be compared. One of them may
    be left out of pages (a page kept unread: reuse.LastWrite); it stays, and the manifest lists it.
    """
    recover(docs)
    previous = read_manifest(docs)
    folders: dict[str, str] = {}
    targets = {rel: _target(docs, rel, folders) for rel in pages}
    for rel, target in targets.items():
        if rel not in previous and os.path.exists(target):
            raise WriteError(f"docs/{rel} exists and was not generated by demarche: refusing to overwrite a hand-written page")
    unread = as_read - pages.keys()
    if not unread <= previous:
        raise WriteError(f"docs/{min(unread - previous)} was to be kept as it is, but no earlier write generated it")
    generated = pages.keys() | unread
    changes: dict[str, bytes | None] = {}
    replaced: dict[str, bytes | None] = {}
    unchanged = len(unread)
    for rel, content in sorted(pages.items()):
        if rel in as_read and rel in previous:
            unchanged += 1
            continue
        data = content.encode("utf-8") if isinstance(content, str) else content
        old = _read(targets[rel]) if rel in previous else None  # one not generated before is not there (checked above)
        if old == data:
            unchanged += 1
            continue
        changes[rel] = data
        replaced[rel] = old
    written = tuple(changes)
    removed = tuple(sorted(previous - generated))
    for rel in removed:
        replaced[rel] = _read(_target(docs, rel, folders))
        changes[rel] = None
    new_manifest = json.dumps(sorted(generated), indent=0).encode("utf-8")
    old_manifest = _read(docs / MANIFEST)
    if old_manifest != new_manifest:
        changes[MANIFEST] = new_manifest
        replaced[MANIFEST] = old_manifest
    commit(docs, changes)
    return WriteReport(written, unchanged, removed, replaced)


def undo(docs: Path, report: WriteReport) -> None:
    """Put back every file a write changed, as it was before (a page it created is removed again)."""
    recover(docs)
    commit(docs, report.replaced)


def commit(docs: Path, changes: Mapping[str, bytes | None]) -> None:
    """Write (bytes) or remove (None) each docs-relative path, all or nothing: see the module's docstring."""
    if not changes:
        return
    _make_folder(docs, set())
    staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=docs))
    try:
        puts = sorted(
            ((rel, data) for rel, data in changes.items() if data is not None), key=lambda put: (put[0] == MANIFEST, put[0])
        )
        journal = Journal(
            staging.name,
            tuple(rel for rel, _ in puts),
            tuple(sorted(rel for rel, data in changes.items() if data is None)),
            numbered=True,
        )
        for n, (rel, data) in enumerate(puts):
            create_file(os.path.join(staging, journal.staged(n, rel)), data)
        replace_file(docs / JOURNAL, journal.to_bytes())
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _apply(docs, journal)


def recover(docs: Path) -> None:
    """Finish the write a killed or failed run committed; drop what one staged but never committed.

    Only while holding the build lock: another live writer's staging folder would look abandoned.
    """
    if (docs / JOURNAL).exists():
        _apply(docs, Journal.read(docs / JOURNAL))
    for leftover in sorted(docs.glob(STAGING + "*")):
        shutil.rmtree(leftover, ignore_errors=True)
    remove_temporary_files(docs)


def remove_temporary_files(folder: Path) -> None:
    """Remove what replace_file left in folder when its process was killed (under the build lock)."""
    for leftover in sorted(folder.glob(TEMPORARY + "*")):
        leftover.unlink(missing_ok=True)


@dataclass(frozen=True)
class Journal:
    """A committed write: the staging folder's name, the paths to move from it, the paths to remove."""

    staging: str
    put: tuple[str, ...]
    remove: tuple[str, ...]
    numbered: bool = False  # the n-th file to put is staged as `n`; else at its own path (what earlier versions wrote)

    def staged(self, n: int, rel: str) -> str:
        """Where the n-th file to put, rel, is staged, in the staging folder."""
        return str(n) if self.numbered else rel

    def to_bytes(self) -> bytes:
        data = {"staging": self.staging, "put": self.put, "remove": self.remove, "numbered": self.numbered}
        return json.dumps(data, indent=0).encode("utf-8")

    @staticmethod
    def read(path: Path) -> Journal:
        try:
            data = json.loads(path.read_bytes())
            journal = Journal(
                str(data["staging"]),
                tuple(map(str, data["put"])),
                tuple(map(str, data["remove"])),
                numbered=data.get("numbered") is True,
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            journal = Journal("", (), ())
        if not journal.staging.startswith(STAGING) or "/" in journal.staging:
            raise WriteError(f"{path} is not a journal demarche wrote: move it away to build again")
        return journal


def _apply(docs: Path, journal: Journal) -> None:
    staging = os.path.join(docs, journal.staging)
    made: set[Path] = set()
    resolved: dict[str, str] = {}  # each folder resolved once (_target)
    for n, rel in enumerate(journal.put):
        staged = os.path.join(staging, journal.staged(n, rel))
        target = _target(docs, rel, resolved)
        _make_folder(Path(os.path.dirname(target)), made)
        try:
            os.replace(staged, target)
        except FileNotFoundError:
            if os.path.exists(staged):
                raise
            # else an earlier, interrupted apply moved it already
    for rel in journal.remove:
        stale = Path(_target(docs, rel, resolved))
        stale.unlink(missing_ok=True)
        _prune_empty_dirs(stale.parent, docs)
    (docs / JOURNAL).unlink()
    shutil.rmtree(staging, ignore_errors=True)


def create_file(path: Path | str, data: bytes) -> None:
    """Write a new file in full."""
    with naming(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)


class naming:  # lower case: used as a function, `with naming(path):`
    """Make an OSError raised inside name path when it names no file (those of os.write, os.ftruncate...).

    A class rather than a generator (contextlib.contextmanager): it wraps the creation of every staged file."""

    __slots__ = ("path",)

    def __init__(self, path: Path | str) -> None:
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, traceback: object) -> None:
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(self.path)


def replace_file(target: Path, data: bytes) -> None:
    """Replace target by data in one step: written under a temporary name beside it, then renamed."""
    tmp = target.with_name(f"{TEMPORARY}{os.getpid()}-{secrets.token_hex(4)}-{target.name}")
    try:
        create_file(tmp, data)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise


def _make_folder(folder: Path, made: set[Path]) -> None:
    """Make folder and its parents unless this run made or saw it already (no needless file-system calls)."""
    if folder not in made:
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
        made.add(folder)


def _read(path: str | Path) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _prune_empty_dirs(folder: Path, docs: Path) -> None:
    docs = docs.resolve()
    folder = folder.resolve()
    while folder != docs and folder.is_relative_to(docs):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
