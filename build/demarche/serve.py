"""`demarche serve`: regenerate pages when a source or template changes, while MkDocs serves docs/.

Only writes count as changes: files created, modified, moved or deleted. Generation reads every
source and template, so a watcher that reacted to reads (opened and closed files) would trigger
itself forever. A burst of changes (an editor writing a temporary file and renaming it over the
old one, or a save of several files) regenerates once, after a short quiet time.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import jinja2
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

from demarche.pipeline import Project, generate, os_error_message
from demarche.problems import ContentError, format_problems
from demarche.write import WriteError

QUIET = 0.3  # seconds without a change before regenerating
CHANGES: list[type[FileSystemEvent]] = [FileCreatedEvent, FileModifiedEvent, FileMovedEvent, FileDeletedEvent]


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def regenerate(project: Project) -> None:
    """Generate docs/ again; a problem in the content, a template or a write is reported, and serving goes on."""
    try:
        report = generate(project)
        _say(f"demarche: regenerated ({len(report.written)} pages changed)")
    except ContentError as exc:
        _say(format_problems(exc.problems, "text"))
    except jinja2.TemplateError as exc:
        _say(f"demarche: template error: {exc}")
    except OSError as exc:  # a full disk, a read-only docs/: say so, and keep serving
        _say(os_error_message(exc, project.root))
    except (WriteError, ValueError) as exc:  # ValueError: two pages or redirects would share a path
        _say(f"demarche: {exc}")


class Regenerator:
    """Runs an action once after each burst of changes, in a thread of its own, when changes have stopped for `quiet` seconds."""

    def __init__(self, action: Callable[[], None], quiet: float = QUIET) -> None:
        self.action = action
        self.quiet = quiet
        self.count = 0  # how many times the action ran
        self.ran = threading.Event()  # set each time the action has run
        self._due: float | None = None
        self._stopped = False
        self._changes = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="demarche-regenerate", daemon=True)
        self._thread.start()

    def changed(self) -> None:
        with self._changes:
            self._due = time.monotonic() + self.quiet
            self._changes.notify()

    def stop(self) -> None:
        with self._changes:
            self._stopped = True
            self._changes.notify()
        self._thread.join()

    def _run(self) -> None:
        while self._wait_for_quiet():
            try:
                self.action()
            except Exception as exc:  # the thread must outlive any failure, or serve would silently stop regenerating
                _say(f"demarche: regeneration failed: {type(exc).__name__}: {exc}")
            self.count += 1
            self.ran.set()

    def _wait_for_quiet(self) -> bool:
        """Block (no polling) until a burst of changes has ended; False once stopped."""
        with self._changes:
            while not self._stopped:
                if self._due is None:
                    self._changes.wait()
                elif (left := self._due - time.monotonic()) > 0:
                    self._changes.wait(left)
                else:
                    self._due = None
                    return True
            return False


class _Changes(FileSystemEventHandler):
    """Tells the regenerator about writes to the files generation reads: .md under sources/, .j2 under templates/."""

    def __init__(self, project: Project, regenerator: Regenerator) -> None:
        self.watched = ((Path(project.sources), ".md"), (Path(project.templates), ".j2"))
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
        paths = (event.src_path, getattr(event, "dest_path", ""))
        if not event.is_directory and any(self._of_interest(str(p)) for p in paths if p):
            self.regenerator.changed()

    def _of_interest(self, path: str) -> bool:
        return any(path.endswith(suffix) and Path(path).is_relative_to(folder) for folder, suffix in self.watched)


class Watcher:
    """A running watch over a project's sources and templates: its observer and its regenerator."""

    def __init__(self, project: Project, action: Callable[[], None], quiet: float = QUIET) -> None:
        self.regenerator = Regenerator(action, quiet)
        self.observer: BaseObserver = Observer()
        handler = _Changes(project, self.regenerator)
        for folder in (project.sources, project.templates):
            if folder.is_dir():
                self.observer.schedule(handler, str(folder), recursive=True, event_filter=CHANGES)
        self.observer.start()

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join()
        self.regenerator.stop()


def watch(project: Project, quiet: float = QUIET) -> Watcher:
    """Regenerate docs/ after each burst of changes to sources/ or templates/, until stopped."""
    return Watcher(project, lambda: regenerate(project), quiet)


def serve(project: Project, dev_addr: str) -> int:
    try:
        generate(project)
    except ContentError as exc:
        print(format_problems(exc.problems, "text"), file=sys.stderr)
        return 1
    watcher = watch(project)
    try:
        return subprocess.call(
            [sys.executable, "-m", "mkdocs", "serve", "-f", str(project.config_file), "-a", dev_addr], cwd=Path(project.root)
        )
    finally:
        watcher.stop()
