"""Running and measuring the pipeline's stages: in process for load to write, as a subprocess for MkDocs."""

from __future__ import annotations

import gc
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from demarche.link import link
from demarche.load import load_archive
from demarche.pipeline import Project, outputs, plan_site
from demarche.problems import ContentError, has_errors
from demarche.records import Archive
from demarche.render import render_pages
from demarche.urls import doc_path
from demarche.validate import validate
from demarche.write import MANIFEST, WriteReport, read_manifest, write_pages

STAGES = ("load", "validate", "link", "plan", "render", "write")
MB = 1024 * 1024


@dataclass(frozen=True)
class Measure:
    seconds: float
    peak_mb: float | None  # tracemalloc's peak during the stage (the whole Python heap), when traced


@dataclass(frozen=True)
class Generation:
    """One run of every stage before MkDocs, as `demarche generate` runs them."""

    measures: dict[str, Measure]
    archive: Archive
    pages: dict[str, str | bytes]
    report: WriteReport

    @property
    def seconds(self) -> float:
        return sum(m.seconds for m in self.measures.values())


@contextmanager
def _measured(name: str, into: dict[str, Measure], traced: bool) -> Iterator[None]:
    if traced:
        tracemalloc.reset_peak()
    start = time.perf_counter()
    yield
    seconds = time.perf_counter() - start
    into[name] = Measure(seconds, tracemalloc.get_traced_memory()[1] / MB if traced else None)


def generate(project: Project, docs: Path, traced: bool = False) -> Generation:
    """Load, validate, link, plan, render and write into docs, timing each stage (and tracing memory when asked)."""
    gc.collect()  # start from a clean heap, as a fresh process does
    measures: dict[str, Measure] = {}
    with _measured("load", measures, traced):
        raws, problems = load_archive(project.sources, project.root)
    with _measured("validate", measures, traced):
        archive, found = validate(raws)
    if has_errors(problems + found):
        raise ContentError(problems + found)
    with _measured("link", measures, traced):
        graph = link(archive)
    with _measured("plan", measures, traced):
        planned, files = plan_site(graph, project.site_info())
    with _measured("render", measures, traced):
        pages = outputs(render_pages(planned, project.templates), files)
    with _measured("write", measures, traced):
        report = write_pages(docs, pages)
    return Generation(measures, archive, pages, report)


def traced_generate(project: Project) -> Generation:
    """The stages again with tracemalloc on, writing into an empty folder: for peak memory, not for time."""
    tracemalloc.start()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            return generate(project, Path(scratch), traced=True)
    finally:
        tracemalloc.stop()


@dataclass(frozen=True)
class Build:
    seconds: float
    max_rss_mb: float
    index_seconds: float  # Pagefind's index of the staged site, part of seconds


_PUBLISH = """
import sys, time
from pathlib import Path
from demarche.index import index_site
from demarche.link import link
from demarche.pipeline import Project, check
from demarche.publish import publish
from demarche.search_records import statement_records
records = statement_records(link(check(Project(Path(sys.argv[1])))[0]))
spent = []
def finish(staged):
    start = time.perf_counter()
    index_site(staged, records)
    spent.append(time.perf_counter() - start)
publish(Path(sys.argv[1]), finish=finish)
print(spent[0])
"""


def publish_measured(root: Path) -> Build:
    """demarche.publish.publish (mkdocs build --strict, Pagefind's index, then the swap into site/) in a child process.

    The child loads and links the archive once more for the statement records of the index, and
    prints how long Pagefind's index took.

    The child's resource usage, read back with wait4, includes the MkDocs process it runs, so
    max_rss_mb is the peak resident memory of the MkDocs build itself.
    """
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", _PUBLISH, str(root)], cwd=root, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"publishing {root} failed:\n{err.read().decode('utf-8', 'replace')}")
        out.seek(0)
        index_seconds = float(out.read().decode("utf-8").split()[-1])
    return Build(seconds, usage.ru_maxrss / 1024, index_seconds)  # ru_maxrss is in KiB on Linux


@dataclass(frozen=True)
class SiteStats:
    pages: int
    total_mb: float  # every file of the site
    html_mb: float
    median_page_kb: float
    largest_page_kb: float
    largest_page: str
    search_index_kb: float
    search_index_gz_kb: float
    median_record_page_kb: dict[str, float]  # by kind: a page of one source, actor, agreement or demand


RECORD_FOLDERS = ("sources", "actors", "agreements", "demands")


def _record_kind(page: str) -> str | None:
    """'source' for sources/<id>/index.html and so on; None for any other page."""
    parts = page.split("/")
    if len(parts) == 3 and parts[0] in RECORD_FOLDERS and parts[1] != "by-year" and parts[2] == "index.html":
        return parts[0][:-1]
    return None


def site_stats(site: Path) -> SiteStats:
    """What a reader downloads: the HTML pages, the whole site, and Pagefind's whole search bundle."""
    html = {p.relative_to(site).as_posix(): p.stat().st_size for p in site.rglob("*.html")}
    total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    largest = max(html, key=lambda k: html[k])
    bundle = [p.read_bytes() for p in sorted((site / "pagefind").rglob("*")) if p.is_file()]
    return SiteStats(
        pages=len(html),
        total_mb=total / MB,
        html_mb=sum(html.values()) / MB,
        median_page_kb=statistics.median(html.values()) / 1024,
        largest_page_kb=html[largest] / 1024,
        largest_page=largest,
        search_index_kb=sum(len(b) for b in bundle) / 1024,  # all of Pagefind's bundle, not what one search fetches
        search_index_gz_kb=sum(len(gzip.compress(b, compresslevel=6)) for b in bundle) / 1024,
        median_record_page_kb=_median_by_kind(html),
    )


def _median_by_kind(html: dict[str, int]) -> dict[str, float]:
    sizes: dict[str, list[int]] = {}
    for page, size in html.items():
        kind = _record_kind(page)
        if kind:
            sizes.setdefault(kind, []).append(size)
    return {kind: statistics.median(values) / 1024 for kind, values in sorted(sizes.items())}


def pages_showing(pages: dict[str, str | bytes], source_id: str) -> set[str]:
    """The pages that show a source: its own page and every page that links to it or names its id."""
    return {doc for doc, text in pages.items() if doc == doc_path("source", source_id) or _holds(text, source_id)}


def _holds(content: str | bytes, text: str) -> bool:
    return text in content if isinstance(content, str) else text.encode("utf-8") in content


# -- `demarche build` end to end: clean, with nothing changed, after one edit (issue 12, point 5) -----------

_BUILD = """
import json, multiprocessing, sys, time
from pathlib import Path
from demarche import pipeline, reuse
spent = {"generation_seconds": 0.0, "index_seconds": 0.0}
kept_pages = multiprocessing.Value("q", 0)  # in shared memory: the pages a forked copy keeps count too (cores.both)
take = reuse.LastRender.take
def counted(self, key):
    kept = take(self, key)
    with kept_pages.get_lock():
        kept_pages.value += len(kept or ())
    return kept
reuse.LastRender.take = counted
def timed(name, run):
    def wrapped(*args, **kwargs):
        start = time.perf_counter()
        try:
            return run(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start
    return wrapped
pipeline.generate_locked = timed("generation_seconds", pipeline.generate_locked)
pipeline.index_site = timed("index_seconds", pipeline.index_site)
start = time.perf_counter()
report, published = pipeline.build(pipeline.Project(Path(sys.argv[1])), background=True)  # as `demarche build`
spent["build_seconds"] = time.perf_counter() - start
print(json.dumps({**spent, "pages_kept": kept_pages.value, "files_written": len(report.written), "published": published}))
"""


@dataclass(frozen=True)
class EndToEnd:
    """One `demarche build` in a process of its own, as a contributor runs it."""

    seconds: float  # the process, from start to exit: Python's start and imports included
    generation_seconds: float  # pipeline.generate_locked: from nothing skipped to every stage run
    publish_seconds: float  # the rest of pipeline.build: MkDocs (when it runs), the index, the swap
    index_seconds: float  # Pagefind's index, part of publish_seconds
    files_written: int  # in docs/
    pages_kept: int  # generated pages kept unplanned, their inputs unchanged (reuse.LastRender.take)
    published: bool  # whether MkDocs ran
    html_written: int  # HTML files of site/ that are new or whose modification time changed
    load_average: float  # (1 min) when it started

    @property
    def mkdocs_seconds(self) -> float:
        return self.publish_seconds - self.index_seconds


def build_end_to_end(root: Path) -> EndToEnd:
    """pipeline.build, the function behind `demarche build`, in a child process; its stages timed from inside."""
    before = _html_times(root / "site")
    load_average = round(os.getloadavg()[0], 2)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _BUILD, str(root)], cwd=root, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"demarche build of {root} failed:\n{done.stderr.decode('utf-8', 'replace')}")
    spent = json.loads(done.stdout.decode("utf-8").splitlines()[-1])
    after = _html_times(root / "site")
    return EndToEnd(
        seconds=seconds,
        generation_seconds=spent["generation_seconds"],
        publish_seconds=spent["build_seconds"] - spent["generation_seconds"],
        index_seconds=spent["index_seconds"],
        files_written=spent["files_written"],
        pages_kept=spent["pages_kept"],
        published=spent["published"],
        html_written=sum(1 for page, stamp in after.items() if before.get(page) != stamp),
        load_average=load_average,
    )


def _html_times(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*.html")} if site.is_dir() else {}


def remove_build_output(project: Project) -> None:
    """Back to a fresh checkout: no generated page in docs/, no site/, no state in .demarche/."""
    for rel in read_manifest(project.docs):
        (project.docs / rel).unlink(missing_ok=True)
    (project.docs / MANIFEST).unlink(missing_ok=True)
    for folder in (project.site, project.state):
        shutil.rmtree(folder, ignore_errors=True)
