"""Stage 3, link: resolve ids into one graph, with every backlink, grouping and count the later stages show.

Each is computed here once: statements by speaker, source and demand (and by role), sources newest
first, mentions, co-occurrence, and the anchors a statement keeps from its speaker's former ids.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from demarche.cores import in_halves
from demarche.memo import FileMemo
from demarche.mentions import NameIndex, build_index
from demarche.quotes import normalise
from demarche.records import Actor, Agreement, Archive, Demand, Source, Statement
from demarche.validate import statement_anchor

ROLES = ("made", "supported", "rejected")
CO_OCCURRING_MAX = 12


@dataclass(frozen=True)
class Said:
    """A statement with the records around it, and the other reports of its remark."""

    statement: Statement
    source: Source
    speaker: Actor
    repeats: tuple[Statement, ...] = ()  # statements of its source that are the same remark (`same_as` it), in text order
    also: tuple[Said, ...] = ()  # the same passage for the same speaker in other sources, in date order

    @property
    def key(self) -> tuple[str, str, str, int, str]:
        """The order of events: by date, then a source's statements in the order of its text (not of their ids)."""
        st = self.statement
        return (st.date, self.source.date, self.source.id, st.span.start, st.id)


@dataclass(frozen=True)
class Position:
    """One statement's stance on one demand."""

    said: Said
    role: str  # made | supported | rejected


@dataclass(frozen=True)
class Stance:
    """Statements on one demand by role, each in date order: one actor's (Graph.stances) or everyone's (Graph.on_demand)."""

    demand: Demand
    made: tuple[Said, ...] = ()
    supported: tuple[Said, ...] = ()
    rejected: tuple[Said, ...] = ()

    def said(self, role: str) -> tuple[Said, ...]:
        """The statements of one role (made, supported or rejected)."""
        said: tuple[Said, ...] = getattr(self, role)
        return said


@dataclass(frozen=True)
class Mentions:
    actors: tuple[Actor, ...]
    agreements: tuple[Agreement, ...]
    demands: tuple[Demand, ...]


@dataclass
class Graph:
    archive: Archive
    actors: dict[str, Actor]
    agreements: dict[str, Agreement]
    demands: dict[str, Demand]
    sources: dict[str, Source]
    timeline: list[Said] = field(default_factory=list)  # every remark once, in date order (see _link_statements)
    every: list[Said] = field(default_factory=list)  # every statement, repeats and reports of one passage too, in date order
    newest: list[Source] = field(default_factory=list)  # sources, newest first
    said_by: dict[str, list[Said]] = field(default_factory=dict)
    in_source: dict[str, list[Said]] = field(default_factory=dict)
    positions: dict[str, list[Position]] = field(default_factory=dict)  # demand id -> positions by date
    citations: dict[str, list[Said]] = field(default_factory=dict)  # agreement id -> statements citing it
    mentions: dict[str, Mentions] = field(default_factory=dict)  # source id -> what it mentions
    about: dict[str, list[Said]] = field(default_factory=dict)  # actor id -> the statements `about` it, in order
    sources_of: dict[str, list[Source]] = field(
        default_factory=dict
    )  # "actor:x" / "agreement:x" / "demand:x" -> sources, newest first
    demands_by: dict[str, list[Demand]] = field(default_factory=dict)  # demands its record names it in `by`, or that it made
    demands_of: dict[str, list[Demand]] = field(default_factory=dict)
    stances: dict[str, dict[str, Stance]] = field(default_factory=dict)  # actor id -> demand id -> its stance, by title
    on_demand: dict[str, Stance] = field(default_factory=dict)  # every demand's id -> every statement on it, by role
    invoked: dict[str, list[tuple[Agreement, int]]] = field(default_factory=dict)  # actor id -> agreements its statements cite
    appears_with: dict[str, list[tuple[Actor, int]]] = field(default_factory=dict)
    demand_agreements: dict[str, list[Agreement]] = field(default_factory=dict)
    agreement_demands: dict[str, list[Demand]] = field(default_factory=dict)
    related: dict[str, list[Demand]] = field(default_factory=dict)
    parts: dict[str, list[Actor]] = field(default_factory=dict)  # actor id -> the actors `part_of` it
    former: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> former id -> current id
    former_anchors: dict[str, dict[str, tuple[str, ...]]] = field(
        default_factory=dict
    )  # source id -> statement id -> the anchors it had under its speaker's former ids


def link(archive: Archive, memo: FileMemo | None = None) -> Graph:
    graph = Graph(
        archive=archive,
        actors={a.id: a for a in archive.actors},
        agreements={a.id: a for a in archive.agreements},
        demands={d.id: d for d in archive.demands},
        sources={s.id: s for s in archive.sources},
        newest=sorted(archive.sources, key=lambda s: (s.date, s.id), reverse=True),
    )
    _link_statements(graph)
    _link_mentions(graph, memo)
    _link_demands(graph)
    _link_former_ids(graph)
    _link_former_anchors(graph)
    _link_parts(graph)
    return graph


def _link_statements(graph: Graph) -> None:
    """Every statement by source; every remark, counted once, by date, speaker, demand and agreement.

    A remark is a statement with its repeats in its own source (`same_as`) and the statements of other
    sources that quote the same passage for the same speaker; it is counted and listed once, as its
    earliest report, with the stances and citations of all of them.
    """
    everything = _remarks(graph)
    graph.every = everything
    in_source: dict[str, list[Said]] = defaultdict(list)
    for said in everything:
        in_source[said.source.id].append(said)
    remarks = [s for s in everything if not s.statement.same_as and all(s.key < o.key for o in s.also)]
    graph.timeline = remarks
    said_by: dict[str, list[Said]] = defaultdict(list)
    citations: dict[str, list[Said]] = defaultdict(list)
    about: dict[str, list[Said]] = defaultdict(list)
    for said in remarks:
        said_by[said.statement.speaker].append(said)
        for actor_id in remark_ids(said, "about"):
            about[actor_id].append(said)
        for agreement_id in remark_ids(said, "cites"):
            citations[agreement_id].append(said)
    positions = _positions(remarks)
    graph.said_by, graph.in_source, graph.positions, graph.citations = said_by, in_source, positions, citations
    graph.about = about
    graph.on_demand = {d.id: _stance(d, positions.get(d.id, [])) for d in graph.archive.demands}
    for actor_id, items in said_by.items():
        graph.stances[actor_id] = _stances(graph, items)
        counts = Counter(a for said in items for a in remark_ids(said, "cites"))
        graph.invoked[actor_id] = [(graph.agreements[a], n) for a, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _remarks(graph: Graph) -> list[Said]:
    """Every statement in date order, each with its repeats and its reports in other sources."""
    plain = sorted(
        (Said(st, src, graph.actors[st.speaker]) for src in graph.archive.sources for st in src.statements), key=lambda s: s.key
    )
    return _with_also(_with_repeats(plain))


def _with_repeats(plain: list[Said]) -> list[Said]:
    """Each statement with the statements of its source that are `same_as` it, in the order of the text."""
    repeats: dict[tuple[str, str], list[Statement]] = defaultdict(list)
    for said in sorted(plain, key=lambda s: s.statement.span.start):
        if said.statement.same_as:
            repeats[(said.source.id, said.statement.same_as)].append(said.statement)
    return [dataclasses.replace(said, repeats=tuple(repeats.get((said.source.id, said.statement.id), ()))) for said in plain]


def _with_also(said_list: list[Said]) -> list[Said]:
    """Each remark with the remarks of other sources that report one of its passages (its own or a repeat's), by date."""
    primaries = [said for said in said_list if not said.statement.same_as]
    reported = [_passages(said) for said in primaries]  # once each: normalising a quote is most of the cost
    passages: dict[tuple[str, str], list[Said]] = defaultdict(list)  # each passage -> the remarks that report it
    for said, keys in zip(primaries, reported, strict=True):
        for key in keys:
            passages[key].append(said)
    also: dict[tuple[str, str], tuple[Said, ...]] = {}
    for said, keys in zip(primaries, reported, strict=True):
        others = {(o.source.id, o.statement.id): o for key in keys for o in passages[key]}
        found = sorted((o for o in others.values() if o.source.id != said.source.id), key=lambda o: o.key)
        also[(said.source.id, said.statement.id)] = tuple(found)
    return [dataclasses.replace(said, also=also.get((said.source.id, said.statement.id), ())) for said in said_list]


def _passages(said: Said) -> set[tuple[str, str]]:
    """The passages a remark is reported in: its statement's and its repeats'."""
    return {_passage(st) for st in (said.statement, *said.repeats)}


def _passage(statement: Statement) -> tuple[str, str]:
    """What makes two statements one remark across sources: the speaker and the quote as matching compares it."""
    return statement.speaker, normalise(statement.quote).text


def remark_ids(said: Said, field_name: str, others: bool = True) -> tuple[str, ...]:
    """The ids a remark's reports give in one field (makes, supports, rejects, cites), in order, each once.

    Its reports are the statement and its repeats (`same_as`) and, with others, the same passage in
    other sources with their repeats.
    """
    if not said.repeats and not (others and said.also):  # most statements: one report
        own: tuple[str, ...] = tuple(getattr(said.statement, field_name))
        return own if len(own) < 2 else tuple(dict.fromkeys(own))
    reports = [said.statement, *said.repeats]
    if others:
        reports += [st for other in said.also for st in (other.statement, *other.repeats)]
    values: tuple[str, ...] = tuple(v for st in reports for v in getattr(st, field_name))
    return tuple(dict.fromkeys(values))


def _positions(said: Iterable[Said]) -> dict[str, list[Position]]:
    """Demand id -> the positions the remarks take on it, in the remarks' order."""
    positions: dict[str, list[Position]] = defaultdict(list)
    for s in said:
        for role, name in zip(ROLES, ("makes", "supports", "rejects"), strict=True):
            for demand_id in remark_ids(s, name):
                positions[demand_id].append(Position(s, role))
    return positions


def _stance(demand: Demand, positions: list[Position]) -> Stance:
    by_role: dict[str, list[Said]] = {role: [] for role in ROLES}
    for position in positions:
        by_role[position.role].append(position.said)
    return Stance(demand, *(tuple(by_role[role]) for role in ROLES))


def _stances(graph: Graph, items: list[Said]) -> dict[str, Stance]:
    """An actor's stances, by the demands' titles, from its statements in date order."""
    positions = _positions(items)
    ordered = sorted(positions, key=lambda d: graph.demands[d].title.casefold())
    return {d: _stance(graph.demands[d], positions[d]) for d in ordered}


def _link_mentions(graph: Graph, memo: FileMemo | None = None) -> None:
    """What each source mentions, and the reverse. The names found in a text depend on it and on the index
    alone: the memo keeps them with the text's file, under a digest of every name and alias of the index."""
    names = [(f"actor:{a.id}", (a.name, *a.aliases)) for a in graph.actors.values()]
    names += [(f"agreement:{a.id}", (a.title, *a.aliases)) for a in graph.agreements.values()]
    index = build_index(names)
    digest = hashlib.sha256(json.dumps(sorted(names)).encode("utf-8", "surrogateescape")).hexdigest() if memo else ""
    sources_of: dict[str, list[Source]] = defaultdict(list)
    pair_counts: dict[str, Counter[str]] = defaultdict(Counter)
    names_in = _names_in(graph.newest, index, digest, memo)
    for source in graph.newest:
        found = names_in[source.id]
        actor_ids = {k.split(":", 1)[1] for k in found if k.startswith("actor:")} | set(source.actors)
        agreement_ids = {k.split(":", 1)[1] for k in found if k.startswith("agreement:")} | set(source.agreements)
        demand_ids = set(source.demands)
        for said in graph.in_source.get(source.id, ()):
            st = said.statement
            actor_ids |= {st.speaker, *st.about}
            agreement_ids |= set(st.cites)
            demand_ids |= {*st.makes, *st.supports, *st.rejects}
        graph.mentions[source.id] = Mentions(
            actors=tuple(sorted((graph.actors[a] for a in actor_ids), key=lambda a: a.name.casefold())),
            agreements=tuple(sorted((graph.agreements[a] for a in agreement_ids), key=lambda a: a.title.casefold())),
            demands=tuple(sorted((graph.demands[d] for d in demand_ids), key=lambda d: d.title.casefold())),
        )
        for kind, ids in (("actor", actor_ids), ("agreement", agreement_ids), ("demand", demand_ids)):
            for record_id in ids:
                sources_of[f"{kind}:{record_id}"].append(source)
        for a in actor_ids:
            pair_counts[a].update(actor_ids - {a})
    graph.sources_of = sources_of
    graph.appears_with = {
        actor_id: [(graph.actors[b], n) for b, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:CO_OCCURRING_MAX]]
        for actor_id, counts in pair_counts.items()
    }


def _names_in(sources: Iterable[Source], index: NameIndex, digest: str, memo: FileMemo | None) -> dict[str, set[str]]:
    """The names each source's title and text hold (by source id): as the memo kept them, or found, the texts shared
    with a forked copy of this process (cores.in_halves), which sends back the names it found."""
    names: dict[str, set[str]] = {}
    unread: list[Source] = []
    for source in sources:
        kept = memo.recall_derived(source.path, "names", digest) if memo else None
        if isinstance(kept, list):
            names[source.id] = set(kept)
        else:
            unread.append(source)

    def find(share: Sequence[Source]) -> list[set[str]]:
        return [index.find(source.title + "\n" + source.body) for source in share]

    for source, found in zip(unread, in_halves(unread, find), strict=True):
        names[source.id] = found
        if memo:
            memo.keep_derived(source.path, "names", digest, sorted(found))
    return names


def _link_demands(graph: Graph) -> None:
    demands_by: dict[str, set[str]] = defaultdict(set)  # by its record's `by`, or made in its own statements
    demands_of: dict[str, list[Demand]] = defaultdict(list)
    agreement_demands: dict[str, set[str]] = defaultdict(set)
    demand_agreements: dict[str, set[str]] = defaultdict(set)
    related: dict[str, set[str]] = defaultdict(set)
    for demand in graph.demands.values():
        for actor_id in demand.by:
            demands_by[actor_id].add(demand.id)
        for actor_id in demand.of:
            demands_of[actor_id].append(demand)
        for agreement_id in demand.agreements:
            agreement_demands[agreement_id].add(demand.id)
            demand_agreements[demand.id].add(agreement_id)
        for other in demand.related:
            if other != demand.id:
                related[demand.id].add(other)
                related[other].add(demand.id)
    for demand_id, items in graph.positions.items():
        for position in items:
            if position.role == "made":
                demands_by[position.said.speaker.id].add(demand_id)
            for agreement_id in remark_ids(position.said, "cites"):
                agreement_demands[agreement_id].add(demand_id)
                demand_agreements[demand_id].add(agreement_id)

    def by_title(ids: set[str]) -> list[Demand]:
        return sorted((graph.demands[i] for i in ids), key=lambda d: d.title.casefold())

    graph.demands_by = {k: by_title(v) for k, v in demands_by.items()}
    graph.demands_of = {k: sorted(v, key=lambda d: d.title.casefold()) for k, v in demands_of.items()}
    graph.agreement_demands = {k: by_title(v) for k, v in agreement_demands.items()}
    graph.demand_agreements = {
        k: sorted((graph.agreements[i] for i in v), key=lambda a: (a.date or "", a.title)) for k, v in demand_agreements.items()
    }
    graph.related = {k: by_title(v) for k, v in related.items()}


def _link_former_ids(graph: Graph) -> None:
    for kind, records in (
        ("actor", graph.archive.actors),
        ("agreement", graph.archive.agreements),
        ("demand", graph.archive.demands),
    ):
        graph.former[kind] = {old: r.id for r in records for old in r.former_ids}
    graph.former["source"] = {old: s.id for s in graph.archive.sources for old in s.former_ids}


def _link_parts(graph: Graph) -> None:
    for actor in graph.archive.actors:
        if actor.part_of:
            graph.parts.setdefault(actor.part_of, []).append(actor)


def _link_former_anchors(graph: Graph) -> None:
    """The anchors each statement had under its speaker's former ids, so links to them keep working.

    Only a derived anchor depends on the speaker (a given id never does), and one that another
    statement of the source holds now is left to it.
    """
    for source in graph.archive.sources:
        taken = {st.id for st in source.statements}
        found: dict[str, tuple[str, ...]] = {}
        for st in source.statements:
            former_ids = graph.actors[st.speaker].former_ids
            if not former_ids or st.id != statement_anchor(st.speaker, st.quote):  # most speakers have no former id
                continue
            olds = [statement_anchor(old, st.quote) for old in former_ids]
            fresh = tuple(dict.fromkeys(a for a in olds if a not in taken))
            taken.update(fresh)
            if fresh:
                found[st.id] = fresh
        if found:
            graph.former_anchors[source.id] = found
