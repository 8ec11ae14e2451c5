"""Stage 2, validate: check every record against its schema and build typed records.

Every problem of every file is collected; nothing stops at the first.
"""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from demarche.load import RawRecord
from demarche.problems import Problem
from demarche.quotes import closest_passage, find_quote, normalise, unmarked_quotes
from demarche.records import Actor, Agreement, Archive, Demand, Role, Source, Statement
from demarche.schema import ID_MAX, KINDS, NESTED, PLACEHOLDER, Field
from demarche.slug import is_id, slugify

_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_WIKIDATA = re.compile(r"Q[1-9][0-9]*")
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\(")
_MD_LINK = re.compile(r"\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))*)")
_MD_REFDEF = re.compile(r"^ {0,3}\[[^\[\]]*\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
_SAFE_SCHEMES = ("http", "https", "mailto")


class _Checker:
    """Checks one raw record; values that pass are returned cleaned, failures become problems."""

    def __init__(self, record: RawRecord, problems: list[Problem]) -> None:
        self.record = record
        self.problems = problems

    def error(self, path: tuple[str | int, ...], code: str, message: str, hint: str = "", key: bool = False) -> None:
        line, col = self.record.key_pos(*path) if key else self.record.pos(*path)
        self.problems.append(Problem(self.record.path, line, col, "error", code, message, hint))

    def check_mapping(self, data: Any, fields: tuple[Field, ...], path: tuple[str | int, ...], what: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.error(path, "wrong-type", f"{what} must be a set of 'key: value' lines")
            return {}
        names = [f.name for f in fields]
        for key in data:
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(names)}"
                self.error((*path, key), "unknown-key", f"unknown key '{key}' in {what}", hint, key=True)
        clean: dict[str, Any] = {}
        for spec in fields:
            if spec.name not in data:
                if spec.required:
                    self.error(
                        path or ("",),
                        "missing-field",
                        f"missing required field '{spec.name}' in {what}",
                        f"add a line '{spec.name}: {spec.example or '...'}'",
                    )
                continue
            if data[spec.name] is None:
                if spec.required:
                    self.error(
                        (*path, spec.name),
                        "missing-field",
                        f"required field '{spec.name}' has no value",
                        f"write it after the colon: '{spec.name}: {spec.example or '...'}'",
                        key=True,
                    )
                continue
            value = self.check_value(data[spec.name], spec, (*path, spec.name))
            if value is not None:
                clean[spec.name] = value
        return clean

    def check_value(self, value: Any, spec: Field, path: tuple[str | int, ...]) -> Any:
        kind = spec.type
        if kind in ("ids", "strings", "slugs", "roles", "statements"):
            if not isinstance(value, list):
                self.error(path, "wrong-type", f"'{spec.name}' must be a list", f"write {spec.name}: [{_show(value)}]")
                return None
            item_spec = Field(
                spec.name, {"ids": "id", "strings": "string", "slugs": "slug"}.get(kind, kind), spec.doc, ref=spec.ref
            )
            if kind in NESTED:
                return [self.check_mapping(v, NESTED[kind], (*path, i), f"{spec.name} item {i + 1}") for i, v in enumerate(value)]
            items = [self.check_value(v, item_spec, (*path, i)) for i, v in enumerate(value)]
            return tuple(v for v in items if v is not None)
        if kind == "bool":
            if not isinstance(value, bool):
                self.error(path, "wrong-type", f"'{spec.name}' must be true or false, not {_show(value)}")
                return None
            return value
        if not isinstance(value, str):
            hint = "put it in quotes" if isinstance(value, (int, float, bool)) else ""
            if isinstance(value, dict):
                hint = "put text that holds ': ' in quotes"
            if kind == "date" and isinstance(value, int):
                value = str(value)
            else:
                self.error(path, "wrong-type", f"'{spec.name}' must be {_expected(kind)}, not {_type_name(value)}", hint)
                return None
        return self._check_text(value, spec, path)

    def _check_text(self, value: str, spec: Field, path: tuple[str | int, ...]) -> str | None:
        kind = spec.type
        text = value.strip()
        if not text:
            self.error(path, "empty-value", f"'{spec.name}' is empty")
            return None
        if kind in ("id", "slug"):
            if not is_id(text):
                self.error(
                    path,
                    "bad-id",
                    f"'{text}' is not a valid id",
                    f"ids are lowercase ASCII words joined by '-', at most {ID_MAX} characters, like '{slugify(text) or 'nato'}'",
                )
                return None
            return text
        if kind == "enum":
            if text not in spec.choices:
                close = difflib.get_close_matches(text, spec.choices, n=1, cutoff=0.5)
                hint = f"did you mean '{close[0]}'?" if close else f"one of: {', '.join(spec.choices)}"
                self.error(path, "bad-value", f"'{text}' is not a known {spec.name}", hint)
                return None
            return text
        if kind == "date":
            return self._check_date(text, spec, path)
        if kind == "url":
            if not _is_web_url(text):
                self.error(path, "bad-url", f"'{spec.name}' must be an http or https address, not '{text[:60]}'")
                return None
            return text
        if kind == "language" and not _LANGUAGE.fullmatch(text):
            self.error(path, "bad-value", f"'{text}' is not a language code", "use a code such as en, ru, uk, de")
            return None
        if kind == "wikidata" and not _WIKIDATA.fullmatch(text):
            self.error(path, "bad-value", f"'{text}' is not a Wikidata item id", "like Q150851")
            return None
        if kind == "text" and spec.name != "quote":
            return " ".join(text.split())
        return text

    def _check_date(self, text: str, spec: Field, path: tuple[str | int, ...]) -> str | None:
        if not _DATE.fullmatch(text):
            self.error(path, "bad-date", f"'{spec.name}' must be a date YYYY-MM-DD, YYYY-MM or YYYY, not '{text}'")
            return None
        if not is_date(text):
            self.error(path, "bad-date", f"'{text}' is not a real date")
            return None
        return text


def is_date(text: str) -> bool:
    """A real date written YYYY-MM-DD, YYYY-MM or YYYY."""
    match = _DATE.fullmatch(text)
    if not match:
        return False
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _is_web_url(text: str) -> bool:
    if any(ch.isspace() or ord(ch) < 32 or ch in '"<>\\`' for ch in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _show(value: Any) -> str:
    return str(value) if not isinstance(value, (dict, list)) else "..."


def _type_name(value: Any) -> str:
    return {dict: "a set of keys", list: "a list", bool: "true/false", int: "a number", float: "a number"}.get(
        type(value), "a value"
    )


def _expected(kind: str) -> str:
    return {"date": "a date", "url": "an address", "id": "an id", "slug": "an id"}.get(kind, "text")


def validate(raws: Iterable[RawRecord]) -> tuple[Archive, list[Problem]]:
    """Check every record and every reference between them; build the archive from what passes."""
    problems: list[Problem] = []
    cleaned: list[tuple[RawRecord, dict[str, Any]]] = []
    for raw in raws:
        checker = _Checker(raw, problems)
        _check_file_name(raw, checker)
        _check_placeholder(raw, problems)
        clean = checker.check_mapping(raw.data, KINDS[raw.kind].fields, (), "the front matter") if raw.readable else {}
        cleaned.append((raw, clean))
    ids = _check_unique_ids(cleaned, problems)
    _check_references(cleaned, ids, problems)
    _check_former_ids(cleaned, ids, problems)
    archive = _build_archive(cleaned, problems)
    return archive, problems


def _check_file_name(raw: RawRecord, checker: _Checker) -> None:
    if not is_id(raw.file_id):
        suggestion = slugify(raw.file_id) or "an-id"
        checker.problems.append(
            Problem(
                raw.path,
                1,
                1,
                "error",
                "bad-file-name",
                f"file name '{raw.file_id}.md' is not a valid id",
                f"rename it to '{suggestion}.md': lowercase ASCII words joined by '-'",
            )
        )
    folder = raw.path.split("/")[-2] if "/" in raw.path else ""
    home = KINDS[raw.kind].folder
    if raw.kind != "source" and folder != home:
        a_kind = f"{'an' if raw.kind[0] in 'aeiou' else 'a'} {raw.kind}"
        checker.problems.append(
            Problem(
                raw.path,
                1,
                1,
                "error",
                "wrong-folder",
                f"{a_kind} belongs directly in sources/{home}/, not in folder '{folder}'",
                f"move the file to sources/{home}/{raw.file_id}.md",
            )
        )
    if raw.kind == "source" and isinstance(raw.data, dict):
        year = folder
        date = str(raw.data.get("date", ""))
        if date[:4].isdigit() and year != date[:4]:
            checker.error(
                ("date",),
                "wrong-folder",
                f"a source dated {date} belongs in sources/texts/{date[:4]}/, not in folder '{year}'",
                f"move the file to sources/texts/{date[:4]}/{raw.file_id}.md",
            )


def _check_placeholder(raw: RawRecord, problems: list[Problem]) -> None:
    at = raw.body.find(PLACEHOLDER)
    if at >= 0:
        what = KINDS[raw.kind].body
        problems.append(
            _body_problem(
                raw,
                [],
                at,
                "placeholder",
                "the placeholder line written by `demarche new` is still here",
                f"replace it with {what[0].lower()}{what[1:]}",
            )
        )


def _check_unique_ids(cleaned: list[tuple[RawRecord, dict[str, Any]]], problems: list[Problem]) -> dict[str, set[str]]:
    ids: dict[str, set[str]] = {kind: set() for kind in KINDS}
    first: dict[tuple[str, str], str] = {}
    for raw, _ in cleaned:
        key = (raw.kind, raw.file_id)
        if key in first:
            problems.append(
                Problem(
                    raw.path,
                    1,
                    1,
                    "error",
                    "duplicate-id",
                    f"duplicate {raw.kind} id '{raw.file_id}': {first[key]} has it too",
                    "rename one of the files",
                )
            )
            continue
        first[key] = raw.path
        ids[raw.kind].add(raw.file_id)
    return ids


def _references(raw: RawRecord, clean: dict[str, Any]) -> Iterable[tuple[tuple[str | int, ...], str, str]]:
    """Every (path, referenced kind, id) in one cleaned record."""
    for spec in KINDS[raw.kind].fields:
        yield from _field_references(spec, clean.get(spec.name), (spec.name,))
    for name, fields in NESTED.items():
        for i, item in enumerate(clean.get(name) or ()):
            for spec in fields:
                yield from _field_references(spec, item.get(spec.name), (name, i, spec.name))


def _field_references(spec: Field, value: Any, path: tuple[str | int, ...]) -> Iterable[tuple[tuple[str | int, ...], str, str]]:
    if not spec.ref or value is None:
        return
    if spec.type == "id":
        yield path, spec.ref, value
    else:
        raw_items = value
        for i, item in enumerate(raw_items):
            yield (*path, i), spec.ref, item


def _check_references(cleaned: list[tuple[RawRecord, dict[str, Any]]], ids: dict[str, set[str]], problems: list[Problem]) -> None:
    for raw, clean in cleaned:
        checker = _Checker(raw, problems)
        for path, kind, ref in _references(raw, clean):
            if ref not in ids[kind]:
                close = difflib.get_close_matches(ref, sorted(ids[kind]), n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else f"add sources/{KINDS[kind].folder}/{ref}.md or fix the id"
                checker.error(_raw_path(raw, path), "unknown-id", f"unknown {kind} id '{ref}'", hint)


def _raw_path(raw: RawRecord, path: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Cleaned lists drop invalid items, so find the raw position of a list item by its value."""
    if not isinstance(path[-1], int):
        return path
    parent, index = path[:-1], path[-1]
    items: Any = raw.data
    for key in parent:
        if isinstance(items, dict) and isinstance(key, str):
            items = items.get(key)
        elif isinstance(items, list) and isinstance(key, int) and key < len(items):
            items = items[key]
        else:
            return path
    if not isinstance(items, list):
        return path
    valid = [v.strip() for v in items if isinstance(v, str) and is_id(v.strip())]
    target = valid[index] if index < len(valid) else None
    for i, v in enumerate(items):
        if isinstance(v, str) and v.strip() == target:
            return (*parent, i)
    return path


def _check_former_ids(cleaned: list[tuple[RawRecord, dict[str, Any]]], ids: dict[str, set[str]], problems: list[Problem]) -> None:
    claimed: dict[tuple[str, str], str] = {}
    for raw, clean in cleaned:
        checker = _Checker(raw, problems)
        for i, old in enumerate(clean.get("former_ids") or ()):
            path = _raw_path(raw, ("former_ids", i))
            if old == raw.file_id:
                checker.error(path, "former-id-own", f"former id '{old}' is this record's own id", "remove it from former_ids")
            elif old in ids[raw.kind]:
                checker.error(
                    path,
                    "former-id-live",
                    f"former id '{old}' is the id of a live {raw.kind}",
                    "a former id must not be in use: remove it from former_ids or rename the other record",
                )
            elif (raw.kind, old) in claimed:
                checker.error(
                    path,
                    "former-id-taken",
                    f"former id '{old}' is claimed by {claimed[(raw.kind, old)]} too",
                    "one old URL can send readers to one record only",
                )
            else:
                claimed[(raw.kind, old)] = raw.path


def _build_archive(cleaned: list[tuple[RawRecord, dict[str, Any]]], problems: list[Problem]) -> Archive:
    built: dict[str, list[Any]] = defaultdict(list)
    for raw, clean in cleaned:
        if not is_id(raw.file_id) or any(k not in clean for k in _required(raw.kind)):
            continue
        builder = {"source": _build_source, "actor": _build_actor, "agreement": _build_agreement, "demand": _build_demand}
        built[raw.kind].append(builder[raw.kind](raw, clean, problems))
    _check_body_links(cleaned, problems)
    return Archive(
        sources=tuple(sorted(built["source"], key=lambda s: (s.date, s.id))),
        actors=tuple(sorted(built["actor"], key=lambda a: a.id)),
        agreements=tuple(sorted(built["agreement"], key=lambda a: a.id)),
        demands=tuple(sorted(built["demand"], key=lambda d: d.id)),
    )


def _required(kind: str) -> list[str]:
    return [f.name for f in KINDS[kind].fields if f.required]


def _common(clean: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: clean[name] for name in names if name in clean}


def _build_actor(raw: RawRecord, clean: dict[str, Any], problems: list[Problem]) -> Actor:
    roles = tuple(
        Role(title=r["title"], of=r.get("of"), start=r.get("from"), until=r.get("until"))
        for r in clean.get("roles", ())
        if "title" in r
    )
    fields = _common(clean, "aliases", "part_of", "members", "wikidata", "former_ids")
    return Actor(
        id=raw.file_id, path=raw.path, name=clean["name"], kind=clean["kind"], body=raw.body.strip(), roles=roles, **fields
    )


def _build_agreement(raw: RawRecord, clean: dict[str, Any], problems: list[Problem]) -> Agreement:
    fields = _common(clean, "date", "parties", "aliases", "url", "status", "former_ids")
    return Agreement(id=raw.file_id, path=raw.path, title=clean["title"], kind=clean["kind"], body=raw.body.strip(), **fields)


def _build_demand(raw: RawRecord, clean: dict[str, Any], problems: list[Problem]) -> Demand:
    fields = _common(clean, "status", "agreements", "related", "former_ids")
    return Demand(
        id=raw.file_id, path=raw.path, title=clean["title"], by=clean["by"], of=clean["of"], body=raw.body.strip(), **fields
    )


def _build_source(raw: RawRecord, clean: dict[str, Any], problems: list[Problem]) -> Source:
    body = raw.body.strip("\n")
    statements = _build_statements(raw, clean, body, problems)
    fields = _common(
        clean,
        "publisher",
        "authors",
        "place",
        "language",
        "original_language",
        "url",
        "archive_url",
        "summary",
        "actors",
        "agreements",
        "demands",
        "former_ids",
    )
    return Source(
        id=raw.file_id,
        path=raw.path,
        title=clean["title"],
        date=clean["date"],
        kind=clean["kind"],
        body=body,
        statements=statements,
        **fields,
    )


def _build_statements(raw: RawRecord, clean: dict[str, Any], body: str, problems: list[Problem]) -> tuple[Statement, ...]:
    checker = _Checker(raw, problems)
    normal_body = normalise(body)
    statements: list[Statement] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(clean.get("statements", ())):
        if "speaker" not in item or "quote" not in item:
            continue
        span = find_quote(item["quote"], normal_body)
        if span is None:
            passage = closest_passage(item["quote"], body)
            checker.error(
                ("statements", i, "quote"),
                "quote-not-found",
                "quote not found in the text",
                f'closest passage in the text: "{passage}"' if passage else "the text is empty",
            )
            continue
        date = item.get("date", clean["date"])
        if date > clean["date"] and not clean["date"].startswith(date):
            checker.error(
                ("statements", i, "date"), "date-after-source", f"statement dated {date}, after its source's date {clean['date']}"
            )
        sid = item.get("id") or statement_anchor(item["speaker"], item["quote"])
        if sid in seen:
            checker.error(
                ("statements", i, "id" if "id" in item else "quote"),
                "duplicate-statement",
                f"statement id '{sid}' is used by statement {seen[sid] + 1} too",
                "give one of them its own 'id:'",
            )
            continue
        seen[sid] = i
        fields = _common(item, "occasion", "reported", "about", "makes", "supports", "rejects", "cites")
        line = raw.pos("statements", i, "quote")[0]
        statements.append(
            Statement(
                id=sid,
                source_id=raw.file_id,
                speaker=item["speaker"],
                quote=item["quote"],
                date=date,
                span=span,
                line=line,
                **fields,
            )
        )
    problems.extend(unmarked_quotes(raw, body, statements))
    return tuple(statements)


def statement_anchor(speaker: str, quote: str) -> str:
    """A statement's anchor from what it is, never from where it stands in the list.

    The speaker and the first words of the quote: adding, removing or reordering statements, or
    fixing a typo elsewhere in the text, leaves it as it was. Two statements that would share an
    anchor are an error asking for an explicit id, so no anchor ever shifts to make room.
    """
    words = slugify(quote, max_words=8, max_length=48)
    return "-".join(part for part in (slugify(speaker, max_length=30), words) if part)


def _check_body_links(cleaned: list[tuple[RawRecord, dict[str, Any]]], problems: list[Problem]) -> None:
    """Links in a body may go to the web only; images are refused, since the site loads nothing from other hosts.

    Every '](' and every reference definition counts as a link, whatever its text holds, so
    nested brackets or a line break in the link text cannot slip a link past this check.
    """
    for raw, _ in cleaned:
        lines: list[int] = []
        images = list(_MD_IMAGE.finditer(raw.body))
        image_targets = {m.end() - 2 for m in images}
        for m in images:
            problems.append(
                _body_problem(
                    raw,
                    lines,
                    m.start(),
                    "image",
                    "images are not allowed in a text",
                    "the site loads nothing from other hosts; describe the image in words",
                )
            )
        targets = [(m.start(), m.group(1)) for m in _MD_LINK.finditer(raw.body) if m.start() not in image_targets]
        targets += [(m.start(), m.group(1)) for m in _MD_REFDEF.finditer(raw.body)]
        for at, target in sorted(targets):
            if not _safe_target(target):
                message = f"link to '{target[:60]}': links in a text may go to http(s) or mailto addresses only"
                problems.append(_body_problem(raw, lines, at, "unsafe-link", message))


def _body_problem(raw: RawRecord, lines: list[int], index: int, code: str, message: str, hint: str = "") -> Problem:
    """A problem at a character offset of the body; lines caches where the body's lines start."""
    if not lines:
        lines.extend([0, *(m.end() for m in re.finditer("\n", raw.body))])
    line = bisect.bisect_right(lines, index)
    return Problem(raw.path, raw.body_line + line - 1, index - lines[line - 1] + 1, "error", code, message, hint)


def _safe_target(target: str) -> bool:
    scheme = urlsplit(target).scheme.lower() if ":" in target else ""
    return scheme in _SAFE_SCHEMES and (scheme == "mailto" or _is_web_url(target))
