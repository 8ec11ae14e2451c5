"""The pipeline, stage by stage: load -> validate -> link -> plan -> render -> write -> publish -> index."""

from __future__ import annotations

import calendar
import contextlib
import fcntl
import functools
import gc
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.utils.yaml import yaml_load

from demarche.cache import Kept, Recording, SourceCache
from demarche.citefiles import citation_files
from demarche.cores import both_then
from demarche.feeds import feed_files
from demarche.head import with_head
from demarche.index import index_site
from demarche.index_pages import index_pages
from demarche.introduction import check_introduction, read_introduction
from demarche.link import Graph, link
from demarche.load import load_archive
from demarche.memo import FileMemo
from demarche.opendata import open_data_files
from demarche.plan import File, Planned, Reusable, check_outputs
from demarche.problems import ContentError, Problem, has_errors
from demarche.publish import Published, Started, abandon, remove_in_background, remove_partial_sites
from demarche.publish import build as build_started
from demarche.publish import start as start_mkdocs
from demarche.record_pages import Share, page_keys, record_pages
from demarche.records import Archive
from demarche.redirects import redirect_files
from demarche.render import render_pages
from demarche.reuse import (
    Digests,
    LastRender,
    LastWrite,
    Rendered,
    current_generation,
    forget_generation,
    generation_inputs,
    render_reusing,
    save_generation,
)
from demarche.reuse import Stamp as GenerationStamp
from demarche.schema_doc import field_reference_file
from demarche.search_records import statement_records
from demarche.sitebuild import Plan
from demarche.text import parse_date
from demarche.urls import SiteInfo
from demarche.validate import checked_alone, validate
from demarche.write import WriteReport, naming, read_manifest, recover, remove_temporary_files, replace_file, undo, write_pages

if TYPE_CHECKING:
    from hashlib import _Hash


@dataclass(frozen=True)
class Project:
    """Where a project's parts live: the repository root and the folders DESIGN.md names."""

    root: Path

    @property
    def sources(self) -> Path:
        return self.root / "sources"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    @property
    def config_file(self) -> Path:
        return self.root / "mkdocs.yml"

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def state(self) -> Path:
        """.demarche/: the build lock and the site's stamp (git-ignored; never in docs/ or site/)."""
        return self.root / ".demarche"

    def site_info(self) -> SiteInfo:
        config: dict[str, Any] = {}
        if self.config_file.exists():
            with self.config_file.open(encoding="utf-8") as f:
                config = yaml_load(f) or {}
        url = str(config.get("site_url") or "")
        if url and not url.endswith("/"):
            url += "/"
        extra: dict[str, Any] = config["extra"] if isinstance(config.get("extra"), dict) else {}
        return SiteInfo(
            name=str(config.get("site_name") or "Demarche"),
            url=url,
            edit_base=str(extra.get("edit_base") or ""),
            introduction=read_introduction(self.sources),
        )


def check(project: Project, incremental: bool = False, all_warnings: bool = True) -> tuple[Archive, list[Problem]]:
    """Load and validate: every problem of every file (and of the home page's introduction), sorted.

    incremental (under the build lock): files unchanged since the last such run are not read again,
    nor their statements built again (cache.SourceCache). all_warnings False (a build): warnings
    that are shown only with an error are looked for only when there is one (see validate).
    """
    sources = SourceCache(project.sources, project.root, project.state) if incremental else None
    checked = _checked(project, sources, all_warnings)
    if sources is not None:
        sources.save()
    return checked


def _checked(project: Project, sources: SourceCache | None, all_warnings: bool) -> tuple[Archive, list[Problem]]:
    """check, from the load cache when there is one (which the caller saves)."""
    introduction = check_introduction(read_introduction(project.sources))
    raws, problems = sources.load(checked_alone) if sources else load_archive(project.sources, project.root)
    archive, found = validate(raws, sources, all_warnings or has_errors(problems + introduction))
    return archive, sorted(problems + found + introduction)


def generate_pages(project: Project, incremental: bool = False) -> tuple[Graph, dict[str, str | bytes], list[Problem]]:
    """Check, link, plan and render: every generated file by docs path (pages as text, other files as bytes).

    incremental (under the build lock): unchanged files are not read again, nor what was found in
    each alone (cache.SourceCache), and pages whose context is unchanged are taken from docs/ rather
    than rendered again (reuse.py). The problems returned are the warnings a build finds without
    looking for repeated texts, which only `check` and a failing build show (its ContentError holds
    every problem `check` finds).
    """
    generated = _generated_pages(project, incremental)
    generated.saves()
    return generated.graph, generated.files, generated.problems


@dataclass(frozen=True)
class _Pages:
    """What _generated_pages generates."""

    graph: Graph
    files: dict[str, str | bytes]  # every generated file by docs path (pages as text), but the pages kept unread
    problems: list[Problem]
    as_read: frozenset[str] = frozenset()  # pages taken from docs/ as it holds them, read or not (see reuse.LastWrite)
    sha256s: Mapping[str, str] = field(default_factory=dict)  # of the pages' texts, as recorded (Rendered.sha256s)
    saves: Callable[[], None] = lambda: None  # saves the load cache and the pages' record for the next run

    def __len__(self) -> int:
        """How many files it generated."""
        return len(self.files.keys() | self.as_read)


def _generated_pages(
    project: Project, incremental: bool, written: LastWrite | None = None, checked: Callable[[], object] | None = None
) -> _Pages:
    """generate_pages; and, incremental, the pages whose text was taken from docs/ as it is (see
    reuse.render_reusing) and what saves the load cache and the pages' record (reuse.LastRender) for the
    next run, for the caller to call (when generation fails, the load cache is saved here). written: what the
    last run recorded of docs/, under which a kept page is not read again (reuse.LastWrite); those pages
    are left out of the files then. checked: called once the sources are checked and hold no error."""
    sources = SourceCache(project.sources, project.root, project.state) if incremental else None
    last = LastRender(project.templates, project.docs, project.state, written) if incremental else None
    try:
        archive, problems = _checked(project, sources, all_warnings=False)
        if has_errors(problems):
            raise ContentError(problems)
        if checked is not None:
            checked()
        graph = link(archive, sources)
        if last is None or sources is None:
            pages, files = plan_site(graph, project.site_info(), sources, last)
            return _Pages(graph, outputs(render_pages(pages, project.templates), files), problems)
        rendered, files = _planned_and_rendered(graph, project.site_info(), sources, last)
    except BaseException:
        if sources is not None:
            sources.save()
        raise

    def saves() -> None:
        sources.save()
        last.save(rendered.digested())

    as_read = frozenset(rendered.texts.keys() - set(rendered.rendered)).union(rendered.unread)
    return _Pages(graph, outputs(rendered.texts, files), problems, as_read, rendered.sha256s(), saves)


SHARE = Share(frozenset({1, 2, 4, 5, 7, 8, 9}), 10)  # the records whose pages a forked process plans and renders (cores.both)
OWN = Share(frozenset({0, 3, 6}), 10)  # the others, planned and rendered here with the index pages and the other files
EVERY = Share(frozenset(range(10)), 10)  # after a small change: every record's pages planned by the copy (see _Split)
NONE = Share(frozenset(), 10)
SHARED_WHATEVER_CHANGED = 500  # sources from which the pages are planned on both processors however few changed


@dataclass(frozen=True)
class _Split:
    """How _planned_and_rendered shares the work between this process and the forked copy."""

    own: Share  # the records whose pages are planned here, with the index pages and the data files
    theirs: Share  # those the copy plans
    their_files: bool  # whether the copy makes the files made per record (feeds, citation files) rather than this one


# When half the sources or more are planned again, most of the work is planning and rendering their pages: the copy
# takes 7 records in 10 (at 1,000 sources, a clean generation's shared phase took 2.72 and 2.77 s with 7/10, against
# 2.79 to 2.94 s with 3/4 and 2.95 to 3.0 s with 2/3). After a small change most pages are kept, and the files made from
# the whole archive (the open data above all) are most of the work: this process makes those and the index pages, the
# copy every record's pages and the files made per record.
_MOST_CHANGED = _Split(OWN, SHARE, their_files=False)
_FEW_CHANGED = _Split(NONE, EVERY, their_files=True)


def _planned_and_rendered(graph: Graph, site: SiteInfo, memo: SourceCache, last: LastRender) -> tuple[Rendered, list[File]]:
    """plan_site, then render_reusing: on both processors when it can be (cores.both), each planning and rendering
    the pages of a share of the records; this one also the index pages and the other files, but the files made per
    record when few sources changed, which the copy makes (see _Split).

    A copy sends back the text of every page it keeps and had to read (see reuse.LastWrite), so after a small
    change much of its work is sending those: it is worth it in a large archive, whatever changed (one source
    edited, in process, before kept pages could be left unread: at 5,000 sources, generation 12.5 and 14.5 s
    with the copy, 14.6 and 15.3 s without; at 1,000, 2.45 to 2.6 s against 2.65 to 2.8 s), not in a small one
    (at 100 sources, 0.05 s slower), unless half its sources or more are planned again."""
    keys = page_keys(graph, site, last)
    again = sum(1 for key in keys.sources.values() if not (key and last.holds(key)))
    most = 2 * again >= len(keys.sources)
    split = _MOST_CHANGED if most else _FEW_CHANGED

    def records(share: Share, memo: FileMemo | None) -> Rendered:
        return render_reusing(with_head(record_pages(graph, site, memo, keys, share), graph, site), last)

    def own() -> tuple[Rendered, list[File]]:
        pages = records(split.own, memo) + render_reusing(index_pages(graph, site, keys), last)
        return pages, data_files(graph, site, memo) if split.their_files else site_files(graph, site, memo)

    def theirs() -> tuple[tuple[Rendered, list[File], list[Kept]], Digests]:
        recording = Recording(memo)  # what it keeps comes back to be kept here
        shared = records(split.theirs, recording)
        files = record_files(graph, site, recording) if split.their_files else []
        return (replace(shared, digests=()), files, recording.kept), shared.found

    share = len(keys.sources) >= SHARED_WHATEVER_CHANGED or most
    (rendered, files), (shared, their_files, kept), digests = both_then(own, theirs, share=share)
    memo.replay(kept)
    files += their_files
    # when the record is saved, the copy is asked for its digests first, so that both processes find theirs at once
    rendered = replace(rendered + shared, digests=(digests.ask, *rendered.digests, digests.get))
    check_outputs(rendered.templates, files)
    return rendered, files


def plan_site(
    graph: Graph, site: SiteInfo, memo: FileMemo | None = None, last: Reusable | None = None
) -> tuple[list[Planned], list[File]]:
    """Every output of the site: the pages to render and the other files, refused if two would stand in one place.

    memo: what was derived of each unchanged source file by the last run (the load cache). last: the
    pages the last run planned under keys; those whose key is unchanged are kept, not planned again.
    """
    keys = page_keys(graph, site, last) if last is not None else None
    pages = with_head([*record_pages(graph, site, memo, keys), *index_pages(graph, site, keys)], graph, site)
    files = site_files(graph, site, memo)
    check_outputs(((p.doc, p.template) for p in pages), files)
    return pages, files


def site_files(graph: Graph, site: SiteInfo, memo: FileMemo | None = None) -> list[File]:
    """Every output that is not a page: the field reference, redirects, open data, feeds and citation files."""
    return [*data_files(graph, site, memo), *record_files(graph, site, memo)]


def data_files(graph: Graph, site: SiteInfo, memo: FileMemo | None = None) -> list[File]:
    """The outputs made from the whole archive that are not pages: the field reference, redirects and open data."""
    return [field_reference_file(), *redirect_files(graph, site), *open_data_files(graph, site, memo)]


def record_files(graph: Graph, site: SiteInfo, memo: FileMemo | None = None) -> list[File]:
    """The outputs made per record that are not pages: the feeds and the citation files."""
    return [*feed_files(graph, site, memo), *citation_files(graph, site)]


def outputs(rendered: dict[str, str], files: list[File]) -> dict[str, str | bytes]:
    """The rendered pages and the other files together, as the write stage takes them."""
    return {**rendered, **{f.doc: f.data for f in files}}


def generate(project: Project) -> WriteReport:
    """Check and render (in memory), then write docs/, under the build lock: a content error writes nothing."""
    with build_lock(project):
        return generate_locked(project).report


@dataclass
class Deferred:
    """Work that nothing waits for, done once by `done` (however often it is called): none when work is None."""

    work: Callable[[], None] | None = None

    def done(self) -> None:
        work, self.work = self.work, None
        if work is not None:
            work()

    def drop(self) -> None:
        self.work = None


@dataclass(frozen=True)
class Generated:
    report: WriteReport
    graph: Graph | None  # None when nothing generation reads had changed: the stages did not run
    epoch: int  # the archive's latest date (archive_epoch)
    caches: Deferred = field(default_factory=Deferred)  # the load cache and the pages' record, when deferred
    stamp: Deferred = field(default_factory=Deferred)  # the stamp that says what docs/ holds, when deferred
    collected: Deferred = field(default_factory=Deferred)  # the objects generation made, given back to the collector

    def save(self) -> None:
        """What generation records for the next run (see generate_locked), if it is not written yet."""
        with _collector_paused():
            self.caches.done()
            self.stamp.done()
        self.collected.done()


def generate_locked(
    project: Project,
    force: bool = False,
    starting: Callable[[], object] | None = None,
    deferred: bool = False,
    checked: Callable[[], object] | None = None,
) -> Generated:
    """Generate docs/ under the build lock, doing only what the changes since the last run need.

    Unless forced, nothing runs when nothing generation reads has changed and docs/ holds what the
    last run wrote (reuse.current_generation); otherwise every stage runs, reusing the files and
    pages that did not change: `starting` is called first, and `checked` once the sources are checked and
    hold no error (before the link stage). What it records for the next run (the
    load cache, the pages' record, the stamp that says what docs/ holds) is written once docs/ is;
    deferred: by the caller, which calls Generated.save() under the build lock (build_site does while
    MkDocs builds), or drops the stamp if it puts docs/ back. Until then the next run, finding no
    stamp, generates again.
    """
    inputs = generation_inputs(project.root, (project.sources, project.templates), project.site_info())
    written = LastWrite.read(project.state)  # whether to run; then which pages to keep unread (reuse.LastRender)
    stamp = None if force else current_generation(written, project.docs, inputs)
    if stamp is not None:
        return Generated(WriteReport((), stamp.pages, ()), None, stamp.epoch)
    if starting is not None:
        starting()
    forget_generation(project.state)
    recover(project.docs)  # a killed build's committed write, finished before pages are taken from docs/
    with _collector_paused(keep=True):
        pages = _generated_pages(project, incremental=True, written=written, checked=checked)
        try:
            report = write_pages(project.docs, pages.files, pages.as_read)
        except BaseException:
            pages.saves()
            raise
    settled = time.time_ns()
    epoch = archive_epoch(pages.graph.archive)

    def stamped() -> None:
        stamp = GenerationStamp(epoch, len(pages))
        save_generation(project.state, project.docs, inputs, stamp, pages.files, pages.sha256s, settled)

    collected = Deferred(_collected if gc.isenabled() else None)  # as _collector_paused(keep=True) set objects aside
    generated = Generated(report, pages.graph, epoch, Deferred(pages.saves), Deferred(stamped), collected)
    if not deferred:
        generated.save()
    return generated


def build(project: Project, *, background: bool = False) -> tuple[WriteReport, bool]:
    """Generate, then publish and index (see `build_site`); returns the write report and whether MkDocs ran."""
    report, published = build_site(project, background=background)
    return report, published is not None


def build_site(project: Project, *, background: bool = False) -> tuple[WriteReport, Published | None]:
    """Generate, then publish and index; if either fails, docs/ is put back as it was, to match the site still published.

    Returns the write report and what MkDocs built (None when it did not run): when nothing MkDocs
    reads has changed since the last successful build (see `site_inputs`), the site in site/ is
    already what it would build; when only docs/ and the archive's date changed, MkDocs builds only
    what changed (`dirty_plan`). The stamp that says what built site/ is removed before site/ is
    touched (and put back if the build fails before it is) and written after the new site is in
    place, and it records site/ as that build left it, so a site/ that no build finished, or that
    anything else changed, is built again in full. The partial folders a killed build or a cut-short
    removal left beside site/ are removed first. background: those, and the previous site once the
    new one and its stamp are in place, are removed by processes of their own, which nothing waits for
    (publish.remove_in_background).

    MkDocs is started during generation (`_Ahead`), so that its start runs meanwhile.
    """
    with build_lock(project) as lock:
        remove_partial_sites(project.site, background)
        stamp_path = project.state / "site-stamp"
        stamp = Stamp.read(stamp_path)
        site = site_fingerprint(project.site)
        try:
            setup: str | None = site_setup(project, os.environ)  # not SOURCE_DATE_EPOCH, which generation may move
        except FileNotFoundError:  # no mkdocs.yml: generation's problems are told first, then this (site_inputs)
            setup = None
        ahead = _Ahead(project, lock, _may_be_dirty(project, stamp, site, setup) if setup else None, early=setup is not None)
        try:
            return _build_site(project, ahead, stamp, site, setup, background)
        finally:
            ahead.abandon()


def _build_site(
    project: Project, ahead: _Ahead, stamp: Stamp | None, site: str, setup: str | None, background: bool
) -> tuple[WriteReport, Published | None]:
    generated = generate_locked(project, starting=ahead.start, checked=ahead.checked, deferred=True)
    try:
        published = _published(project, ahead, generated, stamp, site, setup, background)
    except BaseException:
        generated.stamp.drop()  # docs/ was put back (or may be): the next run generates again
        with contextlib.suppress(Exception):  # the failure is what the caller hears of; a next run does without
            generated.save()
        raise
    generated.save()  # if MkDocs did not run, or ran without it (nothing left to write when it did)
    return published


def _published(
    project: Project, ahead: _Ahead, generated: Generated, stamp: Stamp | None, site: str, setup: str | None, background: bool
) -> tuple[WriteReport, Published | None]:
    """_build_site once docs/ is generated: what generation records for the next run is written while MkDocs builds."""
    stamp_path = project.state / "site-stamp"
    report = generated.report
    environ = mkdocs_environ_at(generated.epoch)
    inputs = site_inputs(project, environ, setup)
    if stamp is not None and stamp.site == site and stamp.inputs == inputs:
        return report, None
    graph = generated.graph or generate_locked(project, force=True).graph  # the index needs the records
    assert graph is not None
    records = statement_records(graph)
    plan = dirty_plan(project, stamp, inputs, site)
    try:
        stamp_path.unlink(missing_ok=True)
        published = build_started(
            ahead.take(plan, environ),
            plan,
            environ=environ,
            finish=lambda staged: index_site(staged, records, project.state),
            leave_previous=background,
            meanwhile=generated.save,
        )
    except Exception:
        with contextlib.suppress(OSError):
            undo(project.docs, report)
        if stamp is not None and site_fingerprint(project.site) == stamp.site:  # site/ is still what it says
            with contextlib.suppress(OSError):
                replace_file(stamp_path, stamp.to_bytes())
        raise
    replace_file(stamp_path, Stamp(inputs, site_fingerprint(project.site)).to_bytes())
    if published.previous is not None:  # the last step: the build is done whatever becomes of its removal
        remove_in_background(published.previous)
    return report, published


@dataclass
class _Ahead:
    """MkDocs started during generation (publish.start), for the publish that most likely follows: Python,
    MkDocs and the config load, and the copy of site/ is made, on a processor generation leaves free.
    Whether the build is dirty is known from the start (`_may_be_dirty`); what changed is told when publishing.

    A dirty build's MkDocs starts with generation: after a small change generation reads little and the
    copy of site/ and the pages MkDocs reads ahead take it longest. A full build's starts once the sources
    are checked: loading them takes both processors (cores.in_halves), the link stage that follows only one.
    At 1,000 sources, timed inside pipeline.build (a scratch script, ten runs in turn with a start at once),
    a clean generation took 4.85 s against 5.03 s on average: a small gain, below the spread of the runs
    (4.1 to 6.2 s). Sources with errors start no full build's MkDocs."""

    project: Project
    lock: int
    previous: Path | None  # site/, for a dirty build
    early: bool = True  # start MkDocs during generation (not when it could not start: no mkdocs.yml)
    started: Started | None = None

    def start(self) -> None:
        """As generation starts: a dirty build's MkDocs."""
        if self.previous is not None:
            self._start()

    def checked(self) -> None:
        """Once the sources are checked: a full build's MkDocs (a dirty build's is started already)."""
        self._start()

    def _start(self) -> None:
        if not self.early or self.started is not None:
            return
        self.started = start_mkdocs(self.project.root, environ=dict(os.environ), pass_fds=(self.lock,), previous=self.previous)

    def take(self, plan: Plan | None, environ: Mapping[str, str]) -> Started:
        """The started MkDocs, if it builds as the plan says; else one started now."""
        started, self.started = self.started, None
        if started is not None and started.dirty == (plan is not None):
            return started
        if started is not None:
            abandon(started)
        previous = plan.previous if plan is not None else None
        return start_mkdocs(self.project.root, environ=environ, pass_fds=(self.lock,), previous=previous)

    def abandon(self) -> None:
        """Stop the started MkDocs that was not needed (nothing to publish, or a failure), and remove its folder."""
        started, self.started = self.started, None
        if started is not None:
            abandon(started)


def _may_be_dirty(project: Project, stamp: Stamp | None, site: str, setup: str) -> Path | None:
    """site/, if the build after generation can be a dirty one (dirty_plan's terms, but for docs/); else None."""
    if stamp is None or stamp.site != site or stamp.inputs.setup != setup or not project.site.is_dir():
        return None
    return project.site


def dirty_plan(project: Project, stamp: Stamp | None, inputs: SiteInputs, site: str) -> Plan | None:
    """What MkDocs may keep of site/, or None for a full build: site/ must be as the last completed build
    left it, from the same theme, overrides/, mkdocs.yml, packages and environment.

    SOURCE_DATE_EPOCH may differ: MkDocs reads it only for sitemap.xml(.gz), which every build writes.
    Kept are the outputs of generated docs files with the same size and time; hand-written pages are
    always rendered again, as a link from one to a generated page that is gone, or to an anchor that
    is, fails the build only when MkDocs renders it (a generated page that links to it changes with it).
    """
    if stamp is None or stamp.site != site or stamp.inputs.setup != inputs.setup or not project.site.is_dir():
        return None
    old, new = stamp.inputs.docs, inputs.docs
    generated = read_manifest(project.docs)
    unchanged = frozenset(rel for rel, seen in new.items() if old.get(rel) == seen and rel in generated)
    return Plan(project.site, unchanged, frozenset(old.keys() - new.keys()))


@contextlib.contextmanager
def _collector_paused(keep: bool = False) -> Iterator[None]:
    """Generation without Python's cycle collector, which runs again after it.

    Generation makes a few million small objects that live to its end and hold no cycles (records,
    contexts, the cache's JSON values): each pass of the collector walks them all for nothing,
    which cost about a third of the processor time of a generation with nothing to render (300
    sources). The few cycles made meanwhile are collected after; the peak heap grows ~15%.

    keep: when the work succeeds, the objects it made are set aside (gc.freeze) before the collector
    runs again, so that its first pass does not walk them all (~0.3 s at 1,000 sources) as generation
    ends; `_collected` puts them back and collects, when nothing waits for it (Generated.save).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        if keep and enabled:
            gc.freeze()
    finally:
        if enabled:
            gc.enable()


def _collected() -> None:
    """Give back to the cycle collector what _collector_paused(keep=True) set aside, and collect."""
    gc.unfreeze()
    gc.collect()


@contextlib.contextmanager
def build_lock(project: Project) -> Iterator[int]:
    """Hold the project's build lock (flock on .demarche/lock): a second build, generate or serve waits here.

    The kernel drops the lock when its holder ends, however it ends, so a lock is never stale; MkDocs
    is handed the lock's descriptor, so a killed build's MkDocs holds it until it ends too. The wait
    has no bound for that reason: it ends when the other build does (a bound would fail the second
    of two healthy builds of a large archive, which take minutes). Yields the lock's descriptor.
    """
    project.state.mkdir(exist_ok=True)
    path = project.state / "lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        with naming(path):
            _lock(fd)
        with contextlib.suppress(OSError):  # the pid only helps the message of a build that waits
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        remove_temporary_files(project.state)
        yield fd
    finally:
        os.close(fd)


def _lock(fd: int) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 20, 0).decode("ascii", "replace").strip()
        print(
            f"demarche: waiting for another build{f' (pid {holder})' if holder.isdigit() else ''} to finish",
            file=sys.stderr,
            flush=True,
        )
        fcntl.flock(fd, fcntl.LOCK_EX)


def mkdocs_environ(graph: Graph) -> dict[str, str]:
    """MkDocs' environment: this one, with SOURCE_DATE_EPOCH set to the archive's latest date unless it is set.

    MkDocs dates every page of sitemap.xml, and the gzip header of sitemap.xml.gz, with
    SOURCE_DATE_EPOCH, or the clock when it is not set: from the archive, the same archive gives
    the same bytes on any day.
    """
    return mkdocs_environ_at(archive_epoch(graph.archive))


def mkdocs_environ_at(epoch: int) -> dict[str, str]:
    """MkDocs' environment for an archive whose latest date is epoch (see mkdocs_environ)."""
    environ = dict(os.environ)
    environ.setdefault("SOURCE_DATE_EPOCH", str(epoch))
    return environ


def archive_epoch(archive: Archive) -> int:
    """The latest date of the archive's sources, statements and agreements, as seconds since 1970 (UTC midnight)."""
    dates = [s.date for s in archive.sources] + [st.date for s in archive.sources for st in s.statements]
    dates += [a.date for a in archive.agreements if a.date]
    latest = max((parse_date(d) for d in dates), default=date(1970, 1, 1))
    return calendar.timegm(latest.timetuple())


@dataclass(frozen=True)
class SiteInputs:
    """Everything MkDocs reads. setup: a fingerprint of mkdocs.yml, overrides/, the environment it reads (but
    SOURCE_DATE_EPOCH, kept apart), the versions of every package that shapes its output; docs: each
    file of docs/ by its path there, with its size and modification time, which the write stage leaves
    alone for every page whose bytes did not change. Hidden files (the manifest, the write journal) are
    left out, as MkDocs leaves them out."""

    setup: str
    epoch: str
    docs: Mapping[str, tuple[int, int]]


def site_inputs(project: Project, environ: Mapping[str, str], setup: str | None = None) -> SiteInputs:
    """What MkDocs reads now; setup: site_setup's, if known (docs/ is read again)."""
    docs = {rel: (info.st_size, info.st_mtime_ns) for rel, info in _visible_files(project.docs)}
    return SiteInputs(setup or site_setup(project, environ), environ.get("SOURCE_DATE_EPOCH", ""), docs)


def site_setup(project: Project, environ: Mapping[str, str]) -> str:
    """SiteInputs.setup: what MkDocs reads but docs/ (and but SOURCE_DATE_EPOCH)."""
    digest = hashlib.sha256()
    _fingerprint_file(digest, project.config_file, project.root)
    _fingerprint_tree(digest, project.root / "overrides", project.root)
    for name in sorted(k for k in environ if k.startswith("DEMARCHE_")):
        digest.update(f"{name}={environ[name]}\n".encode())
    digest.update(f"python {sys.version}\n".encode())
    for package in output_packages():
        digest.update(f"{package}\n".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Stamp:
    """.demarche/site-stamp: what built site/, and site/ as that build left it (its files' paths, sizes and times)."""

    inputs: SiteInputs
    site: str

    def to_bytes(self) -> bytes:
        docs = {rel: list(seen) for rel, seen in sorted(self.inputs.docs.items())}
        data = {"setup": self.inputs.setup, "epoch": self.inputs.epoch, "site": self.site, "docs": docs}
        return json.dumps(data, separators=(",", ":")).encode("utf-8")

    @staticmethod
    def read(path: Path) -> Stamp | None:
        """The stamp, or None if there is none or it cannot be read (a stamp of an older demarche)."""
        try:
            data = json.loads(path.read_bytes())
            docs = {str(rel): (int(size), int(time)) for rel, (size, time) in data["docs"].items()}
            return Stamp(SiteInputs(str(data["setup"]), str(data["epoch"]), docs), str(data["site"]))
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None


def site_fingerprint(site: Path) -> str:
    """site/'s files' paths, sizes and times, as one digest."""
    if not site.is_dir():
        return "absent"
    digest = hashlib.sha256()
    _fingerprint_tree(digest, site, site)
    return digest.hexdigest()


def _visible_files(folder: Path) -> list[tuple[str, os.stat_result]]:
    """Each file under folder that MkDocs reads (no part of its path hidden), by its path there, sorted, with its stat.

    One os.scandir per folder and one stat per file, on strings: site/ has tens of thousands of files,
    and this runs on every build (a walk with pathlib cost seven times as much).
    """
    found: list[tuple[str, os.stat_result]] = []
    todo = [("", os.fspath(folder))] if folder.is_dir() else []
    while todo:
        prefix, path = todo.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    todo.append((f"{prefix}{entry.name}/", entry.path))
                elif entry.is_file():
                    found.append((prefix + entry.name, entry.stat()))
    found.sort(key=lambda item: item[0])
    return found


def _fingerprint_tree(digest: _Hash, folder: Path, root: Path) -> None:
    prefix = "" if folder == root else f"{folder.relative_to(root).as_posix()}/"
    for rel, info in _visible_files(folder):
        _fingerprint_stat(digest, prefix + rel, info)


def _fingerprint_file(digest: _Hash, path: Path, root: Path) -> None:
    _fingerprint_stat(digest, path.relative_to(root).as_posix(), path.stat())


def _fingerprint_stat(digest: _Hash, rel: str, info: os.stat_result) -> None:
    digest.update(f"{rel}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())


@functools.cache
def output_packages() -> tuple[str, ...]:
    """name==version of MkDocs, Material, Pagefind and every package they require (Markdown, pymdown-extensions,
    Jinja2, Pygments, Pagefind's binary...)."""
    seen: dict[str, str] = {}
    todo = ["mkdocs", "mkdocs-material", "pagefind", "pagefind-bin"]
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        try:
            seen[name] = metadata.version(name)
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [m.group() for r in requires if "extra ==" not in r and (m := re.match(r"[A-Za-z0-9._-]+", r))]
    return tuple(f"{name}=={version}" for name, version in sorted(seen.items()))


def os_error_message(exc: OSError, root: Path) -> str:
    """One line for an I/O error: the path(s) it names, shown from the project root, and the reason."""
    paths = [_shown(p, root) for p in (exc.filename, exc.filename2) if p is not None]
    reason = exc.strerror or str(exc)
    return f"demarche: {' -> '.join(paths)}: {reason}" if paths else f"demarche: {reason}"


def _shown(path: object, root: Path) -> str:
    full = Path(os.fsdecode(path) if isinstance(path, bytes | str) else str(path))
    try:
        return full.relative_to(root).as_posix()
    except ValueError:
        return str(full)


__all__ = ["Project", "build", "build_lock", "build_site", "check", "generate", "generate_locked", "generate_pages", "plan_site"]
