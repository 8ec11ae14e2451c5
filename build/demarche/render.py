"""Stage 4, render: Jinja templates -> Markdown text for every page.

Content reaches templates only as data: the environment never compiles content, undefined names
are errors (StrictUndefined), and every value is put into Markdown through `md` or `attr`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from demarche import cite, svg
from demarche.feeds import actor_feed_path
from demarche.link import ROLES, Graph, Said
from demarche.records import Actor, Agreement, Demand, Source
from demarche.text import attr, body_markdown, human_date, md
from demarche.urls import doc_path, relative

PAGE_SIZE = 100  # items on one page of a long list
LATEST = 20  # sources on the home and sources index pages


@dataclass(frozen=True)
class SiteInfo:
    name: str
    url: str  # the published site's base URL, ending in '/', or '' when unknown


class Linker:
    """Builds Markdown links from one page to others; bound to the page being rendered."""

    def __init__(self, page: str, site: SiteInfo) -> None:
        self.page = page
        self.site = site

    def to(self, doc: str, label: str, anchor: str = "") -> str:
        target = _relative(self.page, doc) if doc != self.page else ""
        return f"[{_md_label(label)}]({target}{'#' + anchor if anchor else ''})"

    def actor(self, a: Actor) -> str:
        return self.to(doc_path("actor", a.id), a.name)

    def agreement(self, a: Agreement) -> str:
        return self.to(doc_path("agreement", a.id), a.title)

    def demand(self, d: Demand) -> str:
        return self.to(doc_path("demand", d.id), d.title)

    def source(self, s: Source) -> str:
        return self.to(doc_path("source", s.id), s.title)

    def said(self, s: Said, label: str = "") -> str:
        return self.to(doc_path("source", s.source.id), label or s.source.title, s.statement.id)

    def permalink(self, doc: str, anchor: str = "") -> str:
        """The absolute URL of a page, for citations; the site-relative path when site_url is not set."""
        return cite.page_url(self.site, doc, anchor)


_md_label = functools.lru_cache(maxsize=1 << 16)(md)  # the same names and titles are linked thousands of times


@functools.cache
def _folder_prefix(from_folder: str, to_folder: str) -> str:
    """How a page in one docs folder links into another: '' or a relative path ending in '/'."""
    path = relative(f"{from_folder}/page.md" if from_folder else "page.md", to_folder or ".")
    return "" if path == "." else path + "/"


def _relative(from_doc: str, to_doc: str) -> str:
    """urls.relative, worked out once per pair of folders: nearly every line rendered holds a link."""
    to_folder, _, name = to_doc.rpartition("/")
    return _folder_prefix(from_doc.rpartition("/")[0], to_folder) + name


@dataclass(frozen=True)
class Pager:
    """One page of a long list: its items and the links to its neighbours."""

    items: Sequence[Any]
    number: int
    count: int
    docs: tuple[str, ...]  # the docs path of every page of the list, first to last
    total: int


def paginate(items: Sequence[Any], first_doc: str, rest_base: str, size: int = PAGE_SIZE) -> list[Pager]:
    """Split items into pages: the first at first_doc, the others at <rest_base>/page-N.md."""
    count = max(1, -(-len(items) // size))
    docs = (first_doc, *(f"{rest_base}/page-{n}.md" for n in range(2, count + 1)))
    return [Pager(items[(n - 1) * size : n * size], n, count, docs, len(items)) for n in range(1, count + 1)]


def environment(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the output is Markdown; values go through md/attr explicitly
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one environment per run: no need to stat every template for every page
    )
    env.filters.update(
        md=md,
        attr=attr,
        date=human_date,
        json=lambda v: json.dumps(v, ensure_ascii=False),
        prose=lambda text: body_markdown(text)[0],
        records=lambda ids, table: [table[i] for i in ids],
        count=lambda n, noun: f"{n} {noun}" if n == 1 else f"{n} {noun}s",
    )
    return env


class Renderer:
    def __init__(self, graph: Graph, env: jinja2.Environment, site: SiteInfo) -> None:
        self.graph = graph
        self.env = env
        self.site = site
        self.pages: dict[str, str] = {}

    def page(self, doc: str, template: str, **context: Any) -> None:
        if doc in self.pages:
            raise ValueError(f"two pages would be written to docs/{doc}")
        context.setdefault("edit_path", "")
        html = self.env.get_template(template).render(L=Linker(doc, self.site), g=self.graph, site=self.site, doc=doc, **context)
        self.pages[doc] = html

    def continued(self, items: Sequence[Any], doc: str, rest_base: str, kind: str, title: str) -> Pager:
        """Paginate a record page's long list: render its further pages, return the first for the record page."""
        pagers = paginate(items, doc, rest_base)
        for pager in pagers[1:]:
            self.page(pager.docs[pager.number - 1], "listing.md.j2", pager=pager, parent=doc, kind=kind, title=title)
        return pagers[0]

    def listing(self, items: Sequence[Any], first_doc: str, rest_base: str, template: str, **context: Any) -> None:
        """Render a record page whose long list continues on further pages."""
        pagers = paginate(items, first_doc, rest_base)
        self.page(first_doc, template, pager=pagers[0], **context)
        for pager in pagers[1:]:
            self.page(pager.docs[pager.number - 1], "listing.md.j2", pager=pager, parent=first_doc, **context)


def render_site(
    graph: Graph, templates: Path, site: SiteInfo, extras: Sequence[Callable[[Renderer], None]] = ()
) -> dict[str, str]:
    """Every generated page of the site, as docs path -> Markdown text."""
    r = Renderer(graph, environment(templates), site)
    _render_sources(r)
    _render_actors(r)
    _render_agreements(r)
    _render_demands(r)
    _render_timeline(r)
    r.page("index.md", "home.md.j2", latest=graph.newest[:LATEST])
    for extra in extras:
        extra(r)
    return r.pages


def _render_sources(r: Renderer) -> None:
    g = r.graph
    by_year: dict[str, list[Source]] = {}
    for source in g.newest:
        by_year.setdefault(source.date[:4], []).append(source)
    for year, items in by_year.items():
        doc = f"sources/by-year/{year}.md"
        r.listing(
            items, doc, f"sources/by-year/{year}", "sources_year.md.j2", year=year, kind="source", title=f"Sources of {year}"
        )
    newest = [s for items in by_year.values() for s in items][:LATEST]
    r.page("sources/index.md", "sources_index.md.j2", years=[(y, len(v)) for y, v in by_year.items()], latest=newest)
    for source in g.archive.sources:
        said = g.in_source.get(source.id, [])
        said_in_order = sorted(said, key=lambda s: s.statement.span.start)
        numbers = {s.statement.id: n for n, s in enumerate(said_in_order, 1)}
        marks = [(s.statement.span, s.statement.id, str(numbers[s.statement.id])) for s in said_in_order]
        body, marked = body_markdown(source.body, marks)
        r.page(
            doc_path("source", source.id),
            "source.md.j2",
            source=source,
            statements=said_in_order,
            numbers=numbers,
            body=body,
            marked=marked,
            mentions=g.mentions[source.id],
            authors=[g.actors[a] for a in source.authors],
            citation=cite.source_citation(source, g, r.site),
            former_anchors=g.former_anchors.get(source.id, {}),
            edit_path=source.path,
        )


def _render_actors(r: Renderer) -> None:
    g = r.graph
    for actor in g.archive.actors:
        doc = doc_path("actor", actor.id)
        said = g.said_by.get(actor.id, [])
        statements = r.continued(said, doc, f"actors/{actor.id}/statements", "said", f"Statements by {actor.name}")
        sources = g.sources_of.get(f"actor:{actor.id}", [])
        sources_page = r.continued(sources, doc, f"actors/{actor.id}/sources", "source", f"Sources that mention {actor.name}")
        r.page(
            doc,
            "actor.md.j2",
            actor=actor,
            statements=statements,
            sources=sources_page,
            part_of=g.actors.get(actor.part_of or ""),
            members=[g.actors[m] for m in actor.members],
            parts=g.parts.get(actor.id, []),
            roles=[(role, g.actors.get(role.of or "")) for role in actor.roles],
            picture=svg.neighbourhood(doc, actor.name, svg.actor_groups(g, actor)),
            feed=actor_feed_path(actor.id),
            edit_path=actor.path,
        )
    kinds: dict[str, list[Actor]] = {}
    for actor in sorted(g.archive.actors, key=lambda a: a.name.casefold()):
        kinds.setdefault(actor.kind, []).append(actor)
    r.page("actors/index.md", "actors_index.md.j2", kinds=sorted(kinds.items()))


def _render_agreements(r: Renderer) -> None:
    g = r.graph
    for agreement in g.archive.agreements:
        doc = doc_path("agreement", agreement.id)
        citations = g.citations.get(agreement.id, [])
        citation_page = r.continued(
            citations, doc, f"agreements/{agreement.id}/statements", "said", f"Statements that invoke {agreement.title}"
        )
        sources = g.sources_of.get(f"agreement:{agreement.id}", [])
        sources_page = r.continued(
            sources, doc, f"agreements/{agreement.id}/sources", "source", f"Sources that mention {agreement.title}"
        )
        r.page(
            doc,
            "agreement.md.j2",
            agreement=agreement,
            citations=citation_page,
            sources=sources_page,
            parties=[g.actors[p] for p in agreement.parties],
            demands=g.agreement_demands.get(agreement.id, []),
            picture=svg.neighbourhood(doc, agreement.title, svg.agreement_groups(g, agreement)),
            edit_path=agreement.path,
        )
    ordered = sorted(g.archive.agreements, key=lambda a: (a.date or "9999", a.title.casefold()))
    r.page("agreements/index.md", "agreements_index.md.j2", agreements=ordered)


def _render_demands(r: Renderer) -> None:
    g = r.graph
    for demand in g.archive.demands:
        doc = doc_path("demand", demand.id)
        positions = g.positions.get(demand.id, [])
        position_page = r.continued(
            positions, doc, f"demands/{demand.id}/statements", "position", f"Statements on {demand.title}"
        )
        stance = g.on_demand[demand.id]
        counts = {role: len(stance.said(role)) for role in ROLES}
        r.page(
            doc,
            "demand.md.j2",
            demand=demand,
            positions=position_page,
            counts=counts,
            by=[g.actors[a] for a in demand.by],
            of=[g.actors[a] for a in demand.of],
            agreements=g.demand_agreements.get(demand.id, []),
            related=g.related.get(demand.id, []),
            picture=svg.neighbourhood(doc, demand.title, svg.demand_groups(g, demand)),
            edit_path=demand.path,
        )
    groups: dict[str, list[Demand]] = {}
    for demand in sorted(g.archive.demands, key=lambda d: d.title.casefold()):
        for actor_id in demand.by:
            groups.setdefault(actor_id, []).append(demand)
    ordered = sorted(groups.items(), key=lambda kv: g.actors[kv[0]].name.casefold())
    r.page(
        "demands/index.md",
        "demands_index.md.j2",
        groups=[(g.actors[a], ds) for a, ds in ordered],
        picture=svg.positions_table(g, "demands/index.md"),
    )


def _render_timeline(r: Renderer) -> None:
    g = r.graph
    by_year: dict[str, list[Said]] = {}
    for said in g.timeline:
        by_year.setdefault(said.statement.date[:4], []).append(said)
    for year, items in by_year.items():
        r.listing(
            items,
            f"timeline/{year}.md",
            f"timeline/{year}",
            "timeline_year.md.j2",
            year=year,
            kind="said",
            title=f"Statements of {year}",
        )
    r.page(
        "timeline.md",
        "timeline.md.j2",
        years=[(y, len(v)) for y, v in by_year.items()],
        latest=g.timeline[-PAGE_SIZE:],
        picture=svg.timeline(g, "timeline.md"),
    )
