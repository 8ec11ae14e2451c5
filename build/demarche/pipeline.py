"""The pipeline, stage by stage: load -> validate -> link -> plan -> render -> write -> publish -> index."""

from __future__ import annotations

import calendar
import contextlib
import fcntl
import functools
import hashlib
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.utils.yaml import yaml_load

from demarche.citefiles import citation_files
from demarche.feeds import feed_files
from demarche.head import with_head
from demarche.index import index_site
from demarche.index_pages import index_pages
from demarche.introduction import check_introduction, read_introduction
from demarche.link import Graph, link
from demarche.load import load_archive
from demarche.opendata import open_data_files
from demarche.plan import File, Page, check_outputs
from demarche.problems import ContentError, Problem, has_errors
from demarche.publish import publish
from demarche.record_pages import record_pages
from demarche.records import Archive
from demarche.redirects import redirect_files
from demarche.render import render_pages
from demarche.schema_doc import field_reference_file
from demarche.search_records import statement_records
from demarche.text import parse_date
from demarche.urls import SiteInfo
from demarche.validate import validate
from demarche.write import WriteReport, naming, remove_temporary_files, replace_file, undo, write_pages

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


def check(project: Project) -> tuple[Archive, list[Problem]]:
    """Load and validate: every problem of every file, sorted."""
    raws, problems = load_archive(project.sources, project.root)
    archive, found = validate(raws)
    found += check_introduction(read_introduction(project.sources))
    return archive, sorted(problems + found)


def generate_pages(project: Project) -> tuple[Graph, dict[str, str | bytes], list[Problem]]:
    """Check, link, plan and render: every generated file by docs path (pages as text, other files as bytes)."""
    archive, problems = check(project)
    if has_errors(problems):
        raise ContentError(problems)
    graph = link(archive)
    pages, files = plan_site(graph, project.site_info())
    return graph, outputs(render_pages(pages, project.templates), files), problems


def plan_site(graph: Graph, site: SiteInfo) -> tuple[list[Page], list[File]]:
    """Every output of the site: the pages to render and the other files, refused if two would stand in one place."""
    pages = with_head([*record_pages(graph, site), *index_pages(graph, site)], graph, site)
    files = [field_reference_file(), *redirect_files(graph, site), *feed_files(graph, site), *open_data_files(graph, site)]
    files += citation_files(graph, site)
    check_outputs(pages, files)
    return pages, files


def outputs(rendered: dict[str, str], files: list[File]) -> dict[str, str | bytes]:
    """The rendered pages and the other files together, as the write stage takes them."""
    return {**rendered, **{f.doc: f.data for f in files}}


def generate(project: Project) -> WriteReport:
    """Check and render (in memory), then write docs/ under the build lock: a content error writes nothing."""
    _, pages, _ = generate_pages(project)
    with build_lock(project):
        return write_pages(project.docs, pages)


def build(project: Project) -> tuple[WriteReport, bool]:
    """Generate, then publish and index; if either fails, docs/ is put back as it was, to match the site still published.

    Returns the write report and whether MkDocs ran: when nothing MkDocs reads has changed since the
    last successful build (see `site_inputs`), the site in site/ is already what it would build.
    The stamp that says so is removed before site/ is touched and written after the new site is in
    place, and it records site/ as that build left it, so a site/ that no build finished, or that
    anything else changed, is built again.
    """
    graph, pages, _ = generate_pages(project)
    records = statement_records(graph)
    with build_lock(project) as lock:
        report = write_pages(project.docs, pages)
        environ = mkdocs_environ(graph)
        stamp = project.state / "site-stamp"
        inputs = site_inputs(project, environ)
        if _read(stamp) == _stamp(inputs, project.site):
            return report, False
        try:
            stamp.unlink(missing_ok=True)
            publish(project.root, environ=environ, pass_fds=(lock,), finish=lambda staged: index_site(staged, records))
        except Exception:
            with contextlib.suppress(OSError):
                undo(project.docs, report)
            raise
        replace_file(stamp, _stamp(inputs, project.site).encode("utf-8"))
        return report, True


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
    environ = dict(os.environ)
    environ.setdefault("SOURCE_DATE_EPOCH", str(archive_epoch(graph.archive)))
    return environ


def archive_epoch(archive: Archive) -> int:
    """The latest date of the archive's sources, statements and agreements, as seconds since 1970 (UTC midnight)."""
    dates = [s.date for s in archive.sources] + [st.date for s in archive.sources for st in s.statements]
    dates += [a.date for a in archive.agreements if a.date]
    latest = max((parse_date(d) for d in dates), default=date(1970, 1, 1))
    return calendar.timegm(latest.timetuple())


def site_inputs(project: Project, environ: Mapping[str, str]) -> str:
    """A fingerprint of everything MkDocs reads: docs/, overrides/, mkdocs.yml, the environment it reads,
    the versions of every package that shapes its output.

    Files are fingerprinted by path, size and modification time, which the write stage leaves alone
    for every page whose bytes did not change. Hidden files (the manifest, the write journal) are
    left out, as MkDocs leaves them out.
    """
    digest = hashlib.sha256()
    _fingerprint_file(digest, project.config_file, project.root)
    for folder in (project.docs, project.root / "overrides"):
        _fingerprint_tree(digest, folder, project.root)
    for name in sorted(k for k in environ if k.startswith("DEMARCHE_") or k == "SOURCE_DATE_EPOCH"):
        digest.update(f"{name}={environ[name]}\n".encode())
    digest.update(f"python {sys.version}\n".encode())
    for package in output_packages():
        digest.update(f"{package}\n".encode())
    return digest.hexdigest()


def _stamp(inputs: str, site: Path) -> str:
    """What the stamp holds: the inputs' fingerprint and site/'s (its files' paths, sizes and times)."""
    digest = hashlib.sha256()
    _fingerprint_tree(digest, site, site)
    return f"inputs {inputs}\nsite {digest.hexdigest() if site.is_dir() else 'absent'}\n"


def _fingerprint_tree(digest: _Hash, folder: Path, root: Path) -> None:
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts):
                _fingerprint_file(digest, path, root)


def _fingerprint_file(digest: _Hash, path: Path, root: Path) -> None:
    info = path.stat()
    digest.update(f"{path.relative_to(root).as_posix()}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())


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


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None


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


__all__ = ["Project", "build", "build_lock", "check", "generate", "generate_pages", "plan_site"]
