"""The archive's records: declared, typed and immutable.

Every front-matter field of the schema (schema.py) is an attribute of its record, under its key or
the `attr` the schema gives it; validate builds the records from the schema's fields, so a new field
is added to the schema and to its class here, nowhere else. tests/test_schema_records.py checks
that the two agree, field by field and type by type.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    title: str
    of: str | None = None
    start: str | None = None  # `from` in front matter
    until: str | None = None


@dataclass(frozen=True)
class Actor:
    id: str
    path: str
    name: str
    kind: str
    body: str
    aliases: tuple[str, ...] = ()
    roles: tuple[Role, ...] = ()
    part_of: str | None = None
    members: tuple[str, ...] = ()
    wikidata: str | None = None
    former_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Agreement:
    id: str
    path: str
    title: str
    kind: str
    body: str
    date: str | None = None
    parties: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    url: str | None = None
    status: str | None = None
    former_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Demand:
    id: str
    path: str
    title: str
    by: tuple[str, ...]
    of: tuple[str, ...]
    body: str
    status: str | None = None
    agreements: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    former_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Span:
    """Where a quote stands in its source's body, as character offsets."""

    start: int
    end: int


@dataclass(frozen=True)
class Statement:
    id: str
    source_id: str
    speaker: str
    quote: str
    date: str
    span: Span
    occasion: str | None = None
    reported: bool = False
    about: tuple[str, ...] = ()
    makes: tuple[str, ...] = ()
    supports: tuple[str, ...] = ()
    rejects: tuple[str, ...] = ()
    cites: tuple[str, ...] = ()
    note: str | None = None
    same_as: str | None = None  # the statement of the same source whose remark this one repeats
    line: int = 0  # the line of its quote in the source file


@dataclass(frozen=True)
class Source:
    id: str
    path: str
    title: str
    date: str
    kind: str
    body: str
    publisher: str | None = None
    authors: tuple[str, ...] = ()
    place: str | None = None
    language: str = "en"
    original_language: str | None = None
    translator: str | None = None  # an actor id, or "unknown"
    url: str | None = None
    archive_url: str | None = None
    summary: str | None = None
    actors: tuple[str, ...] = ()
    agreements: tuple[str, ...] = ()
    demands: tuple[str, ...] = ()
    statements: tuple[Statement, ...] = ()
    former_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Archive:
    """Every record, checked: what the link stage starts from."""

    sources: tuple[Source, ...]
    actors: tuple[Actor, ...]
    agreements: tuple[Agreement, ...]
    demands: tuple[Demand, ...]


# The attributes that are no field of the front matter: validate derives them (every other attribute is a field).
DERIVED: dict[type, tuple[str, ...]] = {
    Source: ("id", "path", "body"),
    Actor: ("id", "path", "body"),
    Agreement: ("id", "path", "body"),
    Demand: ("id", "path", "body"),
    Statement: ("source_id", "span", "line"),
    Role: (),
}
# Optional fields that the record always holds: validate derives a statement's id (from its speaker and quote)
# and date (its source's) when they are not written, and a source's language is en unless written.
FILLED: dict[type, tuple[str, ...]] = {Statement: ("id", "date"), Source: ("language",)}
