"""Plan for search: every statement as a search record of its own, beside the pages Pagefind reads from site/.

Pagefind gives filters to a whole indexed page, not to a part of it, so a source page with statements
by three speakers would match a filter on any of them. A statement indexed as its own record, at its
anchor (`/sources/<id>/#<statement>`), carries its own filters: a search narrowed by speaker, demand,
stance, year, kind of source or publisher lists statements, and a quote's words land on the statement.
The source page leaves its statements out of its own indexed text (the template marks them), so each
quote is indexed once.
"""

from __future__ import annotations

from dataclasses import dataclass

from demarche.link import Graph, Said, remark_ids
from demarche.text import human_date
from demarche.urls import doc_path, site_url

FILTERS = ("speaker", "demand", "stance", "year", "kind", "publisher")  # the /search/ page's filters, in its order
STANCES = (("makes", "made"), ("supports", "supported"), ("rejects", "rejected"))


@dataclass(frozen=True)
class SearchRecord:
    url: str  # site-root-relative with a leading slash, as Pagefind's own page URLs are
    content: str  # the words searched
    language: str  # ISO 639-1, so Pagefind stems it in its language
    meta: tuple[tuple[str, str], ...]  # shown with a result: title, source, date
    filters: tuple[tuple[str, tuple[str, ...]], ...]  # by name in FILTERS; an absent value is left out
    sort: tuple[tuple[str, str], ...]  # keys a filtered list can be sorted by: date


def statement_records(graph: Graph) -> list[SearchRecord]:
    """One record per statement, in date order: a remark repeated in its source (`same_as`) is one record, with
    the stances of both passages; the same passage in another source is a record of that source."""
    return [statement_record(graph, said) for said in graph.every if not said.statement.same_as]


def statement_record(graph: Graph, said: Said) -> SearchRecord:
    st, source = said.statement, said.source
    demands = [graph.demands[d].title for field, _ in STANCES for d in remark_ids(said, field, others=False)]
    stances = [role for field, role in STANCES if remark_ids(said, field, others=False)]
    values = {
        "speaker": (said.speaker.name,),
        "demand": tuple(dict.fromkeys(demands)),
        "stance": tuple(stances),
        "year": (st.date[:4],),
        "kind": (source.kind,),
        "publisher": (source.publisher,) if source.publisher else (),
    }
    return SearchRecord(
        url=f"/{site_url(doc_path('source', source.id))}#{st.id}",
        content=st.quote,
        language=source.language,
        meta=(
            ("title", f"{said.speaker.name}, {human_date(st.date)}"),
            ("source", source.title),
            ("reported", "yes" if st.reported else ""),
        ),
        filters=tuple((name, values[name]) for name in FILTERS if values[name]),
        sort=(("date", st.date),),
    )
