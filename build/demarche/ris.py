"""A source as a RIS record: the file Zotero, EndNote and Mendeley import.

RIS is one tag a line (`TI  - The title`), a record from `TY` to `ER`. A value never spans lines:
white space (line breaks included) folds to one space, so no title can end the record or start a tag.
The archive's page is the record's URL, as in the BibTeX entry; the original and its archived copy,
and whether the text is a translation, go in notes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from demarche.cite import source_notes
from demarche.urls import SiteInfo, doc_path, permalink

if TYPE_CHECKING:
    from demarche.link import Graph
    from demarche.records import Source

NEWSPAPER = "NEWS"  # an article with a publisher: Zotero's newspaper article, its publisher the publication
WEB_PAGE = "ELEC"  # any other text, read on the archive's page


def source_ris(source: Source, graph: Graph, site: SiteInfo) -> str:
    """The RIS record of a source, with CRLF line ends as the format's description asks."""
    return "".join(f"{tag}  - {_value(value)}\r\n" for tag, value in _fields(source, graph, site))


def _fields(source: Source, graph: Graph, site: SiteInfo) -> list[tuple[str, str]]:
    newspaper = source.kind == "article" and bool(source.publisher)
    fields = [("TY", NEWSPAPER if newspaper else WEB_PAGE), ("ID", source.id), ("TI", source.title)]
    fields += [("AU", graph.actors[a].name) for a in source.authors]
    fields += [("PY", source.date[:4]), ("DA", ris_date(source.date))]
    if source.publisher:
        fields.append(("T2" if newspaper else "PB", source.publisher))
    if source.place:
        fields.append(("CY", source.place))
    fields.append(("LA", source.language))
    if source.summary:
        fields.append(("AB", source.summary))
    fields += [("UR", permalink(site, doc_path("source", source.id))), ("DP", f"{site.name} archive")]
    fields += [("N1", note) for note in source_notes(source)]
    fields.append(("ER", ""))
    return fields


def ris_date(value: str) -> str:
    """RIS's DA: YYYY/MM/DD/ with empty parts for what is not known (2021-12 -> 2021/12//)."""
    parts = [*value.split("-"), "", ""][:3]
    return "/".join(parts) + "/"


def _value(text: str) -> str:
    return " ".join(text.split())
