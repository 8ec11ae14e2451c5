"""The contributors' field reference, generated from the schema: reference/fields.md (/reference/fields/).

It is made from the same declarations the checker uses (schema.py), so it says exactly what
`make check` accepts and cannot drift from it.
"""

from __future__ import annotations

import json

from demarche.plan import File, text_file
from demarche.schema import ID_MAX, KINDS, NESTED, Field, Kind
from demarche.text import attr, md
from demarche.urls import FIELD_REFERENCE, relative

TITLE = "Field reference"
_KIND_TITLES = {"source": "Source texts", "actor": "Actors", "agreement": "Agreements", "demand": "Demands"}
_NESTED_TITLES = {"roles": "Each role", "statements": "Each statement"}
_VALUES = {
    "text": "text",
    "string": "text",
    "date": "a date",
    "url": "an http or https address",
    "bool": "true or false",
    "slug": "an id",
    "slugs": "a list of ids",
    "strings": "a list of texts",
    "wikidata": "a Wikidata item id (Q…)",
    "language": "a language code (en, ru, uk…)",
}
_CONTRIBUTING = relative(FIELD_REFERENCE, "contributing.md")  # a hand-written page
_INTRO = f"""\
Every field a record may hold, for each kind of record. This page is made from the schema that
`make check` uses, so it says exactly what the check accepts. [Contributing]({_CONTRIBUTING})
walks through adding a source step by step.

- A record is a Markdown file: its fields between a first line `---` and a closing line `---`,
  then its text.
- Dates are written `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
- Ids are lowercase ASCII words joined by `-`, at most {ID_MAX} characters: a record's id is its
  file's name without `.md`, and other records refer to it by that id.
- A list is written `[a, b]`, or one item per line, each line starting with `- `.
- A key that is not in these tables is an error, so a typo never silently drops what you wrote.
"""


def field_reference_file() -> File:
    return text_file(FIELD_REFERENCE, field_reference())


def field_reference() -> str:
    """The page's Markdown; it is left out of the search, so its examples never come before the real quotes."""
    description = "Every field of every kind of record, as the checker reads it."
    parts = [
        f"---\ntitle: {json.dumps(attr(TITLE))}\ngenerated: true\ndescription: {json.dumps(attr(description))}\n"
        'source_path: "build/demarche/schema.py"\nsearch:\n  exclude: true\n---\n',
        f"# {md(TITLE)}\n",
        _INTRO,
    ]
    for kind in KINDS.values():
        parts.append(_kind_section(kind))
    return "\n".join(parts)


def _kind_section(kind: Kind) -> str:
    where = "sources/texts/YYYY/<id>.md" if kind.name == "source" else f"sources/{kind.folder}/<id>.md"
    text = md(kind.body[0].lower() + kind.body[1:])
    lines = [f"## {_KIND_TITLES[kind.name]}\n", f"A file `{where}`; below its fields, {text}\n", _table(kind.fields)]
    for spec in kind.fields:
        if spec.name in NESTED:
            lines.append(f"### {_NESTED_TITLES[spec.name]} (`{spec.name}:`)\n")
            lines.append(_table(NESTED[spec.name]))
    return "\n".join(lines)


def _table(fields: tuple[Field, ...]) -> str:
    rows = ["| Field | Required | Value | What it holds | Example |", "|---|---|---|---|---|"]
    for spec in fields:
        example = f"`{spec.name}: {spec.example}`" if spec.example else ""
        required = "**required**" if spec.required else "optional"
        rows.append(f"| `{spec.name}` | {required} | {_value(spec)} | {md(spec.doc)} | {example} |")
    return "\n".join(rows) + "\n"


def _value(spec: Field) -> str:
    if spec.choices:
        return "one of: " + ", ".join(f"`{choice}`" for choice in spec.choices)
    if spec.type == "id" and spec.ref:
        words = "".join(f" or `{word}`" for word in spec.words)
        return f"{'an' if spec.ref[0] in 'aeiou' else 'a'} {spec.ref} id{words}"
    if spec.type == "ids":
        return f"a list of {spec.ref} ids"
    if spec.type in NESTED:
        return f"a list of {spec.type} (below)"
    return md(_VALUES[spec.type])
