"""The pipeline, stage by stage: load -> validate -> link -> render -> write -> publish."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from mkdocs.utils.yaml import yaml_load

from demarche.feeds import render_feeds
from demarche.link import Graph, link
from demarche.load import load_archive
from demarche.opendata import render_open_data
from demarche.problems import ContentError, Problem, has_errors
from demarche.publish import PublishError, publish
from demarche.records import Archive
from demarche.redirects import render_redirects
from demarche.render import Renderer, SiteInfo, render_site
from demarche.schema_doc import render_field_reference
from demarche.validate import validate
from demarche.write import WriteReport, undo, write_pages


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

    def site_info(self) -> SiteInfo:
        config: dict[str, Any] = {}
        if self.config_file.exists():
            with self.config_file.open(encoding="utf-8") as f:
                config = yaml_load(f) or {}
        url = str(config.get("site_url") or "")
        if url and not url.endswith("/"):
            url += "/"
        return SiteInfo(name=str(config.get("site_name") or "Demarche"), url=url)


def check(project: Project) -> tuple[Archive, list[Problem]]:
    """Load and validate: every problem of every file, sorted."""
    raws, problems = load_archive(project.sources, project.root)
    archive, found = validate(raws)
    return archive, sorted(problems + found)


def generate_pages(project: Project) -> tuple[Graph, dict[str, str], list[Problem]]:
    archive, problems = check(project)
    if has_errors(problems):
        raise ContentError(problems)
    graph = link(archive)
    pages = render_site(graph, project.templates, project.site_info(), extras=extra_renderers())
    return graph, pages, problems


def extra_renderers() -> list[Callable[[Renderer], None]]:
    """Renderers beyond the record pages (field reference, redirects, feeds, open data): each adds pages."""
    return [render_field_reference, render_redirects, render_feeds, render_open_data]


def generate(project: Project) -> WriteReport:
    _, pages, _ = generate_pages(project)
    return write_pages(project.docs, dict(pages))


def build(project: Project) -> tuple[WriteReport, bool]:
    """Generate, then publish; if MkDocs fails, docs/ is put back as it was, to match the site still published.

    Returns the write report and whether MkDocs ran: when nothing MkDocs reads has changed since the
    last successful build (see `site_inputs`), the site in site/ is already what it would build.
    """
    report = generate(project)
    stamp = project.root / "site" / SITE_STAMP
    inputs = site_inputs(project)
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == inputs:
        return report, False
    try:
        publish(project.root)
    except PublishError:
        undo(project.docs, report)
        raise
    stamp.write_text(inputs, encoding="utf-8")
    return report, True


SITE_STAMP = ".demarche-stamp"  # in site/, written after a successful build


def site_inputs(project: Project) -> str:
    """A fingerprint of everything MkDocs reads: docs/, overrides/, mkdocs.yml, the environment it reads, its version.

    Files are fingerprinted by path, size and modification time, which the write stage leaves alone
    for every page whose bytes did not change.
    """
    digest = hashlib.sha256()
    files = [project.config_file]
    for folder in (project.docs, project.root / "overrides"):
        if folder.is_dir():
            files.extend(sorted(p for p in folder.rglob("*") if p.is_file()))
    for path in files:
        info = path.stat()
        digest.update(f"{path.relative_to(project.root).as_posix()}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    for name in sorted(k for k in os.environ if k.startswith("DEMARCHE_")):
        digest.update(f"{name}={os.environ[name]}\n".encode())
    for package in ("mkdocs", "mkdocs-material"):
        digest.update(f"{package}=={metadata.version(package)}\n".encode())
    return digest.hexdigest()


__all__ = ["Project", "Renderer", "build", "check", "generate", "generate_pages"]
