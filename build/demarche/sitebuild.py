"""MkDocs' build, run by the publish stage in a process of its own: `python -m demarche.sitebuild CONFIG STAGING`.

It is started before it is told what to build, so that its start (Python, MkDocs, the config, the
copy of site/, the pages and templates it reads: _ReadAhead) runs while generation does. It takes two lines on stdin: the first at once,
{"previous": site/ or null}, says whether the build is dirty (and then the copy of site/ is made
at once); the second, once generation has ended, {"unchanged": [...], "gone": [...], "environ": {...}},
says which docs files are unchanged since the build that made site/, which are gone, and the
variables of MkDocs' environment that changed since its start (SOURCE_DATE_EPOCH, which the archive
sets). Without that line (end of input) it ends with ABANDONED, having built nothing.

Full, it is `mkdocs build --strict` into the empty staging folder. Dirty, it is MkDocs' own dirty
build (`mkdocs build --strict --dirty`) on a copy of site/, with three changes that make it give
what a full build gives:

- which pages are rendered is decided here, not by MkDocs' comparison of times: a docs file the plan
  does not list as unchanged, a file whose output is missing, and every page of the nav (the titles
  of the nav are printed in every page, and MkDocs knows the title of a page only once it reads it);
- a page that is not rendered still has its front matter read (overrides/sitemap.xml dates each page
  by its `updated`);
- the copy is made of hard links (one per file: fast, and no space), so no write may go into an
  existing file, which would change site/ too: every writer of MkDocs here unlinks the file first and
  creates it afresh (O_EXCL), and the files always written again (sitemap.xml.gz, opened by MkDocs
  itself, and Pagefind's bundle, rebuilt by the index stage) are left out of the copy.

The outputs of docs files that are gone are removed from the copy before MkDocs runs. On success the
last line of stdout is a JSON report: {"dirty": bool, "pages": n, "rendered": [each page rendered, by its path in docs/]}.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import jinja2
import jinja2.meta
from mkdocs import utils
from mkdocs.commands import build as mkdocs_build
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import meta

NOT_COPIED = frozenset({"pagefind", "sitemap.xml.gz"})  # top-level outputs every build writes anew
_DIRTY_WARNING = "A 'dirty' build is being performed"


@dataclass(frozen=True)
class Plan:
    """What the publish stage knows: site/ as the last completed build left it, and the docs files since."""

    previous: Path
    unchanged: frozenset[str]  # docs files (paths in docs/) with the same size and time as in that build
    gone: frozenset[str]  # docs files that build read that are no longer there


ABANDONED = 3  # the exit status of a build that was never told to build


def start_line(previous: Path | None) -> str:
    """The first line on the build's stdin: the site/ it copies, for a dirty build, or null for a full one."""
    return json.dumps({"previous": None if previous is None else str(previous)}) + "\n"


def go_line(plan: Plan | None, environ: Mapping[str, str | None]) -> str:
    """The second line: what changed in docs/ (for a dirty build), and the changed variables (None: unset)."""
    unchanged, gone = (sorted(plan.unchanged), sorted(plan.gone)) if plan is not None else ([], [])
    return json.dumps({"unchanged": unchanged, "gone": gone, "environ": dict(environ)}) + "\n"


@dataclass
class _Run:
    plan: Plan
    docs_dir: str = ""  # with a separator at its end
    nav: set[str] = field(default_factory=set)
    pages: int = 0
    rendered: list[str] = field(default_factory=list)

    def is_modified(self, file: File) -> bool:
        """Whether MkDocs must render (a page) or copy (another file) this file in a dirty build."""
        if not os.path.isfile(file.abs_dest_path) or file.src_uri in self.nav:
            return True
        if file.abs_src_path is not None and os.path.normpath(file.abs_src_path).startswith(self.docs_dir):
            return file.src_uri not in self.plan.unchanged
        return False  # a file of the theme: its package's version and overrides/ are in the stamp's setup


@dataclass
class _ReadAhead:
    """What the build reads, read while it waits to be told to build (generation runs meanwhile, on the other
    processor): each docs page's text and front matter, by the identity of the file they were read from
    (inode, size, times: a page that generation then writes is read again), and the theme's templates,
    compiled into the environment the build uses."""

    env: jinja2.Environment
    pages: dict[str, tuple[tuple[int, int, int, int], str, dict[str, Any]]] = field(default_factory=dict)

    def run(self, config: MkDocsConfig) -> None:
        with contextlib.suppress(Exception):  # only ahead of time: the build reads and compiles what this could not
            self._read(config)
            self._compile(["main.html", *config.theme.static_templates])
            assert self.env.loader is not None
            names = self.env.loader.list_templates()  # the theme's files: nothing changes them while this runs
            setattr(self.env.loader, "list_templates", lambda: names)  # noqa: B010 (an instance's method replaced)

    def _read(self, config: MkDocsConfig) -> None:
        for folder, folders, names in os.walk(config.docs_dir):
            folders[:] = [f for f in folders if not f.startswith(".")]  # as MkDocs: not the write stage's staging
            for name in sorted(names):
                if name.endswith(".md"):
                    path = os.path.normpath(os.path.join(folder, name))
                    with contextlib.suppress(OSError, ValueError), open(path, encoding="utf-8-sig", errors="strict") as f:
                        identity = _identity(os.fstat(f.fileno()))
                        self.pages[path] = (identity, *meta.get_data(f.read()))

    def _compile(self, names: list[str]) -> None:
        """The templates named and every one they extend, include or import, by name (the others: when used)."""
        seen = set(names)
        while names:
            name = names.pop()
            try:
                assert self.env.loader is not None
                source, _, _ = self.env.loader.get_source(self.env, name)
                self.env.get_template(name)
            except (jinja2.TemplateError, OSError):
                continue  # the build meets it again, and says what is wrong
            for found in jinja2.meta.find_referenced_templates(self.env.parse(source)):
                if found is not None and found not in seen:
                    seen.add(found)
                    names.append(found)

    def read_source(self, page: Page, config: MkDocsConfig) -> bool:
        """Give page its text and front matter as read ahead, if its file is still the one read; else False."""
        path = page.file.abs_src_path
        if path is None or config.plugins.events["page_read_source"]:
            return False
        found = self.pages.get(os.path.normpath(path))
        try:
            if found is None or found[0] != _identity(os.stat(path)):
                return False
        except OSError:
            return False
        page.markdown, page.meta = found[1], dict(found[2])
        return True


def _identity(info: os.stat_result) -> tuple[int, int, int, int]:
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def link_tree(source: Path, target: Path, left_out: Iterable[str] = NOT_COPIED) -> None:
    """Fill the empty folder target with hard links to every file under source (folders are made anew)."""
    skip = set(left_out)
    for folder, dirs, files in os.walk(source):
        rel = Path(folder).relative_to(source)
        if rel == Path("."):
            dirs[:] = sorted(d for d in dirs if d not in skip)
            files = [f for f in files if f not in skip]
        for name in dirs:
            os.mkdir(target / rel / name)
        for name in files:
            src = Path(folder, name)
            if src.is_symlink():
                os.symlink(os.readlink(src), target / rel / name)
            else:
                os.link(src, target / rel / name)


def remove_outputs(config: MkDocsConfig, gone: Iterable[str]) -> None:
    """Remove the outputs of docs files that are gone, and the folders that leaves empty."""
    site = Path(config.site_dir)
    for src_uri in sorted(gone):
        dest = Path(File(src_uri, config.docs_dir, config.site_dir, config.use_directory_urls).abs_dest_path)
        with contextlib.suppress(FileNotFoundError):
            dest.unlink()
        folder = dest.parent
        while folder != site and folder.is_relative_to(site):
            try:
                folder.rmdir()
            except OSError:  # not empty, or not there
                break
            folder = folder.parent


def _unlinked(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def write_file(content: bytes, output_path: str) -> None:
    """MkDocs' utils.write_file, into a new file: an existing one may be a hard link into site/."""
    os.makedirs(os.path.dirname(output_path), exist_ok=True)
    _unlinked(output_path)
    with open(output_path, "xb") as f:
        f.write(content)


def copy_file(source_path: str, output_path: str) -> None:
    """MkDocs' utils.copy_file, into a new file."""
    if os.path.isdir(output_path):
        output_path = os.path.join(output_path, os.path.basename(source_path))
    os.makedirs(os.path.dirname(output_path), exist_ok=True)
    _unlinked(output_path)
    with open(source_path, "rb") as src, open(output_path, "xb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)


class _NotTheDirtyWarning(logging.Filter):
    """MkDocs warns that a dirty build may be inaccurate (which strict mode would count as a failure): here it is not."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(_DIRTY_WARNING)


@contextlib.contextmanager
def _patched(target: Any, name: str, value: object) -> Iterator[None]:
    original = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, original)


@contextlib.contextmanager
def _dirty_hooks(run: _Run) -> Iterator[None]:
    """Install what makes MkDocs' dirty build a faithful one (see the module's docstring)."""
    get_navigation = mkdocs_build.get_navigation  # type: ignore[attr-defined]
    populate = mkdocs_build._populate_page

    def navigation(files: Any, config: MkDocsConfig) -> Navigation:
        nav = get_navigation(files, config)
        run.docs_dir = os.path.join(os.path.normpath(config.docs_dir), "")
        run.nav = {page.file.src_uri for page in nav.pages}
        return nav

    def populate_page(page: Page, config: MkDocsConfig, files: Any, dirty: bool = False) -> None:
        run.pages += 1
        if dirty and not page.file.is_modified():
            page.read_source(config)  # its front matter, for the sitemap; not rendered
            return
        run.rendered.append(page.file.src_uri)
        populate(page, config, files, dirty)

    dirty_filter = _NotTheDirtyWarning()
    mkdocs_build.log.addFilter(dirty_filter)
    try:
        with (
            _patched(mkdocs_build, "get_navigation", navigation),
            _patched(mkdocs_build, "_populate_page", populate_page),
            _patched(File, "is_modified", lambda file: run.is_modified(file)),
            _patched(utils, "write_file", write_file),
            _patched(utils, "copy_file", copy_file),
        ):
            yield
    finally:
        mkdocs_build.log.removeFilter(dirty_filter)


@contextlib.contextmanager
def _full_hooks(run: _Run) -> Iterator[None]:
    populate = mkdocs_build._populate_page

    def populate_page(page: Page, config: MkDocsConfig, files: Any, dirty: bool = False) -> None:
        run.pages += 1
        run.rendered.append(page.file.src_uri)
        populate(page, config, files, dirty)

    with _patched(mkdocs_build, "_populate_page", populate_page):
        yield


def _build_when_told(run: _Run, stdin: TextIO) -> Callable[..., None]:
    """MkDocs' build, which reads ahead (_ReadAhead) until the second line on stdin comes (see the module's docstring)."""
    build = mkdocs_build.build

    def when_told(config: MkDocsConfig, **options: Any) -> None:
        ahead = _ReadAhead(config.theme.get_env())
        reading = threading.Thread(target=ahead.run, args=(config,), daemon=True)
        reading.start()
        line = stdin.readline()
        if not line:
            raise SystemExit(ABANDONED)
        told = json.loads(line)
        for name, value in told["environ"].items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        run.plan = Plan(run.plan.previous, frozenset(told["unchanged"]), frozenset(told["gone"]))
        if run.plan.gone:
            remove_outputs(config, run.plan.gone)
        reading.join()
        read_source = Page.read_source

        def read_ahead(page: Page, config: MkDocsConfig) -> None:
            if not ahead.read_source(page, config):
                read_source(page, config)

        with _patched(config.theme, "get_env", lambda: ahead.env), _patched(Page, "read_source", read_ahead):
            build(config, **options)

    return when_told


def main(argv: list[str], stdin: TextIO = sys.stdin) -> int:
    """Build; the exit status and messages of `mkdocs build --strict`, and the report on stdout."""
    from mkdocs.__main__ import cli

    config_file, staging = argv
    previous = json.loads(stdin.readline() or "{}").get("previous")
    run = _Run(Plan(Path(previous or ""), frozenset(), frozenset()))
    arguments = ["build", "--strict", "-f", config_file, "-d", staging]
    if previous is not None:
        link_tree(Path(previous), Path(staging))
        arguments.append("--dirty")
    hooks = _dirty_hooks(run) if previous is not None else _full_hooks(run)
    with hooks, _patched(mkdocs_build, "build", _build_when_told(run, stdin)):
        try:
            cli.main(arguments, prog_name="mkdocs", standalone_mode=True)
        except SystemExit as end:
            code = end.code if isinstance(end.code, int) else 1
            if code:
                return code
    print(json.dumps({"dirty": previous is not None, "pages": run.pages, "rendered": run.rendered}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
