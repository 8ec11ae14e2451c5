"""Stage 4, plan: every output of the site as frozen data, before anything is rendered.

A `Page` is a docs page its template renders from its context alone; a `File` is any other output
(feeds, open data, redirects, the field reference) with its bytes. A context holds everything its
page shows, ready to print: lists grouped, sorted, counted and numbered, links relative to the page.
Contexts hold only plain values (strings, numbers, tuples, frozen records), so they compare and hash:
with the same templates, two builds show the same page exactly when its contexts are equal. A page
whose inputs are those of the last run (its key: Keys) need not be planned at all: it is `Kept`.

The pages themselves are planned in record_pages.py and index_pages.py, the files by the modules that
make them (feeds, opendata, redirects, schema_doc); this module holds what they share: Page and File,
links and list items, and the splitting of long lists.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from demarche.link import Graph, Position, Said
from demarche.records import Actor, Agreement, Demand, Source
from demarche.text import parse_date
from demarche.urls import continuation_doc, doc_path, published_file, published_url, relative, site_url

PAGE_SIZE = 100  # items on one page of a long list

T = TypeVar("T")
X = TypeVar("X")


@dataclass(frozen=True)
class Context:
    """What one page shows; each page kind's context is a frozen dataclass deriving from this one."""


Meta = tuple[tuple[str, "str | tuple[tuple[str, str], ...]"], ...]  # front-matter keys for the theme, and their values


@dataclass(frozen=True)
class Page:
    doc: str  # where it is written in docs/
    url: str  # where it is published, relative to the site root
    template: str
    context: Context
    meta: Meta = ()  # what the render stage adds to the page's front matter for the theme (head.py)
    key: str = ""  # the digest of every input of the pages planned with it (see Reusable); '' when not keyed

    @property
    def updated(self) -> str | None:
        """The latest date of the records the page shows (its sitemap date), None when it shows no dated record."""
        return latest_date(self.context)


def latest_date(value: object) -> str | None:
    """The latest `date` field found anywhere in a context: in its own fields, its items, their items."""
    found: list[str] = []
    _collect_dates(value, found)
    dated = [d for d in found if d]
    return max(dated, key=parse_date) if dated else None  # of dates that mean one day (2021-12, 2021-12-01), the first found


_LEAVES = (str, int, float, type(None))  # values that hold no date field: not walked into


def _collect_dates(value: object, found: list[str]) -> None:
    """Append the `date` fields in value to found, in the order of its fields and items (a plain walk, no generators:
    it runs over every page's context)."""
    if isinstance(value, tuple):
        for item in value:
            if not isinstance(item, _LEAVES):
                _collect_dates(item, found)
        return
    for name in _field_names(type(value)):
        item = getattr(value, name)
        if name == "date" and isinstance(item, str):
            found.append(item)
        elif not isinstance(item, _LEAVES):
            _collect_dates(item, found)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names; none for any other class (a class itself is a value of `type`: none)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else ()
    return names


def page(doc: str, template: str, context: Context) -> Page:
    return Page(doc, site_url(doc), template, context)


@dataclass(frozen=True)
class Kept:
    """A page not planned again: the last run planned it under the key it has now, and docs/ holds what it rendered."""

    doc: str
    template: str
    text: str | None  # as docs/ holds it, checked against what the last run recorded; None: not read (reuse.LastWrite)
    key: str
    digest: str  # of the context it was rendered from (value_digest), for the next run to compare with
    sha256: str  # of its text


Planned = Page | Kept


class Reusable(Protocol):
    """What the last run planned under keys (reuse.LastRender).

    A group of pages (a source's page with the further pages of its statements; an actor's own page;
    a further page of a long list) can be keyed: its key is the digest of every input its planning
    reads, so that an unchanged key means unchanged pages (Keys).
    """

    def take(self, key: str) -> list[Kept] | None:
        """The pages the last run planned under this key, if docs/ still holds each as it was written; else None."""


def value_digest(value: object) -> str | None:
    """The SHA-256 of a plain value (strings, numbers, tuples, frozen dataclasses of them); None if it cannot be pickled.

    Pickled without a memo, so that equal values give equal bytes however they share objects.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    try:
        pickler.dump(value)
    except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
        return None
    return hashlib.sha256(buffer.getvalue()).hexdigest()


@dataclass(frozen=True)
class File:
    doc: str
    data: bytes


def text_file(doc: str, text: str) -> File:
    return File(doc, text.encode("utf-8"))


class PathClash(ValueError):
    """Two outputs would be written to one place."""


def check_outputs(pages: Iterable[tuple[str, str]], files: Iterable[File]) -> None:
    """Refuse two outputs at one place: the same docs path, or the same file in site/ (actors/x.md is /actors/x/index.html).

    pages: each page's docs path and template."""
    seen: dict[str, tuple[str, str]] = {}  # published file -> (docs path, what)
    outputs = [(doc, f"the page docs/{doc} ({template})") for doc, template in pages]
    outputs += [(f.doc, f"the file docs/{f.doc}") for f in files]
    for doc, what in outputs:
        place = published_file(doc)
        if place in seen:
            first_doc, first = seen[place]
            where = f"written to docs/{doc}" if first_doc == doc else f"published at /{published_url(doc)}"
            raise PathClash(f"two outputs would be {where}: {first} and {what}")
        seen[place] = (doc, what)


# -- links and list items --------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    label: str  # plain text: the template escapes it
    href: str  # relative to the page it stands on, with its #anchor; '' for the page itself


@dataclass(frozen=True)
class Links:
    """Links from one page (a docs path) to others."""

    page: str

    def to(self, doc: str, label: str, anchor: str = "") -> Link:
        target = relative(self.page, doc) if doc != self.page else ""
        return Link(label, f"{target}#{anchor}" if anchor else target)

    def actor(self, a: Actor) -> Link:
        return self.to(doc_path("actor", a.id), a.name)

    def actors(self, actors: Iterable[Actor]) -> tuple[Link, ...]:
        return tuple(self.actor(a) for a in actors)

    def agreement(self, a: Agreement) -> Link:
        return self.to(doc_path("agreement", a.id), a.title)

    def agreements(self, agreements: Iterable[Agreement]) -> tuple[Link, ...]:
        return tuple(self.agreement(a) for a in agreements)

    def demand(self, d: Demand) -> Link:
        return self.to(doc_path("demand", d.id), d.title)

    def demands(self, demands: Iterable[Demand]) -> tuple[Link, ...]:
        return tuple(self.demand(d) for d in demands)

    def source(self, s: Source) -> Link:
        return self.to(doc_path("source", s.id), s.title)

    def said(self, s: Said, label: str) -> Link:
        """A link to a statement's anchor on its source's page."""
        return self.to(doc_path("source", s.source.id), label, s.statement.id)


@dataclass(frozen=True)
class Counted:
    """A linked record with a number: an agreement and how often an actor invoked it, a year and its sources."""

    link: Link
    n: int


@dataclass(frozen=True)
class SaidItem:
    date: str
    speaker: Link
    occasion: str | None
    quote: str
    reported: bool
    source: Link  # to the statement on its source's page
    also: tuple[Link, ...] = ()  # to the same passage in other sources


@dataclass(frozen=True)
class PositionItem:
    date: str
    speaker: Link
    occasion: str | None
    role: str  # made | supported | rejected
    quote: str
    reported: bool
    source: Link
    also: tuple[Link, ...] = ()


@dataclass(frozen=True)
class SourceItem:
    date: str
    source: Link
    publisher: str | None


def said_item(links: Links, said: Said) -> SaidItem:
    st = said.statement
    source = links.said(said, f"in {said.source.title}")
    return SaidItem(st.date, links.actor(said.speaker), st.occasion, st.quote, st.reported, source, also_links(links, said))


def position_item(links: Links, position: Position) -> PositionItem:
    said, st = position.said, position.said.statement
    source = links.said(said, f"in {said.source.title}")
    return PositionItem(
        st.date, links.actor(said.speaker), st.occasion, position.role, st.quote, st.reported, source, also_links(links, said)
    )


def also_links(links: Links, said: Said) -> tuple[Link, ...]:
    """Links to the same passage, for the same speaker, in the other sources that carry it."""
    return tuple(links.said(other, other.source.title) for other in said.also)


def source_item(links: Links, source: Source) -> SourceItem:
    return SourceItem(source.date, links.source(source), source.publisher)


# -- counts and dates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """What the archive holds on a record, counted as a reader counts: statements, who spoke, in how many sources, when."""

    statements: int
    speakers: int
    sources: int
    first: str | None  # the date of the first statement
    last: str | None


def tally(said: list[Said]) -> Tally:
    """The counts of some statements: each statement once, however many passages or roles an editor gave it."""
    unique = list({(s.source.id, s.statement.id): s for s in said}.values())
    dates = sorted((s.statement.date for s in unique), key=parse_date)
    return Tally(
        len(unique),
        len({s.speaker.id for s in unique}),
        len({s.source.id for s in unique}),
        dates[0] if dates else None,
        dates[-1] if dates else None,
    )


def as_of(graph: Graph, kind: str, record_id: str, said: list[Said]) -> str | None:
    """The date of the latest source in the archive that bears on a record: one that mentions it or holds a statement on it."""
    dates = [s.date for s in graph.sources_of.get(f"{kind}:{record_id}", [])] + [s.source.date for s in said]
    return max(dates, key=parse_date) if dates else None


# -- long lists ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paged(Generic[T]):
    """One page of a long list: its items and the links to every page of the list."""

    items: tuple[T, ...]
    number: int
    count: int
    total: int
    pages: tuple[Link, ...]  # first to last, labelled 1, 2, ...


def paginate(
    items: Sequence[X], first_doc: str, list_name: str, item: Callable[[Links, X], T], size: int = PAGE_SIZE
) -> list[tuple[str, Paged[T]]]:
    """Split items into pages, as (docs path, page): the first at first_doc, the others at continuation_doc."""
    docs = _list_docs(len(items), first_doc, list_name, size)
    return [(doc, _pager(items, docs, n, item, size)) for n, doc in enumerate(docs, 1)]


def _list_docs(total: int, first_doc: str, list_name: str, size: int) -> list[str]:
    count = max(1, -(-total // size))
    return [first_doc, *(continuation_doc(first_doc, n, list_name) for n in range(2, count + 1))]


def _pager(items: Sequence[X], docs: list[str], n: int, item: Callable[[Links, X], T], size: int) -> Paged[T]:
    """Page n (from 1) of a list whose pages are at docs."""
    links = Links(docs[n - 1])
    chunk = tuple(item(links, x) for x in items[(n - 1) * size : n * size])
    return Paged(chunk, n, len(docs), len(items), tuple(links.to(d, str(i)) for i, d in enumerate(docs, 1)))


@dataclass(frozen=True)
class ListingPage(Context, Generic[T]):
    """A further page of a long list."""

    title: str
    parent: str  # the href of the list's first page
    kind: str  # said | position | source: how its items are shown
    pager: Paged[T]


@dataclass(frozen=True)
class LongList(Generic[X, T]):
    """A list that may run over several pages: its first page stands in the page at first_doc, its further pages
    are pages of their own (ListingPage)."""

    items: Sequence[X]
    first_doc: str
    name: str  # its further pages' folder (continuation_doc)
    item: Callable[[Links, X], T]  # how each item is shown
    kind: str  # said | position | source: how a further page shows the items
    title: str  # of its further pages

    def continued(self, keys: Keys | None = None) -> tuple[Paged[T], list[Planned]]:
        """Its first page (for the page at first_doc to show) and its further pages."""
        size = PAGE_SIZE
        docs = _list_docs(len(self.items), self.first_doc, self.name, size)
        return _pager(self.items, docs, 1, self.item, size), self._further(docs, size, keys)

    def further(self, keys: Keys | None = None) -> list[Planned]:
        """Its further pages; keys: one whose key (Keys.listing) is the last run's is kept, not planned again."""
        size = PAGE_SIZE
        return self._further(_list_docs(len(self.items), self.first_doc, self.name, size), size, keys)

    def _further(self, docs: list[str], size: int, keys: Keys | None) -> list[Planned]:
        pages: list[Planned] = []
        for n, doc in enumerate(docs[1:], 2):
            chunk = self.items[(n - 1) * size : n * size]
            key = keys.listing(self, chunk, docs, n) if keys else None
            kept = keys.take(key) if keys else None
            if kept is not None:
                pages += kept
                continue
            context = ListingPage(
                self.title, relative(doc, self.first_doc), self.kind, _pager(self.items, docs, n, self.item, size)
            )
            pages.append(Page(doc, site_url(doc), LISTING, context, key=key or ""))
        return pages


LISTING = "listing.md.j2"


@dataclass(frozen=True)
class Keys:
    """What keys this run's pages: the pages the last run planned under keys, and each source's key.

    A source's key (record_pages.source_key) is the digest of every input of its pages, which hold
    everything a list shows of one of its statements (said_item, position_item) or of it (source_item):
    so an item's inputs are its source's key, with the statement's id (and a position's role).
    """

    last: Reusable
    sources: Mapping[str, str | None]  # source id -> its key (None: it could not be digested)
    names: str  # the digest of every record's name or title (record_pages._names_digest)

    def take(self, key: str | None) -> list[Kept] | None:
        """The pages the last run planned under key (Reusable.take); None for a page that has no key."""
        return self.last.take(key) if key else None

    def listing(self, long: LongList[Any, Any], chunk: Sequence[object], docs: list[str], n: int) -> str | None:
        """The key of page n of a long list (a ListingPage at docs[n - 1], showing chunk): the digest of all it
        shows, with its items as their inputs; None when an item's source has no key."""
        inputs = tuple(self._inputs(x) for x in chunk)
        maker = (getattr(long.item, "__module__", None), getattr(long.item, "__qualname__", None))
        if any(x is None for x in inputs) or None in maker:  # a partial or other callable without a name is not keyed
            return None
        return value_digest((LISTING, *maker, long.kind, long.title, tuple(docs), n, len(long.items), inputs))

    def _inputs(self, x: object) -> tuple[str, ...] | None:
        if isinstance(x, Position):
            said = self._inputs(x.said)
            return None if said is None else (x.role, *said)
        if isinstance(x, Said):
            key = self.sources.get(x.source.id)
            return None if key is None else (key, x.statement.id)
        if isinstance(x, Source):
            key = self.sources.get(x.id)
            return None if key is None else (key,)
        return None
