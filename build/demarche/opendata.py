"""Open data: the whole archive as JSON (with its JSON Schema) and the statements as CSV.

The JSON Schema is derived from the front-matter schema (schema.py), so the published data, its
schema and the contributors' field reference cannot drift apart. Every record carries its id and
the permanent URL of its page (`permalink`); every field of the front matter is present, `null` or
`[]` when not set. The files are fully determined by the archive (no timestamps), so an unchanged
archive gives byte-identical files.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from demarche.link import Graph, Said
from demarche.memo import FileMemo, remembered
from demarche.plan import File, text_file
from demarche.records import Actor, Agreement, Demand, Source, Statement
from demarche.schema import ID_MAX, ID_PATTERN, KINDS, NESTED, Field
from demarche.urls import ARCHIVE_DATA, ARCHIVE_SCHEMA, STATEMENTS_DATA, SiteInfo, doc_path, file_url, permalink

FORMAT = "demarche-archive/1"
LIST_SEPARATOR = "; "
CSV_COLUMNS = (
    "date",
    "speaker",
    "speaker_name",
    "quote",
    "reported",
    "occasion",
    "about",
    "makes",
    "supports",
    "rejects",
    "cites",
    "source",
    "source_title",
    "source_date",
    "publisher",
    "statement",
    "permalink",
    "note",
    "same_as",
    "also_in",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def open_data_files(graph: Graph, site: SiteInfo, memo: FileMemo | None = None) -> list[File]:
    """The files; memo keeps each source's part of the archive's JSON with its file (see _source_json)."""
    return [
        text_file(ARCHIVE_DATA, archive_json(graph, site, memo)),
        text_file(ARCHIVE_SCHEMA, _dump(json_schema(site), compact=False)),
        text_file(STATEMENTS_DATA, statements_csv(graph, site, memo)),
    ]


def _dump(data: Any, compact: bool) -> str:
    if compact:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# -- the data --------------------------------------------------------------------------------------


def archive_data(graph: Graph, site: SiteInfo) -> dict[str, Any]:
    """Every record, statement and link of the archive, in the shape json_schema describes."""
    sources = [_source(graph, site, s) for s in _sources_in_order(graph)]
    return {**_head(site), "sources": sources, **_other_records(graph, site)}


def archive_json(graph: Graph, site: SiteInfo, memo: FileMemo | None) -> str:
    """archive_data as compact JSON (one line), each source's part taken from the memo when its inputs are unchanged.

    Compact JSON of a mapping is its members' JSON joined: the parts are put together as json.dumps would.
    """
    sources = ",".join(_source_json(graph, site, s, memo) for s in _sources_in_order(graph))
    head, others = _dump(_head(site), compact=True).rstrip("\n"), _dump(_other_records(graph, site), compact=True).rstrip("\n")
    return f'{head[:-1]},"sources":[{sources}],{others[1:]}\n'


def _head(site: SiteInfo) -> dict[str, Any]:
    return {"format": FORMAT, "site": {"name": site.name, "url": site.url or None}}


def _sources_in_order(graph: Graph) -> list[Source]:
    return sorted(graph.archive.sources, key=lambda s: (s.date, s.id))


def _other_records(graph: Graph, site: SiteInfo) -> dict[str, Any]:
    return {
        "actors": [_record(site, "actor", a) for a in sorted(graph.archive.actors, key=lambda a: a.id)],
        "agreements": [_record(site, "agreement", a) for a in sorted(graph.archive.agreements, key=lambda a: a.id)],
        "demands": [_record(site, "demand", d) for d in sorted(graph.archive.demands, key=lambda d: d.id)],
    }


def _source_json(graph: Graph, site: SiteInfo, source: Source, memo: FileMemo | None) -> str:
    """A source's part of the archive's JSON. All of it but its text is kept with its file (whose record it is)
    under the digest of what else it shows: the site's address, the other reports of its statements, its mentions."""
    also = tuple((said.statement.id, tuple(o.key for o in said.also)) for said in graph.in_source.get(source.id, []))
    found = graph.mentions[source.id]
    mentions = tuple(tuple(r.id for r in records) for records in (found.actors, found.agreements, found.demands))
    without_text: str = remembered(
        memo,
        source.path,
        "data",
        (site.url, also, mentions),
        lambda: _dump({k: v for k, v in _source(graph, site, source).items() if k != "text"}, compact=True).rstrip("\n"),
        lambda kept: isinstance(kept, str) and kept.endswith("}"),
    )
    text = _dump({"text": source.body}, compact=True).rstrip("\n")
    return f"{without_text[:-1]},{text[1:]}"


def _fields(fields: tuple[Field, ...], record: object) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in fields:
        value = getattr(record, field.attr)
        if field.type in NESTED:
            out[field.name] = [_fields(NESTED[field.type], item) for item in value]
        else:
            out[field.name] = list(value) if isinstance(value, tuple) else value
    return out


def _record(site: SiteInfo, kind: str, record: Actor | Agreement | Demand) -> dict[str, Any]:
    fields = _fields(KINDS[kind].fields, record)
    return {"id": record.id, "permalink": permalink(site, doc_path(kind, record.id)), **fields, "description": record.body}


def _source(graph: Graph, site: SiteInfo, source: Source) -> dict[str, Any]:
    fields = _fields(KINDS["source"].fields, source)
    also = {said.statement.id: said.also for said in graph.in_source.get(source.id, [])}
    fields["statements"] = [_statement(site, source, st, also.get(st.id, ())) for st in source.statements]
    found = graph.mentions[source.id]
    mentions = {
        "actors": [a.id for a in found.actors],
        "agreements": [a.id for a in found.agreements],
        "demands": [d.id for d in found.demands],
    }
    url = permalink(site, doc_path("source", source.id))
    return {"id": source.id, "permalink": url, **fields, "mentions": mentions, "text": source.body}


def _statement(site: SiteInfo, source: Source, statement: Statement, also: tuple[Said, ...]) -> dict[str, Any]:
    fields = _fields(NESTED["statements"], statement)
    url = permalink(site, doc_path("source", source.id), statement.id)
    return {**fields, "permalink": url, "also_in": [_other(site, other) for other in also]}


def _other(site: SiteInfo, said: Said) -> dict[str, str]:
    """Where another source carries the same passage for the same speaker."""
    url = permalink(site, doc_path("source", said.source.id), said.statement.id)
    return {"source": said.source.id, "statement": said.statement.id, "permalink": url}


ALSO_IN = {
    "type": "array",
    "description": "The same passage, for the same speaker, in other sources (after the normalisation quotes are matched with).",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["source", "statement", "permalink"],
        "properties": {
            "source": {"$ref": "#/$defs/id"},
            "statement": {"$ref": "#/$defs/id"},
            "permalink": {"$ref": "#/$defs/permalink"},
        },
    },
}


# -- its JSON Schema -----------------------------------------------------------------------------

DEFS: dict[str, Any] = {
    "id": {"type": "string", "pattern": f"^{ID_PATTERN}$", "maxLength": ID_MAX, "description": "A record's id."},
    "date": {
        "type": "string",
        "pattern": r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$",
        "description": "A date: YYYY-MM-DD, YYYY-MM or YYYY.",
    },
    "ids": {"type": "array", "items": {"$ref": "#/$defs/id"}},
    "permalink": {"type": "string", "description": "The permanent address of its page in the archive."},
}
_TYPES: dict[str, dict[str, Any]] = {
    "text": {"type": "string"},
    "string": {"type": "string"},
    "language": {"type": "string"},
    "url": {"type": "string", "pattern": "^https?://"},
    "wikidata": {"type": "string", "pattern": "^Q[0-9]+$"},
    "bool": {"type": "boolean"},
    "id": {"$ref": "#/$defs/id"},
    "slug": {"$ref": "#/$defs/id"},
    "date": {"$ref": "#/$defs/date"},
    "ids": {"$ref": "#/$defs/ids"},
    "slugs": {"$ref": "#/$defs/ids"},
    "strings": {"type": "array", "items": {"type": "string"}},
}
NEVER_NULL = {"bool", "ids", "slugs", "strings"}  # a flag or a list: false or [] when not set
FILLED_IN = {"source": {"language"}, "statements": {"date", "id"}}  # optional in front matter; the build fills them in


def _property(field: Field, filled: set[str]) -> dict[str, Any]:
    doc = {"description": field.doc}
    if field.type in NESTED:
        return {"type": "array", "items": _object(NESTED[field.type], {}, FILLED_IN.get(field.type, set())), **doc}
    if field.type == "enum":
        choices: list[Any] = list(field.choices) + ([] if field.required else [None])
        return {"enum": choices, **doc}
    schema = _TYPES[field.type]
    if field.required or field.name in filled or field.type in NEVER_NULL:
        return {**schema, **doc}
    return {"anyOf": [schema, {"type": "null"}], **doc}


def _object(fields: tuple[Field, ...], extra: dict[str, Any], filled: set[str] | None = None) -> dict[str, Any]:
    properties = {f.name: _property(f, filled or set()) for f in fields} | extra
    return {"type": "object", "additionalProperties": False, "required": list(properties), "properties": properties}


def _kind_schema(kind: str, extra: dict[str, Any]) -> dict[str, Any]:
    head = {"id": {"$ref": "#/$defs/id"}, "permalink": {"$ref": "#/$defs/permalink"}}
    schema = _object(KINDS[kind].fields, extra, FILLED_IN.get(kind, set()))
    schema["properties"] = head | schema["properties"]
    schema["required"] = list(schema["properties"])
    schema["description"] = f"One {kind} record: the front matter of sources/{KINDS[kind].folder}/<id>.md and more."
    return schema


def json_schema(site: SiteInfo) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of archive.json."""
    statement = _object(
        NESTED["statements"], {"permalink": {"$ref": "#/$defs/permalink"}, "also_in": ALSO_IN}, FILLED_IN["statements"]
    )
    text = {"type": "string", "description": KINDS["source"].body}
    mentions = _object((), {k: {"$ref": "#/$defs/ids"} for k in ("actors", "agreements", "demands")})
    mentions["description"] = "Every actor, agreement and demand the source names or its statements refer to, found by the build."
    source = _kind_schema("source", {"mentions": mentions, "text": text})
    source["properties"]["statements"]["items"] = statement
    defs = dict(DEFS, source=source)
    for kind in ("actor", "agreement", "demand"):
        defs[kind] = _kind_schema(kind, {"description": {"type": "string", "description": KINDS[kind].body}})
    top = {
        "format": {"const": FORMAT, "description": "The name and version of this format."},
        "site": _object((), {"name": {"type": "string"}, "url": {"type": ["string", "null"]}}),
        **{
            f"{kind}s": {"type": "array", "items": {"$ref": f"#/$defs/{kind}"}}
            for kind in ("source", "actor", "agreement", "demand")
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": file_url(site, ARCHIVE_SCHEMA),
        "title": "Demarche archive",
        "description": "Every record of a Demarche archive: sources with their statements, actors, agreements and demands.",
        **_object((), top),
        "$defs": defs,
    }


# -- the statements as CSV ------------------------------------------------------------------------


def csv_cell(value: str) -> str:
    """A text cell that a spreadsheet cannot take for a formula.

    A cell that begins with = + - @, a tab, a carriage return or an apostrophe gets one more
    apostrophe in front. Spreadsheets then show it as text; a program gets the exact text back by
    removing one leading apostrophe from any cell that starts with one.
    """
    return "'" + value if value.startswith(_FORMULA_START) else value


def statements_csv(graph: Graph, site: SiteInfo, memo: FileMemo | None = None) -> str:
    """One statement a row, in date order, with a header row (columns: CSV_COLUMNS).

    Every statement has its row, a repeat (`same_as`) and each source's report of one passage too:
    `same_as` and `also_in` (the other reports' permalinks) let a program count each remark once.
    memo keeps the rows of each source's statements with its file (see _source_rows).
    """
    in_source: dict[str, list[Said]] = {}
    for said in graph.every:
        in_source.setdefault(said.source.id, []).append(said)
    rows = {source.id: _source_rows(site, source, in_source.get(source.id, []), memo) for source in graph.archive.sources}
    lines = [_csv_line(CSV_COLUMNS), *(rows[said.source.id][said.statement.id] for said in graph.every)]
    return "".join(lines)


def _source_rows(site: SiteInfo, source: Source, said: list[Said], memo: FileMemo | None) -> dict[str, str]:
    """The CSV line of each statement of a source, by its id. Kept with the source's file under the digest of what
    else a row shows: the site's address, each speaker's name, the other reports of each passage."""
    inputs = (site.url, tuple((s.statement.id, s.speaker.name, tuple(o.key for o in s.also)) for s in said))
    rows: dict[str, str] = remembered(
        memo,
        source.path,
        "rows",
        inputs,
        lambda: {s.statement.id: _csv_line(_statement_row(site, s)) for s in said},
        lambda kept: isinstance(kept, dict) and all(isinstance(v, str) for v in kept.values()),
    )
    return rows


def _statement_row(site: SiteInfo, said: Said) -> list[str]:
    st, source = said.statement, said.source
    row = {
        "date": st.date,
        "speaker": st.speaker,
        "speaker_name": said.speaker.name,
        "quote": st.quote,
        "reported": "true" if st.reported else "false",
        "occasion": st.occasion or "",
        "about": LIST_SEPARATOR.join(st.about),
        "makes": LIST_SEPARATOR.join(st.makes),
        "supports": LIST_SEPARATOR.join(st.supports),
        "rejects": LIST_SEPARATOR.join(st.rejects),
        "cites": LIST_SEPARATOR.join(st.cites),
        "source": source.id,
        "source_title": source.title,
        "source_date": source.date,
        "publisher": source.publisher or "",
        "statement": st.id,
        "permalink": permalink(site, doc_path("source", source.id), st.id),
        "note": st.note or "",
        "same_as": st.same_as or "",
        "also_in": LIST_SEPARATOR.join(_other(site, other)["permalink"] for other in said.also),
    }
    return [csv_cell(row[c]) for c in CSV_COLUMNS]


def _csv_line(cells: Sequence[str]) -> str:
    """One CSV row as csv.writer writes it (a row's text never depends on the rows around it)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()
