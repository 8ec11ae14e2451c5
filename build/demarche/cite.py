"""Citations: how to cite a source and each of its statements, in a common style and as BibTeX.

The common style gives, in this order: the author (or, failing one, the publisher), the title
in quotation marks, the publisher, the date, whether the text is a translation, the archive
page's URL, and where the original can be read (or that the archive records no address for it);
a statement's citation ends with the archive's note on it, when it has one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from demarche.text import human_date
from demarche.urls import SiteInfo, citation_doc, doc_path, permalink

if TYPE_CHECKING:
    from demarche.link import Graph
    from demarche.plan import Link, Links
    from demarche.records import Actor, Source, Statement

_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_TEX_PATTERN = re.compile("|".join(re.escape(ch) for ch in _TEX_SPECIAL))


@dataclass(frozen=True)
class Citation:
    text: str
    bibtex: str
    statements: Mapping[str, str] = field(default_factory=dict)  # statement id -> how to cite it


def source_citation(source: Source, graph: Graph, site: SiteInfo) -> Citation:
    """The citation of a source and of each of its statements."""
    url = permalink(site, doc_path("source", source.id))
    work, access = _work(source, graph), _access(source)  # the same in the citation of each statement
    text = f"{work}. {site.name} archive, {url}. {access}"
    statements = {st.id: statement_citation(st, source, graph, site, (work, access)) for st in source.statements}
    return Citation(text, _bibtex(source, graph, url), statements)


def downloads(links: Links, source: Source) -> tuple[Link, ...]:
    """Links to a source's citation files, from its page."""
    return (
        links.to(citation_doc(source.id, "ris"), "RIS (Zotero, EndNote, Mendeley)"),
        links.to(citation_doc(source.id, "bib"), "BibTeX"),
    )


def source_bibtex(source: Source, graph: Graph, site: SiteInfo) -> str:
    """The BibTeX entry of a source alone (its .bib file)."""
    return _bibtex(source, graph, permalink(site, doc_path("source", source.id)))


def statement_citation(
    statement: Statement, source: Source, graph: Graph, site: SiteInfo, work: tuple[str, str] | None = None
) -> str:
    """What the statement is and who made it, when and where; then where it was reported, and how.

    "Statement by Sergei Lavrov, 2 December 2021, OSCE Ministerial Council, quoted in <the source>":
    a paraphrase says so ("as paraphrased in"), so no reader takes the source's words for the speaker's.
    work: the source's work and access, when the caller has them already.
    """
    said = ", ".join(p for p in (graph.actors[statement.speaker].name, human_date(statement.date), statement.occasion) if p)
    verb = "as paraphrased in" if statement.reported else "quoted in"
    url = permalink(site, doc_path("source", source.id), statement.id)
    cited, access = work or (_work(source, graph), _access(source))
    note = f" Archive's note: {statement.note}" if statement.note else ""
    return f"Statement by {said}, {verb} {cited}. {site.name} archive, {url}. {access}{note}"


def _creator(source: Source, graph: Graph) -> str:
    names = [graph.actors[a].name for a in source.authors]
    if names:
        return " and ".join(names) if len(names) <= 2 else f"{names[0]} et al."
    return source.publisher or ""


def _work(source: Source, graph: Graph) -> str:
    """Author or publisher, “title”, publisher (when there is an author), date, translation."""
    parts = [_creator(source, graph), f"“{_inner_quotes(source.title)}”"]
    if source.publisher and source.authors:
        parts.append(source.publisher)
    parts.append(human_date(source.date))
    if source.original_language:
        parts.append(f"translated from the original ({source.original_language}){_by_translator(source, graph)}")
    return ", ".join(p for p in parts if p)


def _by_translator(source: Source, graph: Graph) -> str:
    """' by <name>' when the source names its translator's actor record, else ''."""
    actor = graph.actors.get(source.translator or "")
    return f" by {actor.name}" if actor else ""


def _inner_quotes(title: str) -> str:
    """Double quotation marks within a quoted title become single ones: “a ‘b’ c”."""
    out: list[str] = []
    opening = True
    for ch in title:
        if ch == '"':
            ch = "‘" if opening else "’"
            opening = not opening
        out.append({"“": "‘", "”": "’"}.get(ch, ch))
    return "".join(out)


def _access(source: Source) -> str:
    if source.url and source.archive_url:
        return f"Original: {source.url} (archived copy: {source.archive_url})."
    if source.url:
        return f"Original: {source.url}."
    if source.archive_url:
        return f"No address of the original recorded; archived copy: {source.archive_url}."
    return "No address of the original recorded."


def _tex(text: str) -> str:
    """Text for a BibTeX field: TeX's special characters escaped, white space folded."""
    return _TEX_PATTERN.sub(lambda m: _TEX_SPECIAL[m.group()], " ".join(text.split()))


def _bib_url(url: str) -> str:
    """A URL for BibTeX's verbatim `url` field, where only braces could break the entry."""
    return url.replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def _bib_name(actor: Actor) -> str:
    """An author for BibTeX; braces keep an organisation's name (or an odd one) from being split into first and last."""
    name = _tex(actor.name)
    return name if actor.kind == "person" and "," not in name and " and " not in name else f"{{{name}}}"


def source_notes(source: Source) -> list[str]:
    """What a reference manager keeps as notes: whether the text is a translation, where the original and a copy are."""
    parts = []
    if source.original_language:
        parts.append(f"Translated from the original ({source.original_language})")
    if source.url:
        parts.append(f"Original: {source.url}")
    if source.archive_url:
        parts.append(f"Archived copy: {source.archive_url}")
    return parts


def _bib_note(source: Source) -> str:
    """The notes as plain escaped text: a \\url{} inside `note` breaks on % or #."""
    parts = source_notes(source)
    return _tex(". ".join(parts) + ".") if parts else ""


def _bibtex(source: Source, graph: Graph, url: str) -> str:
    """A BibLaTeX entry: @article for a newspaper or journal article, @online for any other text."""
    article = source.kind == "article" and bool(source.publisher)
    fields = [("title", f"{{{_tex(source.title)}}}")]
    if source.authors:
        fields.append(("author", " and ".join(_bib_name(graph.actors[a]) for a in source.authors)))
    if source.publisher:
        fields.append(("journal" if article else "organization", _tex(source.publisher)))
    fields.append(("date", source.date))
    if source.original_language:
        fields.append(("origlanguage", source.original_language))
    if source.translator in graph.actors:
        fields.append(("translator", _bib_name(graph.actors[source.translator])))
    fields.append(("url", _bib_url(url)))
    note = _bib_note(source)
    if note:
        fields.append(("note", note))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{'article' if article else 'online'}{{{source.id},\n{body}\n}}"
