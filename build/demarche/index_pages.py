"""The plan of the pages that list records: home, the section indexes, the timeline and the pages by year."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from demarche import svg
from demarche.introduction import introduction_markdown
from demarche.link import Graph, Said
from demarche.plan import (
    PAGE_SIZE,
    Context,
    Counted,
    Keys,
    Link,
    Links,
    LongList,
    Page,
    Paged,
    Planned,
    SaidItem,
    SourceItem,
    as_of,
    page,
    said_item,
    source_item,
    tally,
)
from demarche.records import Actor, Demand
from demarche.urls import (
    HOME,
    METHODOLOGY,
    SEARCH_DOC,
    TIMELINE,
    SiteInfo,
    index_doc,
    relative,
    sources_year_doc,
    timeline_year_doc,
)

LATEST = 20  # sources on the home and sources index pages
KIND_HEADINGS = {"person": "People", "state": "States", "organization": "Organisations", "body": "Bodies", "media": "Media"}

X = TypeVar("X")
T = TypeVar("T")


def index_pages(graph: Graph, site: SiteInfo, keys: Keys | None = None) -> list[Planned]:
    """The home page and the sections' pages; keys: further pages of long lists whose key is unchanged are kept."""
    return [
        _home(graph, site),
        *_sources_pages(graph, keys),
        _actors_index(graph),
        _agreements_index(graph),
        _demands_index(graph),
        *_timeline_pages(graph, keys),
    ]


# -- home ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    n: int
    href: str  # the page that lists them


@dataclass(frozen=True)
class DemandRow:
    demand: Link
    by: tuple[Link, ...]
    of: tuple[Link, ...]
    status: str | None
    made: int
    supported: int
    rejected: int


@dataclass(frozen=True)
class HomePage(Context):
    name: str  # the site's
    sources: Tally
    actors: Tally
    agreements: Tally
    demands: Tally
    statements: Tally
    demand_rows: tuple[DemandRow, ...]
    latest: tuple[SourceItem, ...]
    introduction: str  # Markdown, as written in sources/introduction.md ('' when there is none)
    start: tuple[Start, ...]  # where a newcomer can start reading


@dataclass(frozen=True)
class Start:
    link: Link
    what: str  # what the reader finds there


def _where_to_start(links: Links) -> tuple[Start, ...]:
    return (
        Start(
            links.to(index_doc("demand"), "Demands"),
            "what each actor asked of whom, and every statement that made, backed or refused it",
        ),
        Start(links.to(TIMELINE, "Timeline"), "every statement in date order"),
        Start(
            links.to(index_doc("source"), "Sources"), "the texts themselves, newest first, each with its quoted passages marked"
        ),
        Start(links.to(SEARCH_DOC, "Search"), "by speaker, demand, stance, year, kind or publisher"),
        Start(links.to(METHODOLOGY, "How the archive is made"), "what counts as a statement, and how quotations are checked"),
    )


def _home(graph: Graph, site: SiteInfo) -> Page:
    links = Links(HOME)
    archive = graph.archive
    context = HomePage(
        name=site.name,
        sources=Tally(len(archive.sources), relative(HOME, index_doc("source"))),
        actors=Tally(len(archive.actors), relative(HOME, index_doc("actor"))),
        agreements=Tally(len(archive.agreements), relative(HOME, index_doc("agreement"))),
        demands=Tally(len(archive.demands), relative(HOME, index_doc("demand"))),
        statements=Tally(len(graph.timeline), relative(HOME, TIMELINE)),
        demand_rows=tuple(_demand_row(graph, links, d) for d in archive.demands),
        latest=tuple(source_item(links, s) for s in graph.newest[:LATEST]),
        introduction=introduction_markdown(site.introduction),
        start=_where_to_start(links),
    )
    return page(HOME, "home.md.j2", context)


def _demand_row(graph: Graph, links: Links, demand: Demand) -> DemandRow:
    stance = graph.on_demand[demand.id]
    by = links.actors(graph.actors[a] for a in demand.by)
    of = links.actors(graph.actors[a] for a in demand.of)
    return DemandRow(links.demand(demand), by, of, demand.status, len(stance.made), len(stance.supported), len(stance.rejected))


# -- pages by year -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearPage(Context, Generic[T]):
    """The first page of a year's sources or statements."""

    title: str
    back: str  # the href of the section's main page
    pager: Paged[T]


@dataclass(frozen=True)
class ByYear(Generic[X, T]):
    """A section's list split by year: where each year's page is, and how it shows its items."""

    main_doc: str  # the section's main page, which links to every year
    doc_of: Callable[[str], str]  # a year -> its page's docs path
    template: str
    item: Callable[[Links, X], T]
    kind: str  # said | source: how a further page shows the items
    title: str  # of a year's page, before the year


def _by_year(items: Sequence[X], date: Callable[[X], str]) -> dict[str, list[X]]:
    years: dict[str, list[X]] = {}
    for x in items:
        years.setdefault(date(x)[:4], []).append(x)
    return years


def _year_pages(spec: ByYear[X, T], years: dict[str, list[X]], keys: Keys | None) -> list[Planned]:
    """A page for each year (its list continuing on further pages), each linking back to the section's main page."""
    pages: list[Planned] = []
    for year, items in years.items():
        doc, title = spec.doc_of(year), f"{spec.title} {year}"
        pager, further = LongList(items, doc, "", spec.item, spec.kind, title).continued(keys)
        pages += [page(doc, spec.template, YearPage(title, relative(doc, spec.main_doc), pager)), *further]
    return pages


def _year_links(spec: ByYear[X, T], years: dict[str, list[X]]) -> tuple[Counted, ...]:
    links = Links(spec.main_doc)
    return tuple(Counted(links.to(spec.doc_of(year), year), len(items)) for year, items in years.items())


# -- sources -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourcesIndex(Context):
    total: int
    years: tuple[Counted, ...]  # newest first
    latest: tuple[SourceItem, ...]


SOURCES_BY_YEAR = ByYear(index_doc("source"), sources_year_doc, "sources_year.md.j2", source_item, "source", "Sources of")


def _sources_pages(graph: Graph, keys: Keys | None) -> list[Planned]:
    years = _by_year(graph.newest, lambda s: s.date)
    links = Links(SOURCES_BY_YEAR.main_doc)
    latest = tuple(source_item(links, s) for s in graph.newest[:LATEST])
    index = SourcesIndex(len(graph.newest), _year_links(SOURCES_BY_YEAR, years), latest)
    return [page(SOURCES_BY_YEAR.main_doc, "sources_index.md.j2", index), *_year_pages(SOURCES_BY_YEAR, years, keys)]


# -- actors, agreements, demands ---------------------------------------------------------------------


@dataclass(frozen=True)
class ActorsIndex(Context):
    kinds: tuple[tuple[str, tuple[Counted, ...]], ...]  # (heading, actors with their number of statements), by kind


def _actors_index(graph: Graph) -> Page:
    doc = index_doc("actor")
    links = Links(doc)
    kinds: dict[str, list[Actor]] = {}
    for actor in sorted(graph.archive.actors, key=lambda a: a.name.casefold()):
        kinds.setdefault(actor.kind, []).append(actor)
    groups = tuple(
        (KIND_HEADINGS[kind], tuple(Counted(links.actor(a), len(graph.said_by.get(a.id, []))) for a in actors))
        for kind, actors in sorted(kinds.items())
    )
    return page(doc, "actors_index.md.j2", ActorsIndex(groups))


@dataclass(frozen=True)
class AgreementRow:
    date: str | None
    agreement: Link
    kind: str
    invoked: int  # statements that invoke it


@dataclass(frozen=True)
class AgreementsIndex(Context):
    agreements: tuple[AgreementRow, ...]  # by date


def _agreements_index(graph: Graph) -> Page:
    doc = index_doc("agreement")
    links = Links(doc)
    ordered = sorted(graph.archive.agreements, key=lambda a: (a.date or "9999", a.title.casefold()))
    rows = tuple(AgreementRow(a.date, links.agreement(a), a.kind, len(graph.citations.get(a.id, []))) for a in ordered)
    return page(doc, "agreements_index.md.j2", AgreementsIndex(rows))


@dataclass(frozen=True)
class DemandEntry:
    demand: Link
    of: tuple[Link, ...]
    status: str | None
    status_as_of: str | None  # the latest source that bears on it
    statements: int  # statements that take a position on it, each once


@dataclass(frozen=True)
class DemandsIndex(Context):
    picture: str
    groups: tuple[tuple[str, tuple[DemandEntry, ...]], ...]  # (an actor's name, the demands it makes), by name


def _demands_index(graph: Graph) -> Page:
    doc = index_doc("demand")
    links = Links(doc)
    groups: dict[str, list[Demand]] = {}
    for demand in sorted(graph.archive.demands, key=lambda d: d.title.casefold()):
        for actor_id in demand.by:
            groups.setdefault(actor_id, []).append(demand)
    ordered = sorted(groups.items(), key=lambda kv: graph.actors[kv[0]].name.casefold())
    context = DemandsIndex(
        picture=svg.positions_table(graph, doc),
        groups=tuple((graph.actors[a].name, tuple(_demand_entry(graph, links, d) for d in demands)) for a, demands in ordered),
    )
    return page(doc, "demands_index.md.j2", context)


def _demand_entry(graph: Graph, links: Links, demand: Demand) -> DemandEntry:
    of = links.actors(graph.actors[a] for a in demand.of)
    said = [p.said for p in graph.positions.get(demand.id, [])]
    as_of_date = as_of(graph, "demand", demand.id, said)
    return DemandEntry(links.demand(demand), of, demand.status, as_of_date, tally(said).statements)


# -- the timeline ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelinePage(Context):
    total: int
    picture: str
    by_year: bool  # whether the page lists the years (it shows only the latest statements)
    years: tuple[Counted, ...]
    latest: tuple[SaidItem, ...]


TIMELINE_BY_YEAR = ByYear(TIMELINE, timeline_year_doc, "timeline_year.md.j2", said_item, "said", "Statements of")


def _timeline_pages(graph: Graph, keys: Keys | None) -> list[Planned]:
    years = _by_year(graph.timeline, lambda s: s.statement.date)
    links = Links(TIMELINE)
    latest: list[Said] = graph.timeline[-PAGE_SIZE:]
    context = TimelinePage(
        total=len(graph.timeline),
        picture=svg.timeline(graph, TIMELINE),
        by_year=len(years) > 1 or len(graph.timeline) > len(latest),
        years=_year_links(TIMELINE_BY_YEAR, years),
        latest=tuple(said_item(links, s) for s in latest),
    )
    return [page(TIMELINE, "timeline.md.j2", context), *_year_pages(TIMELINE_BY_YEAR, years, keys)]
