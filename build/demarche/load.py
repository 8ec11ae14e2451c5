"""Stage 1, load: read every file under sources/, split front matter from body, parse YAML safely.

Every key and value keeps its file line and column, so later stages can point at it. A file that
cannot be read still yields a record (marked unreadable, with no data), so its id is known and
other records that refer to it do not fail too.
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from demarche.chars import BIDI, CONTROL, describe, hidden_in
from demarche.problems import Problem
from demarche.schema import KINDS, MAX_FILE_BYTES
from demarche.urls import INTRODUCTION

Position = tuple[int, int]
KeyPath = tuple[str | int, ...]

MAX_DEPTH = 8  # statements: a list of mappings of lists is 4 deep; more is a mistake or an attack
_BOUNDARY = re.compile(r"^(---|\.\.\.)[ \t]*$")
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)
_FOLDER_KINDS = {kind.folder: kind.name for kind in KINDS.values()}
_YAML_HINT = "check indentation, colons and quotes on this line or the one before"

# What PyYAML says -> what a contributor reads; the last item: point at where the construct began.
_YAML_HELP: tuple[tuple[str, str, str, bool], ...] = (
    (
        "while parsing a flow sequence",
        "a list opened with '[' is not closed with ']'",
        "close the list on the same line, and put an item holding ',' or ':' in quotes",
        True,
    ),
    (
        "while parsing a flow mapping",
        "a '{' is not closed with '}'",
        "put a value that starts with '{' in quotes",
        True,
    ),
    (
        "while scanning a quoted scalar",
        "a value in quotes is not closed",
        "end the value with the same quote mark it starts with",
        True,
    ),
    (
        "unknown escape character",
        "a backslash in double quotes that is not a known escape",
        "use single quotes around the value, or write the backslash twice",
        False,
    ),
    (
        "mapping values are not allowed here",
        "a ': ' where a value was expected",
        "put a value holding ': ' in quotes (title: \"Lavrov: no\"), and check this line's indentation",
        False,
    ),
    (
        "could not find expected ':'",
        "a line that is not 'key: value'",
        "every line of the front matter is 'key: value'; is the closing '---' missing before the text?",
        True,
    ),
    ("found character '\\t'", "a tab character", "indent with spaces, not tabs", False),
    ("that cannot start any token", "a value cannot start with this character", "put the value in quotes", False),
    (
        "expected <block end>",
        "text that does not fit here",
        "check the indentation; a value that starts with a quote mark must end with it",
        False,
    ),
    ("found undefined alias", "a value cannot start with '*'", "put the value in quotes", False),
)


@dataclass
class RawRecord:
    """One file as read: its data, where each value stands, and its body."""

    kind: str
    path: str  # repository-relative, with forward slashes: sources/actors/nato.md
    file_id: str  # the file's name without .md
    data: dict[str, Any]
    positions: dict[KeyPath, Position] = field(default_factory=dict)  # where each value starts
    key_positions: dict[KeyPath, Position] = field(default_factory=dict)  # where each key starts
    body: str = ""
    body_line: int = 1  # the file line the body starts on
    readable: bool = True  # False when the file or its front matter could not be read at all
    refused: set[KeyPath] = field(default_factory=set)  # values refused while loading (they held a control character)
    hidden: dict[KeyPath, list[tuple[str, Position]]] = field(default_factory=dict)  # where hidden characters are written

    def pos(self, *path: str | int) -> Position:
        """The position of the value at path, or of the nearest enclosing value."""
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))

    def key_pos(self, *path: str | int) -> Position:
        return self.key_positions.get(path) or self.pos(*path)

    def body_pos(self, index: int) -> Position:
        """The file line and column of a character offset in the body."""
        return self.body_line + self.body.count("\n", 0, index), index - self.body.rfind("\n", 0, index)


def discover(sources_dir: Path) -> list[tuple[str, Path]]:
    """Every record file under sources_dir, with its kind, in a stable order."""
    return [(item[2], item[0]) for item in walk(sources_dir, sources_dir) if not isinstance(item, Problem)]


def walk(sources_dir: Path, root: Path) -> Iterator[tuple[Path, str, str] | Problem]:
    """Every file under sources_dir: (path, repository-relative path, kind) for a record, a Problem for any other.

    Links are refused, so no record can pull in a file from elsewhere on the machine; files the
    build would silently skip (a misspelt folder, a .txt) are reported, so nothing goes missing.
    """
    for path in sorted(sources_dir.rglob("*")):
        parts = path.relative_to(sources_dir).parts
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()
        kind = _FOLDER_KINDS.get(parts[0], "") if len(parts) > 1 else ""
        if path.is_symlink():
            yield Problem(
                rel, 1, 1, "error", "symlink", "a link (symlink) is not allowed in sources/", "put the file itself here"
            )
        elif not path.is_file() or _not_a_record(parts, path.suffix):
            continue
        elif kind and path.suffix == ".md":
            yield path, rel, kind
        elif kind:
            yield Problem(rel, 1, 1, "warning", "not-read", "not read: a record is a file whose name ends in .md")
        else:
            yield Problem(
                rel, 1, 1, "warning", "not-read", "not read: records go in the folders of sources/", _folder_hint(parts)
            )


def _not_a_record(parts: tuple[str, ...], suffix: str) -> bool:
    """A hidden file, or the home page's introduction (sources/introduction.md, read by pipeline.read_introduction)."""
    return parts == (INTRODUCTION,) or (suffix != ".md" and any(part.startswith(".") for part in parts))


def _folder_hint(parts: tuple[str, ...]) -> str:
    folders = sorted(_FOLDER_KINDS)
    close = difflib.get_close_matches(parts[0], folders, n=1, cutoff=0.6) if len(parts) > 1 else []
    if close:
        return f"did you mean sources/{close[0]}/?"
    return "one of: " + ", ".join(f"sources/{f}/" for f in folders)


def load_archive(sources_dir: Path, root: Path) -> tuple[list[RawRecord], list[Problem]]:
    records: list[RawRecord] = []
    problems: list[Problem] = []
    for item in walk(sources_dir, root):
        if isinstance(item, Problem):
            problems.append(item)
            continue
        path, rel, kind = item
        record, found = load_path(kind, path, rel)
        problems.extend(found)
        records.append(record)
    return records, problems


def load_path(kind: str, path: Path, rel: str) -> tuple[RawRecord, list[Problem]]:
    """Read one file, refusing one too large before reading it."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return _unreadable(kind, rel), [_too_large(rel, size)]
        raw = path.read_bytes()
    except OSError as exc:
        return _unreadable(kind, rel), [Problem(rel, 1, 1, "error", "unreadable", f"cannot read the file: {exc.strerror}")]
    return load_file(kind, raw, rel)


def _unreadable(kind: str, rel: str) -> RawRecord:
    return RawRecord(kind, rel, Path(rel).stem, {}, readable=False)


def _too_large(rel: str, size: int) -> Problem:
    return Problem(
        rel,
        1,
        1,
        "error",
        "file-too-large",
        f"file is {size:,} bytes; a record may be at most {MAX_FILE_BYTES:,}",
        "a record holds one text: keep the text as published, nothing else",
    )


def load_file(kind: str, raw: bytes, rel: str) -> tuple[RawRecord, list[Problem]]:
    """Parse one file's bytes; a file that cannot be read gives problems and an unreadable record."""

    def fail(line: int, col: int, code: str, message: str, hint: str = "") -> tuple[RawRecord, list[Problem]]:
        return _unreadable(kind, rel), [Problem(rel, line, col, "error", code, message, hint)]

    if len(raw) > MAX_FILE_BYTES:
        return _unreadable(kind, rel), [_too_large(rel, len(raw))]
    if not raw.strip():
        return fail(1, 1, "empty-file", "file is empty", "a record starts with a front matter block between '---' lines")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return fail(
            line, col, "not-utf8", f"bytes that are not UTF-8 (0x{raw[exc.start]:02x})", "save the file with the encoding UTF-8"
        )
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not _BOUNDARY.match(lines[0]) or lines[0].startswith("..."):
        return fail(
            1,
            1,
            "no-front-matter",
            "the file does not start with front matter",
            "put the fields between a first line '---' and a closing line '---'",
        )
    close = next((i for i in range(1, len(lines)) if _BOUNDARY.match(lines[i])), None)
    if close is None:
        return fail(
            1,
            1,
            "unclosed-front-matter",
            "the front matter has no closing '---' line",
            "add a line '---' after the last field, before the text",
        )
    front = "\n".join(lines[1:close]) + "\n"
    body = unicodedata.normalize("NFC", "\n".join(lines[close + 1 :]))
    record = RawRecord(kind, rel, Path(rel).stem, {}, body=body, body_line=close + 2)
    problems = _parse_front_matter(front, record)
    return record, problems + _check_body_characters(record)


def _check_body_characters(record: RawRecord) -> list[Problem]:
    """A control character in a text is an error; a bidi control a warning (a passage in Arabic or Hebrew may need one)."""
    problems = []
    control = CONTROL.search(record.body)
    if control:
        problems.append(
            Problem(
                record.path,
                *record.body_pos(control.start()),
                "error",
                "control-character",
                f"a control character ({describe(control.group())}) that a text cannot hold",
                "delete it: it was probably pasted in from another program",
            )
        )
    bidi = [m.start() for m in BIDI.finditer(record.body)]
    if bidi:
        problems.append(bidi_warning(record.path, record.body_pos(bidi[0]), record.body[bidi[0]], "the text", len(bidi)))
    return problems


def bidi_warning(path: str, at: Position, ch: str, where: str, count: int = 1) -> Problem:
    """A warning at the first of count bidi controls (chars.BIDI) in a text, a quote or a summary."""
    if count == 1:
        message = f"{where} holds {describe(ch)}, which changes the order in which the text around it is shown"
        hint = "keep it only if the published text has it; delete it otherwise"
    else:
        message = (
            f"{where} holds {count} characters that change the order in which the text around them is shown, first {describe(ch)}"
        )
        hint = "keep them only if the published text has them; delete them otherwise"
    return Problem(path, *at, "warning", "bidi-control", message, hint)


_NEWLINE = re.compile("\n")


class _Lines:
    """Maps a character offset in the front matter to its file line and column (the front matter starts on line 2)."""

    def __init__(self, front: str) -> None:
        self.starts = [0, *(m.end() for m in _NEWLINE.finditer(front))]

    def at(self, index: int) -> Position:
        line = bisect.bisect_right(self.starts, index)
        return line + 1, index - self.starts[line - 1] + 1


def _parse_front_matter(front: str, record: RawRecord) -> list[Problem]:
    lines = _Lines(front)

    def fail(at: Position, message: str, hint: str = _YAML_HINT) -> list[Problem]:
        record.readable = False
        return [Problem(record.path, at[0], at[1], "error", "yaml", message, hint)]

    try:
        node = _compose(front)
    except _Refused as exc:
        return fail(lines.at(exc.index), exc.message, exc.hint)
    except yaml.MarkedYAMLError as exc:
        return fail(*_explain(exc, lines))
    except yaml.reader.ReaderError as exc:
        return fail(
            lines.at(exc.position),
            f"malformed YAML: a control character (#x{exc.character:04x}) that a text cannot hold",
            "delete it: it was probably pasted in from another program",
        )
    except yaml.YAMLError as exc:
        return fail((2, 1), f"malformed YAML: {exc}")
    except (ValueError, OverflowError):  # PyYAML's scanner calls chr() on an escape such as "\UFFFFFFFF" unchecked
        return fail(
            _beyond_unicode(front, lines),
            "malformed YAML: an escape that is not a Unicode character",
            "the largest is \\U0010FFFF; write the character itself",
        )
    if node is None:
        return []
    if not isinstance(node, yaml.MappingNode):
        return fail(lines.at(node.start_mark.index), "front matter must be a set of 'key: value' lines", "")
    problems: list[Problem] = []
    data = _Converter(record, problems, front, lines).convert(node, ())
    if not isinstance(data, dict):  # a tag on the whole front matter (!x): refused by convert, at its line
        record.readable = False
        return problems
    record.data = data
    return problems


def _beyond_unicode(front: str, lines: _Lines) -> Position:
    """Where the first escape of a code point beyond Unicode is written."""
    found = (m.start() for m in re.finditer(r"\\U([0-9A-Fa-f]{8})", front) if int(m.group(1), 16) > 0x10FFFF)
    return lines.at(next(found, 0))


def _explain(exc: yaml.MarkedYAMLError, lines: _Lines) -> tuple[Position, str, str]:
    said = f"{exc.context or ''} {exc.problem or ''}"
    for needle, message, hint, at_start in _YAML_HELP:
        if needle in said:
            mark = exc.context_mark if at_start and exc.context_mark else exc.problem_mark
            return (lines.at(mark.index) if mark else (2, 1)), f"malformed YAML: {message}", hint
    mark = exc.problem_mark or exc.context_mark
    return (lines.at(mark.index) if mark else (2, 1)), f"malformed YAML: {exc.problem or exc.context}", _YAML_HINT


def _compose(front: str) -> yaml.Node | None:
    """Compose with libyaml when it is there and the text is plain; otherwise, or on any error, with _Loader.

    libyaml is about five times faster and gives the same nodes and marks; the pure-Python loader
    gives the refusals (anchors, aliases, deep nesting) and the error messages contributors read.
    """
    if _FAST is not None and _plain_structure(front, _FAST):
        try:
            return yaml.compose(front, Loader=_FAST)
        except yaml.YAMLError:
            pass
    return yaml.compose(front, Loader=_Loader)


_FAST = getattr(yaml, "CSafeLoader", None)


def _plain_structure(front: str, loader: type[yaml.CSafeLoader]) -> bool:
    """True when libyaml's events show no anchor, alias or nesting deeper than MAX_DEPTH (it is never composed otherwise)."""
    depth = 0
    try:
        for event in yaml.parse(front, Loader=loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                return False
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth >= MAX_DEPTH:
                    return False
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return False
    return True


class _Refused(Exception):
    def __init__(self, index: int, message: str, hint: str) -> None:
        super().__init__(message)
        self.index, self.message, self.hint = index, message, hint


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing anchors and aliases and deep nesting while it composes.

    An alias lets a few lines expand into gigabytes, and deep nesting exhausts the stack; neither
    has a use in a record, so both are refused before any harm is done.
    """

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        at = event.start_mark.index if event.start_mark else 0
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(
                at, "malformed YAML: anchors and aliases ('&', '*') are not allowed", "write the value out in full, in quotes"
            )
        if self.depth >= MAX_DEPTH:
            raise _Refused(
                at, f"malformed YAML: lists and keys nested more than {MAX_DEPTH} deep", "a record needs far fewer levels"
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Converter:
    """Turns composed YAML nodes into plain values, recording positions and refusing duplicate keys.

    Scalars are built by PyYAML's SafeConstructor, except timestamps, which are kept as the text
    written (the validator reads dates itself, so an impossible date is a message, not a crash).
    Text is put in Unicode's NFC form, as readers see it, and checked for characters that hide.
    """

    def __init__(self, record: RawRecord, problems: list[Problem], front: str, lines: _Lines) -> None:
        self.record = record
        self.problems = problems
        self.front = front
        self.lines = lines
        self.constructor = yaml.SafeLoader("")

    def at(self, node: yaml.Node) -> Position:
        return self.lines.at(node.start_mark.index)

    def error(self, node: yaml.Node, code: str, message: str, hint: str = "") -> None:
        line, col = self.at(node)
        self.problems.append(Problem(self.record.path, line, col, "error", code, message, hint))

    def convert(self, node: yaml.Node, path: KeyPath) -> Any:
        self.record.positions[path] = self.at(node)
        if node.tag not in _PLAIN_TAGS:
            self.error(node, "yaml", f"unsupported YAML tag '{node.tag}'", "write plain text, numbers or lists")
            return None
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.scalar(node, path)

    def mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if isinstance(key, str) and self.refused(key_node, key):
                continue
            if not isinstance(key, str):
                self.error(key_node, "bad-key", "a key must be a plain name")
                continue
            if key in result:
                first = self.record.key_positions[(*path, key)][0]
                self.error(key_node, "duplicate-key", f"duplicate key '{key}' (first given on line {first})", "keep one of them")
                continue
            self.record.key_positions[(*path, key)] = self.at(key_node)
            result[key] = self.convert(value_node, (*path, key))
        return result

    def scalar(self, node: yaml.Node, path: KeyPath | None = None) -> Any:
        if node.tag == _TIMESTAMP_TAG:
            return str(node.value)
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError):
            self.error(node, "yaml", f"unsupported YAML value or tag '{node.tag}'", "write plain text, numbers or lists")
            return None
        if not isinstance(value, str) or (value.isascii() and value.isprintable()):
            return value
        value = unicodedata.normalize("NFC", value)
        if path is None:
            return value
        if self.refused(node, value):
            self.record.refused.add(path)
            return CONTROL.sub("\ufffd", value)
        shown = {value[i] for i in hidden_in(value)} - {"\n"}
        if shown:
            self.record.hidden[path] = [(ch, self.lines.at(index)) for ch, index in _written(self.front, node) if ch in shown]
        return value

    def refused(self, node: yaml.Node, text: str) -> bool:
        """Refuse a control character or a lone surrogate (only a YAML escape can write one), where it is written."""
        found = None if text.isascii() and text.isprintable() else CONTROL.search(text)
        if not found:
            return False
        ch = found.group()
        at = next((index for made, index in _written(self.front, node) if made == ch), node.start_mark.index)
        what = "a lone surrogate" if "\ud800" <= ch <= "\udfff" else "a control character"
        hint = (
            "write the character itself: an escape gives a whole character, such as \\U0001F600, not half of one"
            if what == "a lone surrogate"
            else "delete it, or the escape that writes it"
        )
        line, col = self.lines.at(at)
        self.problems.append(
            Problem(
                self.record.path,
                line,
                col,
                "error",
                "control-character",
                f"{what} ({describe(ch)}) that a text cannot hold",
                hint,
            )
        )
        return True


_ESCAPE = re.compile(r"\\(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))|.", re.DOTALL)
_NAMED_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r", "e": "\x1b"}
_NAMED_ESCAPES.update({"N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029", "\n": ""})


def _written(front: str, node: yaml.Node) -> Iterator[tuple[str, int]]:
    """Each character a scalar gives, with the offset where it is written: itself, or in double quotes its escape.

    Folding changes only white space, so the characters that hide stand in the same order as written.
    """
    start, end = node.start_mark.index, node.end_mark.index
    if getattr(node, "style", None) != '"':
        yield from ((ch, start + i) for i, ch in enumerate(front[start:end]))
        return
    for m in _ESCAPE.finditer(front, start, end):
        code = m.group(1) or m.group(2) or m.group(3)
        made = chr(int(code, 16)) if code else _NAMED_ESCAPES.get(m.group(4), m.group(4)) if m.group(4) else m.group()
        yield made, m.start()
