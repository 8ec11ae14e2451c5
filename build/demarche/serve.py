"""`demarche serve`: regenerate pages when a source or template changes, while MkDocs serves docs/."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from demarche.pipeline import Project, generate, os_error_message
from demarche.problems import ContentError, format_problems


class _Regenerate(FileSystemEventHandler):
    def __init__(self, project: Project) -> None:
        self.project = project
        self.lock = threading.Lock()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or not str(event.src_path).endswith((".md", ".j2")):
            return
        with self.lock:
            try:
                report = generate(self.project)
                print(f"demarche: regenerated ({len(report.written)} pages changed)", file=sys.stderr)
            except ContentError as exc:
                print(format_problems(exc.problems, "text"), file=sys.stderr)
            except OSError as exc:  # a full disk, a read-only docs/: say so, and keep serving
                print(os_error_message(exc, self.project.root), file=sys.stderr)


def serve(project: Project, dev_addr: str) -> int:
    try:
        generate(project)
    except ContentError as exc:
        print(format_problems(exc.problems, "text"), file=sys.stderr)
        return 1
    observer = Observer()
    handler = _Regenerate(project)
    for folder in (project.sources, project.templates):
        observer.schedule(handler, str(folder), recursive=True)
    observer.start()
    try:
        return subprocess.call(
            [sys.executable, "-m", "mkdocs", "serve", "-f", str(project.config_file), "-a", dev_addr], cwd=Path(project.root)
        )
    finally:
        observer.stop()
        observer.join()
