"""`demarche serve`: build the site again (generate, then MkDocs on what changed, then Pagefind) after each
burst of changes, and serve site/ with live reload.

Watched are the files a build reads: the records (.md) under sources/, the templates (.j2), the
hand-written files of docs/, overrides/ and mkdocs.yml. Only writes count as changes: files created,
modified, moved or deleted. A build reads every source and template, so a watcher that reacted to
reads (opened and closed files) would trigger itself forever; and it writes generated pages into
docs/, which are not the contributor's changes: a burst whose only changes are in docs/ and are all
generated pages (as the manifest lists them once the build that wrote them has ended) builds nothing.
A burst of changes (an editor writing a temporary file and renaming it over the old one, or a save
of several files) builds once, after a short quiet time.

site/ is served by MkDocs' own live-reload server (mkdocs.livereload), which opens each requested file
by its path, so a site/ swapped whole by the publish stage is served whole, old or new; after a build
that put a new site in place, the browsers showing a page reload it.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from mkdocs.livereload import LiveReloadServer
from watchdog.events import (
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from demarche.pipeline import Project, build, build_site, os_error_message
from demarche.problems import ContentError, format_problems
from demarche.publish import PublishError
from demarche.write import WriteError, read_manifest

QUIET = 0.3  # seconds without a change before building
CHANGES: list[type[FileSystemEvent]] = [FileCreatedEvent, FileModifiedEvent, FileMovedEvent, FileDeletedEvent]


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def rebuild(project: Project) -> bool:
    """Build again; a problem in the content, a template, a write or MkDocs' build is reported, and serving goes on.

    Returns whether a new site was put in place."""
    try:
        report, published = build_site(project, background=True)
    except ContentError as exc:
        _say(format_problems(exc.problems, "text"))
    except jinja2.TemplateError as exc:
        _say(f"demarche: template error: {exc}")
    except OSError as exc:  # a full disk, a read-only docs/: say so, and keep serving
        _say(os_error_message(exc, project.root))
    except (WriteError, PublishError, ValueError) as exc:  # ValueError: two pages or redirects would share a path
        _say(f"demarche: {exc}")
    else:
        site = f"{len(published.rendered)} of {published.pages} pages rendered" if published else "site up to date"
        _say(f"demarche: regenerated ({len(report.written)} pages changed; {site})")
        return published is not None
    return False


class Regenerator:
    """Runs an action once after each burst of changes, in a thread of its own, when changes have stopped for `quiet` seconds.

    A change may be told with the path it is to: `ignored` then decides, once the burst is over, whether
    it counts (a burst of changes that all do not count runs nothing).
    """

    def __init__(
        self, action: Callable[[], None], quiet: float = QUIET, ignored: Callable[[str], bool] = lambda path: False
    ) -> None:
        self.action = action
        self.quiet = quiet
        self.ignored = ignored
        self.count = 0  # how many times the action started
        self.ran = threading.Event()  # set each time the action has run
        self._due: float | None = None
        self._paths: set[str] = set()  # changes that may not count
        self._counts = False  # a change that counts
        self._stopped = False
        self._changes = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="demarche-regenerate", daemon=True)
        self._thread.start()

    def changed(self, path: str | None = None) -> None:
        with self._changes:
            self._due = time.monotonic() + self.quiet
            if path is None:
                self._counts = True
            else:
                self._paths.add(path)
            self._changes.notify()

    def stop(self) -> None:
        with self._changes:
            self._stopped = True
            self._changes.notify()
        self._thread.join()

    def _run(self) -> None:
        while (burst := self._wait_for_quiet()) is not None:
            counts, paths = burst
            if not counts and all(self.ignored(path) for path in paths):
                continue
            self.count += 1
            try:
                self.action()
            except Exception as exc:  # the thread must outlive any failure, or serve would silently stop regenerating
                _say(f"demarche: regeneration failed: {type(exc).__name__}: {exc}")
            self.ran.set()

    def _wait_for_quiet(self) -> tuple[bool, set[str]] | None:
        """Block (no polling) until a burst of changes has ended, and take its changes; None once stopped."""
        with self._changes:
            while not self._stopped:
                if self._due is None:
                    self._changes.wait()
                elif (left := self._due - time.monotonic()) > 0:
                    self._changes.wait(left)
                else:
                    self._due = None
                    burst = (self._counts, self._paths)
                    self._counts, self._paths = False, set()
                    return burst
            return None


class _Changes(FileSystemEventHandler):
    """Tells the regenerator about writes to the files a build reads (see the module's docstring)."""

    def __init__(self, project: Project, regenerator: Regenerator) -> None:
        self.project = project
        self.watched = ((project.sources, ".md"), (project.templates, ".j2"), (project.root / "overrides", ""))
        self.regenerator = regenerator

    def on_created(self, event: FileSystemEvent) -> None:
        self._seen(event)

    def on_modified(self, event: FileSystemEvent) -> None:
        self._seen(event)

    def on_moved(self, event: FileSystemEvent) -> None:
        self._seen(event)

    def on_deleted(self, event: FileSystemEvent) -> None:
        self._seen(event)

    def _seen(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        for path in (Path(str(event.src_path)), Path(str(getattr(event, "dest_path", "") or ""))):
            if not path.is_relative_to(self.project.root) or _hidden(path, self.project.root):
                continue
            if path == self.project.config_file or any(
                path.is_relative_to(folder) and path.name.endswith(suffix) for folder, suffix in self.watched
            ):
                self.regenerator.changed()
            elif path.is_relative_to(self.project.docs):
                self.regenerator.changed(path.relative_to(self.project.docs).as_posix())


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


class _GeneratedPages:
    """Whether a path in docs/ is a page the build writes: listed in the manifest now, or before the last build
    (a page it removed)."""

    def __init__(self, docs: Path) -> None:
        self.docs = docs
        self.known = read_manifest(docs)

    def refresh(self) -> None:
        self.known |= read_manifest(self.docs)

    def __call__(self, rel: str) -> bool:
        self.refresh()
        return rel in self.known


class Watcher:
    """A running watch over what a project's build reads: its observer and its regenerator."""

    def __init__(self, project: Project, action: Callable[[], None], quiet: float = QUIET) -> None:
        generated = _GeneratedPages(project.docs)

        def act() -> None:
            generated.refresh()
            action()

        self.regenerator = Regenerator(act, quiet, ignored=generated)
        self.observer: BaseObserver = Observer()
        handler = _Changes(project, self.regenerator)
        for folder in (project.sources, project.templates, project.docs, project.root / "overrides"):
            if folder.is_dir():
                self.observer.schedule(handler, str(folder), recursive=True, event_filter=CHANGES)
        self.observer.schedule(handler, str(project.root), recursive=False, event_filter=CHANGES)  # mkdocs.yml
        self.observer.start()

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join()
        self.regenerator.stop()


def watch(project: Project, quiet: float = QUIET, then: Callable[[], None] = lambda: None) -> Watcher:
    """Build again after each burst of changes, and call `then` if that put a new site in place; until stopped."""

    def action() -> None:
        if rebuild(project):
            then()

    return Watcher(project, action, quiet)


class SiteServer(LiveReloadServer):
    """MkDocs' live-reload server over site/, at the path of the site's URL (as `mkdocs serve`); demarche's
    watcher, not the server's own polling observer, sees changes and builds, then calls `reload`."""

    def __init__(self, project: Project, dev_addr: str) -> None:
        host, _, port = dev_addr.rpartition(":")
        mount = urlsplit(project.site_info().url).path or "/"
        super().__init__(builder=lambda: None, host=host, port=int(port), root=str(project.site), mount_path=mount)
        self.host = host
        # The server adds its reload script to pages only while it watches something: what our watcher watches.
        self._watched_paths = {str(project.root): 1}
        self.error_handler = lambda code: _read(project.site / "404.html") if code == 404 else None

    def start(self) -> None:
        """Listen and serve, in a thread; the server's build loop and observer are not used."""
        self.server_bind()
        self.server_activate()
        self.url = f"http://{self.host}:{self.server_port}{self.mount_path}"  # the port bound, when asked for any (0)
        self.serve_thread.start()

    def reload(self) -> None:
        """Tell the browsers that wait on the reload script that a new site is in place."""
        with self._epoch_cond:
            self._wanted_epoch = self._visible_epoch = max(self._visible_epoch + 1, round(time.monotonic() * 1000))
            self._epoch_cond.notify_all()

    def stop(self) -> None:
        self.shutdown()
        self.serve_thread.join()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


class Serving:
    """A site served and built again on changes: the server, and the watcher that tells it of each new site."""

    def __init__(self, project: Project, dev_addr: str, quiet: float = QUIET) -> None:
        self.server = SiteServer(project, dev_addr)
        self.server.start()
        self.watcher = watch(project, quiet, then=self.server.reload)

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.watcher.stop()
        self.server.stop()


def serve(project: Project, dev_addr: str) -> int:
    try:
        build(project)
    except ContentError as exc:
        print(format_problems(exc.problems, "text"), file=sys.stderr)
        return 1
    serving = Serving(project, dev_addr)
    _say(f"demarche: serving {project.site} at {serving.url} (Ctrl-C to stop)")
    try:
        threading.Event().wait()
    finally:
        serving.stop()
    return 0
