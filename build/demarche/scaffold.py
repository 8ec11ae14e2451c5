"""`demarche new source|actor|agreement|demand`: a new record from flags, at the right path.

The flags are made from the schema: every field that holds text, a date, an address, a choice or
ids has one, and the required fields are required flags. The id is made from the title or name
(transliterated when it is not Latin) unless --id gives it. The body is a placeholder line that
`check` refuses until the contributor writes the text; the optional fields not given follow as
comments, ready to be filled in.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from demarche.schema import KINDS, NESTED, PLACEHOLDER, Field, Kind
from demarche.slug import is_id, slugify
from demarche.validate import is_date

_FLAG_TYPES = frozenset({"text", "string", "date", "url", "enum", "id", "ids", "strings", "language", "wikidata"})
_LIST_TYPES = frozenset({"ids", "strings"})
_LIST_HELP = {"ids": " Repeat the flag, or separate ids with commas.", "strings": " Repeat the flag."}


def add_new_command(sub: Any) -> None:
    """Register `new` and one sub-command per record kind on the CLI's sub-parsers."""
    new = sub.add_parser("new", help="write a new record from flags: source, actor, agreement or demand")
    kinds = new.add_subparsers(dest="record_kind", required=True, metavar="{" + ",".join(KINDS) + "}")
    for kind in KINDS.values():
        parser = kinds.add_parser(kind.name, help=f"a new {kind.name} in sources/{_folder(kind, 'YYYY')}/")
        parser.add_argument("--id", help=f"its id (default: made from its {kind.named_by})")
        for spec in kind.fields:
            if spec.type in _FLAG_TYPES:
                _add_flag(parser, spec)


def _add_flag(parser: argparse.ArgumentParser, spec: Field) -> None:
    flag = "--" + spec.name.replace("_", "-")
    help_text = spec.doc + _LIST_HELP.get(spec.type, "")
    if spec.type in _LIST_TYPES:
        parser.add_argument(flag, dest=spec.name, action="append", required=spec.required, help=help_text)
    elif spec.choices:
        parser.add_argument(flag, dest=spec.name, choices=spec.choices, required=spec.required, help=help_text)
    else:
        parser.add_argument(flag, dest=spec.name, required=spec.required, help=help_text)


def new_record(root: Path, args: argparse.Namespace) -> int:
    """Write the record; 0 when written, 1 when a record is in the way, 2 for a value no record can hold."""
    kind = KINDS[args.record_kind]
    data = _data(kind, args)
    problem = _usage_problem(kind, data, args.id)
    if problem:
        print(f"demarche new {kind.name}: error: {problem}", file=sys.stderr)
        return 2
    record_id = args.id or derive_id(kind, data)
    if not is_id(record_id):
        print(f"demarche new {kind.name}: error: cannot make an id from '{data[kind.named_by]}'", file=sys.stderr)
        print("give one with --id, in lowercase ASCII words joined by '-'", file=sys.stderr)
        return 2
    target = root / "sources" / _folder(kind, str(data.get("date", ""))[:4]) / f"{record_id}.md"
    taken = _existing(root, kind, record_id)
    if taken:
        print(f"demarche: {taken.relative_to(root).as_posix()} already exists: refusing to overwrite it", file=sys.stderr)
        print("give the new record another id with --id, or edit the existing file", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as f:  # "x": never overwrite, even a file made a moment ago
        f.write(record_text(kind, data))
    rel = target.relative_to(root).as_posix()
    print(f"wrote {rel}")
    print(f"next: in {rel}, replace the line '{PLACEHOLDER} ...' and fill in what you know, then run `make check`")
    return 0


def _data(kind: Kind, args: argparse.Namespace) -> dict[str, Any]:
    """The given flags as front-matter values, in schema order."""
    data: dict[str, Any] = {}
    for spec in kind.fields:
        value = getattr(args, spec.name, None)
        if value is None:
            continue
        if spec.type == "ids":
            value = [part.strip() for item in value for part in item.split(",") if part.strip()]
        data[spec.name] = value
    return data


def _usage_problem(kind: Kind, data: dict[str, Any], given_id: str | None) -> str:
    if given_id is not None and not is_id(given_id):
        return f"--id '{given_id}' is not an id: lowercase ASCII words joined by '-', like '{slugify(given_id) or 'nato'}'"
    if "date" in data and not is_date(data["date"]):
        return f"--date '{data['date']}' is not a real date written YYYY-MM-DD, YYYY-MM or YYYY"
    for spec in kind.fields:
        if spec.required and spec.type in _LIST_TYPES and not data.get(spec.name):
            return f"--{spec.name} needs at least one id"
    return ""


def derive_id(kind: Kind, data: dict[str, Any]) -> str:
    """An id in the archive's manner: sources by publisher, date and title; agreements by title and year."""
    if kind.name == "source":
        prefix = slugify(f"{data.get('publisher', '')} {data['date']}")
        return slugify(f"{prefix} {slugify(data['title'], max_words=6)}")
    if kind.name == "agreement":
        title = slugify(data["title"])
        year = str(data.get("date", ""))[:4]
        return slugify(f"{title} {year}" if year and not title.endswith(year) else title)
    return slugify(data[kind.named_by], max_words=8)


def _folder(kind: Kind, year: str) -> str:
    return f"{kind.folder}/{year}" if kind.name == "source" else kind.folder


def _existing(root: Path, kind: Kind, record_id: str) -> Path | None:
    """The file that already holds this id (a source's may be in any year's folder)."""
    pattern = f"*/{record_id}.md" if kind.name == "source" else f"{record_id}.md"
    return next(iter(sorted((root / "sources" / kind.folder).glob(pattern))), None)


def record_text(kind: Kind, data: dict[str, Any]) -> str:
    """The file: the given fields, the optional ones as comments, and the placeholder body."""
    dates = {f.name for f in kind.fields if f.type == "date"}
    values = {name: _unquoted_date(value) if name in dates else value for name, value in data.items()}
    body = f"{PLACEHOLDER} {kind.body[0].lower()}{kind.body[1:]}"
    post = frontmatter.Post(body)
    post.metadata.update(values)
    text = frontmatter.dumps(post, Dumper=_Dumper, sort_keys=False, width=10_000)
    head, closing, rest = text.partition("\n---\n")
    return head + "\n" + _optional_fields(kind, data) + closing.lstrip("\n") + rest + "\n"


class _Dumper(yaml.SafeDumper):
    """Writes lists of ids on one line, [russia, nato], as the archive's records do."""


_Dumper.add_representer(list, lambda dumper, value: dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True))


def _unquoted_date(value: str) -> str | dt.date:
    """A full date as a date, so it is written unquoted like the archive's own (YAML quotes the text)."""
    return dt.date.fromisoformat(value) if len(value) == 10 else value


def _optional_fields(kind: Kind, data: dict[str, Any]) -> str:
    """The fields not given, commented out: a line uncommented but left empty changes nothing."""
    lines = ["# More fields: remove the '# ' before one and write its value after the colon."]
    for spec in kind.fields:
        if spec.name in data or spec.name == "former_ids":
            continue
        lines.append(_commented(f"{spec.name}:", spec))
        nested = [f for f in NESTED.get(spec.name, ()) if f.required]
        lines.extend(_commented(f"  {'- ' if i == 0 else '  '}{f.name}:", f) for i, f in enumerate(nested))
    return "\n".join(lines) + "\n"


def _commented(key: str, spec: Field) -> str:
    like = f" Like: {spec.example}" if spec.example else ""
    return f"# {key:<20} # {spec.doc}{like}"
