"""The front-matter schema of every record kind, in one place.

Validation (validate.py, which also builds the records of records.py from these fields), the flags
of `demarche new` (scaffold.py), the contributors' field reference (the generated page
reference/fields.md, schema_doc.py) and the JSON Schema of the open data (opendata.py) are all driven
by these declarations, so they cannot drift apart. tests/test_schema_records.py checks every field
against its record class.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE_KINDS = (
    "article",
    "statement",
    "speech",
    "transcript",
    "readout",
    "interview",
    "press-conference",
    "draft",
    "declaration",
    "letter",
    "other",
)
ACTOR_KINDS = ("person", "state", "organization", "body", "media")
AGREEMENT_KINDS = (
    "treaty",
    "agreement",
    "declaration",
    "charter",
    "decision",
    "memorandum",
    "assurance",
    "other",
)
AGREEMENT_STATUSES = ("in force", "expired", "withdrawn", "disputed", "not signed")
DEMAND_STATUSES = ("open", "met", "rejected", "withdrawn", "superseded")


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # text | string | id | ids | strings | date | url | bool | enum | slug | wikidata | language | roles | statements
    doc: str
    required: bool = False
    ref: str = ""  # the record kind an id or ids field refers to
    choices: tuple[str, ...] = ()
    example: str = ""
    lines: bool = False  # True when it may hold line breaks; every other field is one line of visible text
    attr: str = ""  # its attribute in the record class when the key cannot be one (`from`); default: the key
    words: tuple[str, ...] = ()  # words an id field also takes, standing for no record (`translator: unknown`)

    def __post_init__(self) -> None:
        if not self.attr:
            object.__setattr__(self, "attr", self.name)


ROLE_FIELDS = (
    Field("title", "text", "The office or position.", required=True, example="Minister of Foreign Affairs"),
    Field("of", "id", "The actor the role is held in.", ref="actor", example="russia"),
    Field("from", "date", "When the role began.", example="2004-03-09", attr="start"),  # `from` is a Python keyword
    Field("until", "date", "When the role ended; leave out while it lasts."),
)

STATEMENT_FIELDS = (
    Field("speaker", "id", "Who said it.", required=True, ref="actor", example="sergei-lavrov"),
    Field(
        "quote",
        "text",
        "A passage that stands in the body, as published.",
        required=True,
        example='"The OSCE is in a depressing state"',
        lines=True,
    ),
    Field("date", "date", "When it was said; default the source's date.", example="2021-12-02"),
    Field("occasion", "text", "Where or at what it was said.", example="OSCE Ministerial Council, Stockholm"),
    Field("reported", "bool", "true when the passage is the source's paraphrase, not the speaker's own words."),
    Field("about", "ids", "Actors the statement addresses or concerns.", ref="actor", example="[nato, ukraine]"),
    Field("makes", "ids", "Demands it makes or repeats.", ref="demand", example="[legally-binding-security-guarantees]"),
    Field("supports", "ids", "Demands it backs.", ref="demand"),
    Field("rejects", "ids", "Demands it refuses.", ref="demand"),
    Field("cites", "ids", "Agreements it invokes.", ref="agreement", example="[bucharest-summit-declaration-2008]"),
    Field(
        "id",
        "slug",
        "A stable anchor; derived from the speaker and the quote when absent.",
        example="lavrov-osce-depressing-state",
    ),
    Field(
        "note",
        "text",
        "An editorial note: what the text does not say (where an occasion or a date is known from, why the passage is "
        "attributed as it is, what a marker in the text means). Shown under the statement and in its citation.",
        example="Said at the plenary.",
        lines=True,
    ),
    Field(
        "same_as",
        "slug",
        "The id of another statement of this source that reports the same remark (a lead that repeats the body): "
        "the remark is shown and counted once, with the stances and citations of both.",
        example="lavrov-osce-nightmarish-scenario",
    ),
)

SOURCE_FIELDS = (
    Field("title", "text", "The title as published.", required=True),
    Field("date", "date", "Publication date.", required=True, example="2021-12-04"),
    Field("kind", "enum", "What sort of text it is.", required=True, choices=SOURCE_KINDS, example="article"),
    Field("publisher", "text", "Who published it.", example="Kommersant"),
    Field("authors", "ids", "Its authors.", ref="actor", example="[elena-chernenko]"),
    Field("place", "text", "Where it was written or said.", example="Stockholm"),
    Field("language", "language", "The language of this text; default en.", example="en"),
    Field("original_language", "language", "Set when this text is a translation: the original's language.", example="ru"),
    Field(
        "translator",
        "id",
        "Who translated it: an actor id, or the word unknown when the translation names no translator.",
        ref="actor",
        example="unknown",
        words=("unknown",),
    ),
    Field("url", "url", "Where it was published (http or https)."),
    Field("archive_url", "url", "A snapshot of it in a web archive."),
    Field("summary", "text", "One neutral sentence.", lines=True),
    Field("actors", "ids", "Actors mentioned but not found by their names in the text.", ref="actor", example="[osce]"),
    Field("agreements", "ids", "Agreements the text is about.", ref="agreement", example="[minsk-agreements]"),
    Field("demands", "ids", "Demands the text is about.", ref="demand"),
    Field("statements", "statements", "The quoted passages, each attributed to its speaker (see below)."),
    Field("former_ids", "slugs", "Ids this source had before; their URLs keep working."),
)

ACTOR_FIELDS = (
    Field("name", "text", "The name most used in English.", required=True, example="Sergei Lavrov"),
    Field("kind", "enum", "What sort of actor.", required=True, choices=ACTOR_KINDS, example="person"),
    Field(
        "aliases",
        "strings",
        "Other names used in texts; each is looked for in every source.",
        example="[Sergey Lavrov, Lavrov, Сергей Лавров]",
    ),
    Field("roles", "roles", "Offices held (see below)."),
    Field("part_of", "id", "The actor it belongs to (a ministry of a state).", ref="actor", example="russia"),
    Field("members", "ids", "Members (of an alliance or organisation).", ref="actor"),
    Field("wikidata", "wikidata", "Its Wikidata item.", example="Q150851"),
    Field("former_ids", "slugs", "Ids this record had before; their URLs keep working."),
)

AGREEMENT_FIELDS = (
    Field("title", "text", "The agreement's usual title.", required=True, example="Bucharest Summit Declaration"),
    Field("kind", "enum", "What sort of agreement.", required=True, choices=AGREEMENT_KINDS, example="declaration"),
    Field("date", "date", "Signed or adopted.", example="2008-04-03"),
    Field("parties", "ids", "Its parties.", ref="actor", example="[nato]"),
    Field("aliases", "strings", "Other names used in texts.", example="[Bucharest decision]"),
    Field("url", "url", "Its official text."),
    Field("status", "enum", "Its standing.", choices=AGREEMENT_STATUSES, example="in force"),
    Field("former_ids", "slugs", "Ids this record had before; their URLs keep working."),
)

DEMAND_FIELDS = (
    Field("title", "text", "What is demanded, in a few words.", required=True, example="No further NATO enlargement to the east"),
    Field("by", "ids", "Actors that make the demand.", required=True, ref="actor", example="[russia]"),
    Field("of", "ids", "Actors it is addressed to.", required=True, ref="actor", example="[nato, united-states]"),
    Field("status", "enum", "Where it stands.", choices=DEMAND_STATUSES, example="open"),
    Field("agreements", "ids", "Related agreements.", ref="agreement"),
    Field("related", "ids", "Related demands.", ref="demand"),
    Field("former_ids", "slugs", "Ids this record had before; their URLs keep working."),
)


@dataclass(frozen=True)
class Kind:
    name: str  # actor | agreement | demand | source
    folder: str  # under sources/ and under docs/
    fields: tuple[Field, ...]
    body: str  # what the body holds
    named_by: str = "title"  # the field that names a record: `demarche new` makes its id from it


KINDS = {
    "source": Kind("source", "texts", SOURCE_FIELDS, "The text as published, in Markdown."),
    "actor": Kind("actor", "actors", ACTOR_FIELDS, "A short neutral description.", named_by="name"),
    "agreement": Kind("agreement", "agreements", AGREEMENT_FIELDS, "What it is and what it says, neutrally."),
    "demand": Kind("demand", "demands", DEMAND_FIELDS, "What is demanded, neutrally, in the archive's own words."),
}
NESTED = {"roles": ROLE_FIELDS, "statements": STATEMENT_FIELDS}
# What `demarche new` writes where only the contributor knows what goes; `check` refuses it.
PLACEHOLDER = "REPLACE THIS LINE with"

ID_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
ID_MAX = 80
# Names no record can take: the build writes another page there, in the record's folder of docs/.
# tests/test_hostile_text.py renders a whole archive and checks that this covers every such page.
_LISTS_THEM = "docs/{folder}/index.md is the page that lists them all"
RESERVED_IDS = {
    "source": {"index": _LISTS_THEM, "by-year": "docs/{folder}/by-year/ holds the pages of each year"},
    "actor": {"index": _LISTS_THEM},
    "agreement": {"index": _LISTS_THEM},
    "demand": {"index": _LISTS_THEM},
}
# The anchors of a source's page itself: its headings (templates/source.md.j2, as MkDocs' toc writes their ids).
# A statement's anchor cannot be one of them, nor the anchor of the page's title; tests/test_hostile_text.py
# builds a source page and checks that every id on it is one of these, a statement's, or the theme's own.
SOURCE_PAGE_ANCHORS = {"statements": "Statements", "mentions": "Mentions", "text": "Text", "how-to-cite": "How to cite"}
# Every id the header's search box gives a page starts with this: dm-search-input, -panel, -meta, -results and
# -more (overrides/partials/search.html), and dm-search-result-<n> for each result (docs/assets/search.js).
# A statement's anchor cannot; the same test checks that the source page holds no other id.
SEARCH_BOX_ID_PREFIX = "dm-search-"
MAX_FILE_BYTES = 2_000_000
