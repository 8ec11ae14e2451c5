"""The plan of each record's page (a source, an actor, an agreement, a demand) and of its long lists' further pages."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from demarche import cite, svg
from demarche.link import Graph, Position, Said, remark_ids
from demarche.memo import FileMemo, is_text, remembered
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
    PositionItem,
    Reusable,
    SaidItem,
    SourceItem,
    Tally,
    also_links,
    as_of,
    page,
    paginate,
    position_item,
    said_item,
    source_item,
    tally,
    value_digest,
)
from demarche.records import Actor, Agreement, Demand, Source
from demarche.text import QuoteMark, body_markdown, human_date
from demarche.urls import SiteInfo, actor_feed_doc, continuation_doc, doc_path, permalink, relative, search_link

DESCRIPTION = 200  # characters of a record's text in its page's description
STATEMENTS_PAGE_SIZE = PAGE_SIZE  # statements in full on a source's page, and on each of its further pages

R = TypeVar("R")


def page_keys(graph: Graph, site: SiteInfo, last: Reusable) -> Keys:
    """The keys of this run's pages: each source's (source_key), with the pages the last run planned under keys."""
    names = _names_digest(graph)
    return Keys(last, {source.id: source_key(graph, site, source, names) for source in graph.archive.sources}, names)


def record_pages(
    graph: Graph, site: SiteInfo, memo: FileMemo | None = None, keys: Keys | None = None, share: Share | None = None
) -> list[Planned]:
    """Every record's pages; memo keeps what a page shows of its own record's file (_marked_text, _picture).

    keys: a source's pages, an actor's own page (actor_key), and each further page of a long list,
    whose key is the last run's are kept as that run wrote them, not planned again (Keys).
    share: only the pages of the records it holds (see Share), for the processes that plan in parallel.
    """
    held = share.holds if share is not None else None
    pages: list[Planned] = []
    for source in _held(graph.archive.sources, held):
        key = keys.sources.get(source.id) if keys else None
        kept = keys.take(key) if keys else None
        if kept is not None:
            pages += kept
        else:
            pages += [dataclasses.replace(p, key=key or "") for p in _source_pages(graph, site, source, memo)]
    for actor in _held(graph.archive.actors, held):
        pages += _actor_pages(graph, site, actor, memo, keys)
    for agreement in _held(graph.archive.agreements, held):
        pages += _agreement_pages(graph, site, agreement, memo, keys)
    for demand in _held(graph.archive.demands, held):
        pages += _demand_pages(graph, site, demand, memo, keys)
    return pages


@dataclass(frozen=True)
class Share:
    """Some of the records, by their place in the archive's lists: those whose place, divided by `of`, leaves one of
    `parts`. Shares with the same `of` whose parts together are 0 to of - 1 hold every record once."""

    parts: frozenset[int]
    of: int

    def holds(self, place: int) -> bool:
        return place % self.of in self.parts


def _held(records: Sequence[R], holds: Callable[[int], bool] | None) -> Iterator[R]:
    return iter(records) if holds is None else (r for i, r in enumerate(records) if holds(i))


# -- a source ----------------------------------------------------------------------------------------

ROLE_LABELS = (("made", "Makes"), ("supported", "Supports"), ("rejected", "Rejects"))


@dataclass(frozen=True)
class RepeatView:
    """Another place in the text where the source reports the same remark (a statement `same_as` this one)."""

    quote: str
    reported: bool
    in_text: Link | None  # to its marked passage, when it is marked
    note: str | None


@dataclass(frozen=True)
class StatementView:
    id: str
    number: int  # in the order of the text
    former_anchors: tuple[str, ...]  # anchors that land here: its own under its speaker's former ids, its repeats'
    speaker: Link
    date: str
    occasion: str | None
    reported: bool
    quote: str
    positions: tuple[tuple[str, tuple[Link, ...]], ...]  # ("Makes", demands), ... for the roles it takes
    cites: tuple[Link, ...]
    about: tuple[Link, ...]
    in_text: Link | None  # to its marked passage in the text, when it is marked
    permalink: Link  # to its anchor on the source's page
    citation: str
    note: str | None = None  # the editor's note
    repeats: tuple[RepeatView, ...] = ()  # the same remark elsewhere in the text
    also: tuple[Link, ...] = ()  # the same passage in other sources


@dataclass(frozen=True)
class SourcePage(Context):
    title: str
    description: str
    edit_path: str
    date: str
    kind: str
    publisher: str | None
    authors: tuple[Link, ...]
    place: str | None
    language: str
    original_language: str | None
    translator: Link | None  # to its actor, or a label without a link ('not named') for `unknown`
    url: str | None
    archive_url: str | None
    summary: str | None
    statement_count: int
    statements: Paged[StatementView]  # the first page of the list, in the order of the text
    unmarked_further: tuple[FurtherView, ...]  # statements listed on a further page whose passage is not marked
    mentioned_actors: tuple[Link, ...]
    mentioned_agreements: tuple[Link, ...]
    mentioned_demands: tuple[Link, ...]
    text: str  # the body as Markdown, quoted passages marked
    citation: str
    bibtex: str
    downloads: tuple[Link, ...]  # its citation files: BibTeX and RIS


@dataclass(frozen=True)
class FurtherView:
    """A statement listed on a further page whose passage could not be marked: its anchors stay on the source's page."""

    anchors: tuple[str, ...]
    entry: Link  # to its entry on the further page


@dataclass(frozen=True)
class SourceStatementsPage(Context):
    """A further page of a source's long list of statements."""

    title: str
    parent: Link
    pager: Paged[StatementView]


def _names_digest(graph: Graph) -> str:
    """What a source's pages show of the records they link to: each actor's id, name and kind, each agreement's and
    demand's id and title (source_key)."""
    table = (
        tuple((a.id, a.name, a.kind) for a in graph.archive.actors),
        tuple((a.id, a.title) for a in graph.archive.agreements),
        tuple((d.id, d.title) for d in graph.archive.demands),
    )
    return value_digest(table) or ""


def source_key(graph: Graph, site: SiteInfo, source: Source, names: str) -> str | None:
    """The digest of every input of a source's pages (_source_pages, and head.py's part of the first), or None.

    The source record as it is; what the graph says of its statements (speakers, repeats, the same
    passage in other sources, and the anchors kept under its speakers' former ids); what it mentions;
    the names and titles of all records (names: _names_digest); the site's name, address and
    repository. The templates and the code are not in it: the last run's record of the pages is only
    read under the same templates and code (reuse.LastRender). Whatever these pages come to show
    must be added here: tests/test_kept_pages.py compares each kind of change with a clean run (leaving
    out the names, the site, the other sources' reports, the mentions or the former anchors fails one).
    """
    mentions = graph.mentions[source.id]
    said = tuple(
        (
            s.statement.id,
            s.speaker.id,
            tuple(r.id for r in s.repeats),
            tuple((o.source.id, o.source.title, o.statement.id) for o in s.also),
        )
        for s in graph.in_source.get(source.id, ())
    )
    return value_digest(
        (
            (site.name, site.url, site.edit_base),
            names,
            source,
            said,
            tuple(sorted(graph.former_anchors.get(source.id, {}).items())),
            tuple(a.id for a in mentions.actors),
            tuple(a.id for a in mentions.agreements),
            tuple(d.id for d in mentions.demands),
        )
    )


def _source_pages(graph: Graph, site: SiteInfo, source: Source, memo: FileMemo | None = None) -> list[Page]:
    """A source's page, and further pages for a long list of statements.

    A statement listed on a further page keeps its public URL /sources/<id>/#<statement> on the
    source page: its anchor stands before its passage in the text, or, when the passage could not
    be marked, in a short list under the statements.
    """
    doc = doc_path("source", source.id)
    every = sorted(graph.in_source.get(source.id, []), key=lambda s: s.statement.span.start)
    in_order = [said for said in every if not said.statement.same_as]  # a repeat is shown in its remark's entry
    numbers = {said.statement.id: n for n, said in enumerate(in_order, 1)}
    entry_of = {said.statement.id: said.statement.same_as or said.statement.id for said in every}
    size = STATEMENTS_PAGE_SIZE
    count = max(1, -(-len(in_order) // size))
    docs = [doc, *(continuation_doc(doc, n, "statements") for n in range(2, count + 1))]
    listed = {said.statement.id: docs[i // size] for i, said in enumerate(in_order)}
    entry = {sid: listed[of] for sid, of in entry_of.items()}
    former = graph.former_anchors.get(source.id, {})
    further = {sid: (sid, *former.get(sid, ())) for sid, at in entry.items() if at != doc}  # anchors kept on this page
    marks = []
    for said in every:  # a repeat's passage takes its remark's number and links to its remark's entry
        st = said.statement
        to_entry = f"{relative(doc, entry[st.id]) if st.id in further else ''}#{entry_of[st.id]}"
        marks.append(
            QuoteMark(
                st.span,
                st.id,
                str(numbers[entry_of[st.id]]),
                to_entry,
                further.get(st.id, ()),
                said.speaker.name,
                st.reported,
                st.date,
            )
        )
    text, marked = _marked_text(source, marks, memo)
    citation = cite.source_citation(source, graph, site)

    def view(links: Links, said: Said) -> StatementView:
        sid = said.statement.id
        kept = (*former.get(sid, ()), *(a for r in said.repeats for a in (r.id, *former.get(r.id, ()))))
        return _statement_view(graph, links, doc, said, numbers[sid], kept, marked, citation)

    pagers = paginate(in_order, doc, "statements", view, size)
    unmarked = tuple(
        FurtherView(further[sid], Links(doc).to(entry[sid], f"{numbers[entry_of[sid]]}. {said.speaker.name}", entry_of[sid]))
        for said in every
        if (sid := said.statement.id) in further and sid not in marked
    )
    mentions = graph.mentions[source.id]
    context = SourcePage(
        title=source.title,
        description=source.summary or f"{source.publisher or ''}, {human_date(source.date)}",
        edit_path=source.path,
        date=source.date,
        kind=source.kind,
        publisher=source.publisher,
        authors=Links(doc).actors(graph.actors[a] for a in source.authors),
        place=source.place,
        language=source.language,
        original_language=source.original_language,
        translator=_translator(graph, Links(doc), source.translator),
        url=source.url,
        archive_url=source.archive_url,
        summary=source.summary,
        statement_count=len(in_order),
        statements=pagers[0][1],
        unmarked_further=unmarked,
        mentioned_actors=Links(doc).actors(mentions.actors),
        mentioned_agreements=Links(doc).agreements(mentions.agreements),
        mentioned_demands=Links(doc).demands(mentions.demands),
        text=text,
        citation=citation.text,
        bibtex=citation.bibtex,
        downloads=cite.downloads(Links(doc), source),
    )
    further_pages = [
        page(
            at, "source_statements.md.j2", SourceStatementsPage(source.title, Links(at).to(doc, "the source and its text"), pager)
        )
        for at, pager in pagers[1:]
    ]
    return [page(doc, "source.md.j2", context), *further_pages]


def _marked_text(source: Source, marks: list[QuoteMark], memo: FileMemo | None) -> tuple[str, set[str]]:
    """text.body_markdown of a source's text, kept with its file (the marks hold what else the text shows)."""
    text, marked = remembered(
        memo,
        source.path,
        "markdown",
        (source.body, tuple(marks)),
        lambda: _marked_value(source.body, marks),
        lambda kept: isinstance(kept, list) and len(kept) == 2 and isinstance(kept[0], str) and isinstance(kept[1], list),
    )
    return text, set(marked)


def _marked_value(body: str, marks: list[QuoteMark]) -> list[Any]:
    text, marked = body_markdown(body, marks)
    return [text, sorted(marked)]


def _picture(memo: FileMemo | None, record: Actor | Agreement | Demand, doc: str, title: str, groups: list[svg.Group]) -> str:
    """svg.neighbourhood of a record's page, kept with its file."""
    picture: str = remembered(
        memo, record.path, "picture", (doc, title, tuple(groups)), lambda: svg.neighbourhood(doc, title, groups), is_text
    )
    return picture


def _translator(graph: Graph, links: Links, translator: str | None) -> Link | None:
    if translator is None:
        return None
    actor = graph.actors.get(translator)
    return links.actor(actor) if actor else Link("not named in the text", "")


def _statement_view(
    graph: Graph,
    links: Links,
    source_doc: str,
    said: Said,
    number: int,
    former: tuple[str, ...],
    marked: set[str],
    citation: cite.Citation,
) -> StatementView:
    st = said.statement
    own = functools.partial(remark_ids, said, others=False)  # with its repeats' stances: they are one remark
    by_role = {"made": own("makes"), "supported": own("supports"), "rejected": own("rejects")}
    positions = tuple(
        (label, links.demands(graph.demands[d] for d in by_role[role])) for role, label in ROLE_LABELS if by_role[role]
    )
    return StatementView(
        id=st.id,
        number=number,
        former_anchors=former,
        speaker=links.actor(said.speaker),
        date=st.date,
        occasion=st.occasion,
        reported=st.reported,
        quote=st.quote,
        positions=positions,
        cites=links.agreements(graph.agreements[a] for a in own("cites")),
        about=links.actors(graph.actors[a] for a in own("about")),
        in_text=links.to(source_doc, "In the text", f"q-{st.id}") if st.id in marked else None,
        permalink=links.to(source_doc, "Permalink", st.id),
        citation=citation.statements[st.id],
        note=st.note,
        repeats=tuple(
            RepeatView(r.quote, r.reported, links.to(source_doc, "In the text", f"q-{r.id}") if r.id in marked else None, r.note)
            for r in said.repeats
        ),
        also=also_links(links, said),
    )


# -- an actor ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleView:
    title: str
    of: Link | None
    start: str | None
    until: str | None


@dataclass(frozen=True)
class DemandWith:
    """A demand with the actors beside it: of whom an actor demands it, or who demands it of the actor."""

    demand: Link
    actors: tuple[Link, ...]


@dataclass(frozen=True)
class StanceRow:
    demand: Link
    made: int
    supported: int
    rejected: int


@dataclass(frozen=True)
class ActorPage(Context):
    name: str
    description: str
    edit_path: str
    feed: str  # the docs path of its Atom feed
    feed_title: str
    feed_href: str
    kind: str
    part_of: Link | None
    wikidata: str | None
    aliases: tuple[str, ...]
    prose: str
    picture: str
    roles: tuple[RoleView, ...]
    members: tuple[Link, ...]
    parts: tuple[Link, ...]
    demands_made: tuple[DemandWith, ...]  # with those they are made of
    demands_of: tuple[DemandWith, ...]  # with those who make them
    stances: tuple[StanceRow, ...]
    statements: Paged[SaidItem]
    about: Paged[SaidItem]  # statements by others `about` it
    invoked: tuple[Counted, ...]  # agreements, with the number of its statements that invoke each
    sources: Paged[SourceItem]
    appears_with: tuple[Counted, ...]  # actors, with the number of sources that mention both
    search_href: str  # the search page, narrowed to its statements
    permalink: str


def _actor_pages(
    graph: Graph, site: SiteInfo, actor: Actor, memo: FileMemo | None = None, keys: Keys | None = None
) -> list[Planned]:
    doc = doc_path("actor", actor.id)
    lists: tuple[LongList[Any, Any], ...] = (
        LongList(graph.said_by.get(actor.id, []), doc, "statements", said_item, "said", f"Statements by {actor.name}"),
        LongList(graph.about.get(actor.id, []), doc, "about", said_item, "said", f"Statements about {actor.name}"),
        _mentioning(graph, "actor", actor.id, actor.name),
    )
    key = actor_key(graph, site, actor, keys) if keys else None
    kept = keys.take(key) if keys else None
    if kept is not None:  # its page is kept; each further page of its lists is kept or not on its own
        return [*kept, *(p for long in lists for p in long.further(keys))]
    (statements, more), (about, more_about), (sources, further) = (long.continued(keys) for long in lists)
    links = Links(doc)
    feed = actor_feed_doc(actor.id)
    context = ActorPage(
        name=actor.name,
        description=actor.body[:DESCRIPTION],
        edit_path=actor.path,
        feed=feed,
        feed_title=f"Statements by {actor.name}",
        feed_href=relative(doc, feed),
        kind=actor.kind,
        part_of=_actor_or_none(graph, links, actor.part_of),
        wikidata=actor.wikidata,
        aliases=actor.aliases,
        prose=body_markdown(actor.body)[0],
        picture=_picture(memo, actor, doc, actor.name, svg.actor_groups(graph, actor)),
        roles=tuple(RoleView(r.title, _actor_or_none(graph, links, r.of), r.start, r.until) for r in actor.roles),
        members=links.actors(graph.actors[m] for m in actor.members),
        parts=links.actors(graph.parts.get(actor.id, [])),
        demands_made=tuple(
            DemandWith(links.demand(d), links.actors(graph.actors[a] for a in d.of)) for d in graph.demands_by.get(actor.id, [])
        ),
        demands_of=tuple(
            DemandWith(links.demand(d), links.actors(graph.actors[a] for a in d.by)) for d in graph.demands_of.get(actor.id, [])
        ),
        stances=tuple(
            StanceRow(links.demand(s.demand), len(s.made), len(s.supported), len(s.rejected))
            for s in graph.stances.get(actor.id, {}).values()
        ),
        statements=statements,
        about=about,
        invoked=tuple(Counted(links.agreement(a), n) for a, n in graph.invoked.get(actor.id, [])),
        sources=sources,
        appears_with=tuple(Counted(links.actor(a), n) for a, n in graph.appears_with.get(actor.id, [])),
        search_href=search_link(doc, speaker=actor.name),
        permalink=permalink(site, doc),
    )
    return [dataclasses.replace(page(doc, "actor.md.j2", context), key=key or ""), *more, *more_about, *further]


def _mentioning(graph: Graph, kind: str, record_id: str, name: str) -> LongList[Source, SourceItem]:
    """The list of the sources that mention a record, newest first."""
    mentioned = graph.sources_of.get(f"{kind}:{record_id}", [])
    return LongList(mentioned, doc_path(kind, record_id), "sources", source_item, "source", f"Sources that mention {name}")


def _sources_mentioning(
    graph: Graph, kind: str, record_id: str, name: str, keys: Keys | None
) -> tuple[Paged[SourceItem], list[Planned]]:
    """The sources that mention a record: the first page of the list and its further pages."""
    return _mentioning(graph, kind, record_id, name).continued(keys)


def actor_key(graph: Graph, site: SiteInfo, actor: Actor, keys: Keys) -> str | None:
    """The digest of every input of an actor's own page (_actor_pages, and head.py's part), or None.

    The actor record; the actors that are part of it; the demands it makes or that are made of it,
    with whom they are by and of; the actors it appears with and how often; and its lists (its
    statements, statements about it, the sources that mention it) as their items' inputs: each
    source's key (which holds its statements, its mentions and every record's name), with, for a
    statement, the keys of the other sources that report the same passage, whose stances and
    citations count as its own (stances, invoked agreements, the picture). The names and titles of
    all records and the site, as for a source (source_key). tests/test_kept_pages.py compares each
    kind of change with a clean run.
    """

    def said(s: Said) -> tuple[object, ...] | None:
        own, others = keys.sources.get(s.source.id), tuple(keys.sources.get(o.source.id) for o in s.also)
        return None if own is None or None in others else (own, s.statement.id, others, tuple(o.statement.id for o in s.also))

    lists = (
        tuple(said(s) for s in graph.said_by.get(actor.id, ())),
        tuple(said(s) for s in graph.about.get(actor.id, ())),
        tuple(keys.sources.get(s.id) for s in graph.sources_of.get(f"actor:{actor.id}", ())),
    )
    if any(None in items for items in lists):
        return None
    return value_digest(
        (
            "actor",
            (site.name, site.url, site.edit_base),
            keys.names,
            actor,
            tuple(a.id for a in graph.parts.get(actor.id, ())),
            tuple((d.id, d.by, d.of) for d in graph.demands_by.get(actor.id, ())),
            tuple((d.id, d.by, d.of) for d in graph.demands_of.get(actor.id, ())),
            tuple((a.id, n) for a, n in graph.appears_with.get(actor.id, ())),
            *lists,
        )
    )


def _actor_or_none(graph: Graph, links: Links, actor_id: str | None) -> Link | None:
    return links.actor(graph.actors[actor_id]) if actor_id else None


# -- an agreement ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementPage(Context):
    title: str
    description: str
    edit_path: str
    kind: str
    date: str | None
    parties: tuple[Link, ...]
    status: str | None
    status_as_of: str | None  # the latest source that bears on it
    url: str | None
    aliases: tuple[str, ...]
    prose: str
    picture: str
    citations: Paged[SaidItem]
    demands: tuple[Link, ...]
    sources: Paged[SourceItem]
    permalink: str


def _agreement_pages(
    graph: Graph, site: SiteInfo, agreement: Agreement, memo: FileMemo | None = None, keys: Keys | None = None
) -> list[Planned]:
    doc = doc_path("agreement", agreement.id)
    links = Links(doc)
    cited = graph.citations.get(agreement.id, [])
    citations, more = LongList(
        cited, doc, "statements", said_item, "said", f"Statements that invoke {agreement.title}"
    ).continued(keys)
    sources, further = _sources_mentioning(graph, "agreement", agreement.id, agreement.title, keys)
    context = AgreementPage(
        title=agreement.title,
        description=agreement.body[:DESCRIPTION],
        edit_path=agreement.path,
        kind=agreement.kind,
        date=agreement.date,
        parties=links.actors(graph.actors[p] for p in agreement.parties),
        status=agreement.status,
        status_as_of=as_of(graph, "agreement", agreement.id, cited),
        url=agreement.url,
        aliases=agreement.aliases,
        prose=body_markdown(agreement.body)[0],
        picture=_picture(memo, agreement, doc, agreement.title, svg.agreement_groups(graph, agreement)),
        citations=citations,
        demands=links.demands(graph.agreement_demands.get(agreement.id, [])),
        sources=sources,
        permalink=permalink(site, doc),
    )
    return [page(doc, "agreement.md.j2", context), *more, *further]


# -- a demand ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemandPage(Context):
    title: str
    description: str
    edit_path: str
    by: tuple[Link, ...]
    of: tuple[Link, ...]
    status: str | None
    status_as_of: str | None  # the latest source that bears on it
    tally: Tally
    made_by: int  # speakers who made or repeated it
    supported_by: int
    rejected_by: int
    prose: str
    picture: str
    positions: Paged[PositionItem]
    agreements: tuple[Link, ...]
    related: tuple[Link, ...]
    search_href: str  # the search page, narrowed to the statements on it
    permalink: str


def _demand_pages(
    graph: Graph, site: SiteInfo, demand: Demand, memo: FileMemo | None = None, keys: Keys | None = None
) -> list[Planned]:
    doc = doc_path("demand", demand.id)
    links = Links(doc)
    taken: list[Position] = graph.positions.get(demand.id, [])
    positions, more = LongList(taken, doc, "statements", position_item, "position", f"Statements on {demand.title}").continued(
        keys
    )
    stance = graph.on_demand[demand.id]
    said = [p.said for p in taken]
    context = DemandPage(
        title=demand.title,
        description=demand.body[:DESCRIPTION],
        edit_path=demand.path,
        by=links.actors(graph.actors[a] for a in demand.by),
        of=links.actors(graph.actors[a] for a in demand.of),
        status=demand.status,
        status_as_of=as_of(graph, "demand", demand.id, said),
        tally=tally(said),
        made_by=len({s.speaker.id for s in stance.made}),
        supported_by=len({s.speaker.id for s in stance.supported}),
        rejected_by=len({s.speaker.id for s in stance.rejected}),
        prose=body_markdown(demand.body)[0],
        picture=_picture(memo, demand, doc, demand.title, svg.demand_groups(graph, demand)),
        positions=positions,
        agreements=links.agreements(graph.demand_agreements.get(demand.id, [])),
        related=links.demands(graph.related.get(demand.id, [])),
        search_href=search_link(doc, demand=demand.title),
        permalink=permalink(site, doc),
    )
    return [page(doc, "demand.md.j2", context), *more]
