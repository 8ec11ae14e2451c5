"""Reusing the last run's output: the pages whose context did not change, and all of docs/ when no input did.

Render. A page is rendered again only when its template, its context (with what head.py adds to
its front matter) or the templates changed. A context is frozen plain data, so its pickle (written
only to be hashed, never read back; plan.value_digest) is a digest of what the page shows. Each run
records, by docs path, that digest, the SHA-256 of the text rendered, the key the page was planned
under and its template (.demarche/rendered.json); an unchanged page takes the text that docs/
holds, when the write manifest lists it and its bytes are still those recorded, so a page edited or
deleted by hand is rendered again.

Plan. Most pages are not even planned again: a source's pages, an actor's own page and each further
page of a long list are planned under a key, the digest of every input their planning reads
(plan.Keys); when the key is the one recorded and docs/ holds the pages as recorded, they are kept
as they are (LastRender.take). A kept page's file is not even read when the last run's record of docs/
(LastWrite) holds it with the SHA-256 the pages' record has, and its times, size and inode are still
those recorded: the test that finds nothing changed trusts the same (current_generation).

Generate. When nothing generation reads has changed since the last run wrote docs/ (every file
under sources/ and templates/, what mkdocs.yml tells generation (urls.SiteInfo), the code: see
cache.code_version), and docs/ still holds every file that run wrote, as it wrote it, the stages
are skipped: checking costs a stat of each file (.demarche/generated.json). A file whose times are
not older than that record is not trusted on its times (see cache.is_racy): an input makes the
stages run, a page in docs/ is compared by its SHA-256.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from demarche.cache import file_key, is_racy, read_state, tree_keys, write_state
from demarche.plan import Kept, Page, Planned, value_digest
from demarche.render import environment, render_page
from demarche.urls import SiteInfo
from demarche.write import JOURNAL, MANIFEST, read_manifest

RENDERED = "rendered"
GENERATED = "generated"
RECENT_NS = 2_000_000_000  # more than the coarsest clock of a file system (FAT: 2 s)


def _state_file(state: Path, kind: str) -> Path:
    return state / f"{kind}.json"


# -- render: pages whose context changed ---------------------------------------------------------------


def templates_version(templates: Path) -> str:
    """A fingerprint of every template: a page includes macros and a base, so any change renders every page again."""
    digest = hashlib.sha256()
    for rel, _ in tree_keys(templates, templates):
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0" + (templates / rel).read_bytes() + b"\0")
    return digest.hexdigest()


def context_digest(page: Page) -> str | None:
    """The digest of a page's template, context and front-matter additions (head.py); None if the context cannot be
    pickled (the page is then always rendered)."""
    return value_digest((page.doc, page.template, page.context, page.meta))


Digests = Callable[[], "Mapping[str, str | None] | None"]  # finds the digests of pages (None: those it finds are lost)


@dataclass(frozen=True)
class Rendered:
    texts: dict[str, str]  # every page's text, by docs path
    rendered: tuple[str, ...]  # the pages rendered by this run; the others were taken from docs/
    record: dict[str, list[str]]  # what LastRender.save records of each page, but the digests still to be found
    templates: tuple[tuple[str, str], ...] = ()  # each page's docs path and template, in the order planned
    undigested: tuple[str, ...] = ()  # pages whose digest is still to be found: the last run recorded none to compare
    digests: tuple[Digests, ...] = ()  # what finds them
    unread: tuple[str, ...] = ()  # kept pages not read (not in texts): docs/ holds them as the last run wrote them

    def __add__(self, other: Rendered) -> Rendered:
        return Rendered(
            {**self.texts, **other.texts},
            self.rendered + other.rendered,
            {**self.record, **other.record},
            self.templates + other.templates,
            self.undigested + other.undigested,
            self.digests + other.digests,
            self.unread + other.unread,
        )

    def sha256s(self) -> dict[str, str]:
        """The SHA-256 of every page's text, by docs path, as the record has it."""
        return {doc: entry[1] for doc, entry in self.record.items()}

    def found(self) -> dict[str, str | None]:
        """The digests its finders find, by docs path (those lost are missing)."""
        found: dict[str, str | None] = {}
        for find in self.digests:
            found.update(find() or {})
        return found

    def digested(self) -> dict[str, list[str]]:
        """The record, with the digests that were left to be found found: what LastRender.save records. A page whose
        digest is not found (its context cannot be pickled, or it was lost) is recorded only if keyed, with ''."""
        found = self.found()
        record = dict(self.record)
        for doc in self.undigested:
            digest = found.get(doc)
            _, sha256, key, template = record[doc]
            if digest is None and not key:
                del record[doc]
            else:
                record[doc] = [digest or "", sha256, key, template]
        return record


class LastRender:
    """What the last run rendered (.demarche/rendered.json), under the templates as they are now (else nothing).

    By docs path: the digest of each page's context, the SHA-256 of its text, the key it was planned
    under ('' when none) and its template. Read under the build lock, before planning: a group of
    pages whose key is unchanged is not planned again (plan.Reusable).
    """

    def __init__(self, templates: Path, docs: Path, state: Path, written: LastWrite | None = None) -> None:
        self.templates, self.docs, self.state, self.written = templates, docs, state, written
        self.version = templates_version(templates)
        saved = read_state(_state_file(state, RENDERED), RENDERED)
        pages = saved[0].get("pages") if saved and saved[0].get("templates") == self.version else None
        self.previous: dict[str, list[str]] = {
            doc: entry
            for doc, entry in (pages.items() if isinstance(pages, dict) else ())
            if isinstance(entry, list) and len(entry) == 4 and all(isinstance(v, str) for v in entry)
        }
        self.manifest = read_manifest(docs)
        self.by_key: dict[str, list[str]] = {}
        for doc, (_, _, key, _) in self.previous.items():
            if key:
                self.by_key.setdefault(key, []).append(doc)

    def holds(self, key: str) -> bool:
        """Whether the last run planned pages under key (take may still find them changed in docs/)."""
        return key in self.by_key

    def take(self, key: str) -> list[Kept] | None:
        kept = []
        for doc in self.by_key.get(key, ()):
            digest, sha256, _, template = self.previous[doc]
            if not digest:  # a page of the group that could not be digested
                return None
            if self.written is not None and self.compares(doc) and self.written.holds(self.docs, doc, sha256):
                kept.append(Kept(doc, template, None, key, digest, sha256))
                continue
            text = self.text(doc, digest)
            if text is None:
                return None
            kept.append(Kept(doc, template, text, key, digest, sha256))
        return kept or None

    def save(self, record: dict[str, list[str]]) -> None:
        """Record what this run rendered (Rendered.record), unless it is what the last run recorded."""
        if record != self.previous:
            write_state(_state_file(self.state, RENDERED), RENDERED, {"templates": self.version, "pages": record})

    def compares(self, doc: str) -> bool:
        """Whether the last run recorded a text of this page that docs/ may still hold (text may then find it)."""
        return doc in self.previous and doc in self.manifest

    def text(self, doc: str, digest: str | None) -> str | None:
        """The text docs/ holds for a page whose context is unchanged, if it is still what the last run rendered."""
        if digest is None or not self.compares(doc) or self.previous[doc][0] != digest:
            return None
        entry = self.previous[doc]
        try:
            data = (self.docs / doc).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != entry[1]:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None


def render_reusing(pages: Iterable[Planned], last: LastRender) -> Rendered:
    """render.render_pages, rendering only the pages whose template or context changed since the last run.

    Kept pages (see LastRender.take) are taken as they are. A page the last run recorded no text of
    (LastRender.compares) is rendered without its digest: that is found when the record is saved
    (Rendered.digested), after the write. Under the build lock. The caller saves the record
    (LastRender.save): a page the write stage then failed to put in docs/ does not match its recorded
    bytes, and is rendered again next time.
    """
    env: jinja2.Environment | None = None
    texts: dict[str, str] = {}
    rendered: list[str] = []
    record: dict[str, list[str]] = {}
    templates: list[tuple[str, str]] = []
    undigested: list[Page] = []
    unread: list[str] = []
    for page in pages:
        templates.append((page.doc, page.template))
        if isinstance(page, Kept):
            if page.text is None:
                unread.append(page.doc)
            else:
                texts[page.doc] = page.text
            record[page.doc] = [page.digest, page.sha256, page.key, page.template]
            continue
        compared = last.compares(page.doc)
        digest = context_digest(page) if compared else None
        text = last.text(page.doc, digest)  # None without a digest
        if text is None:
            env = env or environment(last.templates)
            text = render_page(env, page)
            rendered.append(page.doc)
            sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        else:
            sha256 = last.previous[page.doc][1]  # what LastRender.text compared docs/'s bytes with
        texts[page.doc] = text
        if not compared:
            undigested.append(page)
            record[page.doc] = ["", sha256, page.key, page.template]
        elif digest is not None or page.key:  # a keyed page is recorded in any case: its group is whole or not taken
            record[page.doc] = [digest or "", sha256, page.key, page.template]
    return Rendered(
        texts,
        tuple(rendered),
        record,
        tuple(templates),
        tuple(page.doc for page in undigested),
        (lambda: {page.doc: context_digest(page) for page in undigested},) if undigested else (),
        tuple(unread),
    )


# -- generate: nothing changed --------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What generation reads, as file keys: its digest, and the newest time among the files."""

    digest: str
    newest_ns: int


@dataclass(frozen=True)
class Stamp:
    """What the last run recorded of itself: enough to report and publish without running again."""

    epoch: int  # the archive's latest date, for MkDocs' SOURCE_DATE_EPOCH
    pages: int  # how many files it generated


def generation_inputs(root: Path, folders: Iterable[Path], site: SiteInfo) -> Inputs:
    """Every file under the folders (sources/, templates/) by path, size, times and inode, and what mkdocs.yml tells
    generation (SiteInfo: the site's name and address, and the repository that edit and report links point into)."""
    digest = hashlib.sha256(f"site {site!r}\n".encode("utf-8", "surrogateescape"))
    newest = 0
    for folder in folders:
        for rel, key in tree_keys(folder, root):
            digest.update(f"{rel}\0{key}\n".encode("utf-8", "surrogateescape"))
            newest = max(newest, key[1], key[2])
    return Inputs(digest.hexdigest(), newest)


@dataclass(frozen=True)
class LastWrite:
    """What the last completed generation recorded of itself and of docs/ (.demarche/generated.json): the digest of the
    inputs it read, its stamp, and by docs path each file's key (cache.file_key) and the SHA-256 of what it left there
    (None when not recorded); written_ns: when it recorded them. Read once, before generation forgets it
    (forget_generation): to skip generation (current_generation), else to keep pages unread (LastRender.take)."""

    inputs: object  # Inputs.digest, as recorded
    stamp: Stamp | None  # None when it cannot be read
    files: dict[str, tuple[list[Any], str | None]]
    written_ns: int

    @staticmethod
    def read(state: Path) -> LastWrite | None:
        """The record; None if there is none to trust."""
        saved = read_state(_state_file(state, GENERATED), GENERATED)
        files = saved[0].get("docs") if saved is not None else None
        if saved is None or not isinstance(files, dict):
            return None
        data, written_ns = saved
        try:
            stamp: Stamp | None = Stamp(int(data["epoch"]), int(data["pages"]))
        except (KeyError, TypeError, ValueError):
            stamp = None
        entries = {
            rel: (entry[0], entry[1] if isinstance(entry[1], str) else None)
            for rel, entry in files.items()
            if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], list)
        }
        return LastWrite(data.get("inputs"), stamp, entries, written_ns)

    def unchanged(self, docs: Path, rel: str) -> bool:
        """Whether docs/rel is as that generation left it: its key is the recorded one and, when its times are too
        recent to tell a later change from it (cache.is_racy), its SHA-256 too."""
        recorded = self.files.get(rel)
        if recorded is None:
            return False
        try:
            key = file_key(os.stat(docs / rel))
        except OSError:
            return False
        return list(key) == recorded[0] and (not is_racy(key, self.written_ns) or _sha256(docs / rel) == recorded[1])

    def holds(self, docs: Path, rel: str, sha256: str) -> bool:
        """Whether docs/rel holds the text whose SHA-256 is sha256, known without reading it (unless its times are too
        recent): that generation left it so, and it is unchanged since."""
        recorded = self.files.get(rel)
        return recorded is not None and recorded[1] == sha256 and self.unchanged(docs, rel)


def current_generation(written: LastWrite | None, docs: Path, inputs: Inputs) -> Stamp | None:
    """The last run's stamp when its inputs are these and docs/ holds what it wrote (written: what it recorded, read
    by LastWrite.read); None when generation must run."""
    if written is None or written.inputs != inputs.digest or is_racy((0, inputs.newest_ns, 0, 0), written.written_ns):
        return None
    if (docs / JOURNAL).exists() or set(written.files) != read_manifest(docs) | {MANIFEST}:
        return None
    return written.stamp if all(written.unchanged(docs, rel) for rel in written.files) else None


def forget_generation(state: Path) -> None:
    """Remove the stamp before docs/ changes: a run killed while writing leaves none to trust."""
    _state_file(state, GENERATED).unlink(missing_ok=True)


def save_generation(
    state: Path,
    docs: Path,
    inputs: Inputs,
    stamp: Stamp,
    written: Mapping[str, str | bytes],
    sha256s: Mapping[str, str] | None = None,
    settled_ns: int = 0,
) -> None:
    """Record the inputs this run read (taken before it read them) and docs/ as it leaves it.

    A file written in the last RECENT_NS is recorded with its SHA-256 too: its times may not tell
    a later change from it (cache.is_racy), so it is compared by content. written: what this run
    wrote to docs/ or found there (write_pages), by docs path; its SHA-256 is taken from it rather
    than from the file read again. Its key is taken after: a change made meanwhile, whatever its
    times, is seen by a SHA-256 that is not the file's, or by a key that is not the file's.

    sha256s: the SHA-256 of the pages this run put in docs/ or kept there, known without reading them
    (Rendered.sha256s), as docs/ held them at settled_ns (when the write stage was done). A page not
    written in the last RECENT_NS is recorded with it too, if its times are older than settled_ns (else
    something changed it since), for the next run to keep it unread (LastWrite).
    """
    recent = time.time_ns() - RECENT_NS
    files: dict[str, list[Any]] = {}
    for rel in sorted(read_manifest(docs) | {MANIFEST}):
        key = file_key(os.stat(docs / rel))
        changed = max(key[1], key[2])
        if changed >= recent:
            files[rel] = [list(key), _sha256(docs / rel, written.get(rel))]
        else:
            files[rel] = [list(key), (sha256s or {}).get(rel) if changed < settled_ns else None]
    write_state(
        _state_file(state, GENERATED),
        GENERATED,
        {"inputs": inputs.digest, "epoch": stamp.epoch, "pages": stamp.pages, "docs": files},
    )


def _sha256(path: Path, content: str | bytes | None = None) -> str | None:
    """The SHA-256 of content, as UTF-8 when text; of path's bytes when content is None (None if it cannot be read)."""
    if content is not None:
        return hashlib.sha256(content.encode("utf-8") if isinstance(content, str) else content).hexdigest()
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


__all__ = ["Digests", "LastRender", "LastWrite", "Rendered", "Stamp", "current_generation", "render_reusing", "save_generation"]
