"""The pipeline, stage by stage: load -> validate -> link -> plan -> render -> write -> publish -> index."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from mkdocs.utils.yaml import yaml_load

from demarche.feeds import feed_files
from demarche.index import index_site
from demarche.index_pages import index_pages
from demarche.link import Graph, link
from demarche.load import load_archive
from demarche.opendata import open_data_files
from demarche.plan import File, Page, check_outputs
from demarche.problems import ContentError, Problem, has_errors
from demarche.publish import PublishError, publish
from demarche.record_pages import record_pages
from demarche.records import Archive
from demarche.redirects import redirect_files
from demarche.render import render_pages
from demarche.schema_doc import field_reference_file
from demarche.search_records import statement_records
from demarche.urls import SiteInfo
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
    pages = [*record_pages(graph, site), *index_pages(graph, site)]
    files = [field_reference_file(), *redirect_files(graph, site), *feed_files(graph, site), *open_data_files(graph, site)]
    check_outputs(pages, files)
    return pages, files


def outputs(rendered: dict[str, str], files: list[File]) -> dict[str, str | bytes]:
    """The rendered pages and the other files together, as the write stage takes them."""
    return {**rendered, **{f.doc: f.data for f in files}}


def generate(project: Project) -> WriteReport:
    return _generate(project)[1]


def _generate(project: Project) -> tuple[Graph, WriteReport]:
    graph, pages, _ = generate_pages(project)
    return graph, write_pages(project.docs, pages)


def build(project: Project) -> tuple[WriteReport, bool]:
    """Generate, then publish and index; if either fails, docs/ is put back as it was, to match the site still published.

    Returns the write report and whether MkDocs ran: when nothing MkDocs reads has changed since the
    last successful build (see `site_inputs`), the site in site/ is already what it would build.
    """
    graph, report = _generate(project)
    stamp = project.root / "site" / SITE_STAMP
    inputs = site_inputs(project)
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == inputs:
        return report, False
    try:
        records = statement_records(graph)
        publish(project.root, finish=lambda staged: index_site(staged, records))
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
    for package in ("mkdocs", "mkdocs-material", "pagefind"):
        digest.update(f"{package}=={metadata.version(package)}\n".encode())
    return digest.hexdigest()


__all__ = ["Project", "build", "check", "generate", "generate_pages", "plan_site"]
