"""Each source's citation as files to download: BibTeX (`/sources/<id>/<id>.bib`) and RIS (`.ris`), beside its page."""

from __future__ import annotations

from demarche.cite import source_bibtex
from demarche.link import Graph
from demarche.plan import File, text_file
from demarche.ris import source_ris
from demarche.urls import SiteInfo, citation_doc


def citation_files(graph: Graph, site: SiteInfo) -> list[File]:
    """Each source's files, also at the addresses of its former ids: a file cannot redirect, so it stands there too."""
    files = []
    for source in graph.archive.sources:
        bibtex, ris = source_bibtex(source, graph, site) + "\n", source_ris(source, graph, site)
        for name in (source.id, *source.former_ids):
            files += [text_file(citation_doc(name, "bib"), bibtex), text_file(citation_doc(name, "ris"), ris)]
    return files
