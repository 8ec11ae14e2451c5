"""Stage 1, load: read every file under sources/, split front matter from body, parse YAML safely.

Every key and value keeps its line and column, so later stages can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from demarche.problems import Problem
from demarche.schema import KINDS, MAX_FILE_BYTES

Position = tuple[int, int]
KeyPath = tuple[str | int, ...]

_BOUNDARY = re.compile(r"^(---|\.\.\.)[ \t]*$")
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
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

    def pos(self, *path: str | int) -> Position:
        """The position of the value at path, or of the nearest enclosing value."""
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))

    def key_pos(self, *path: str | int) -> Position:
        return self.key_positions.get(path) or self.pos(*path)


def discover(sources_dir: Path) -> list[tuple[str, Path]]:
    """Every record file under sources_dir, with its kind, in a stable order."""
    found: list[tuple[str, Path]] = []
    for kind in KINDS.values():
        folder = sources_dir / kind.folder
        if folder.is_dir():
            found.extend((kind.name, p) for p in sorted(folder.rglob("*.md")) if p.is_file())
    return found


def load_archive(sources_dir: Path, root: Path) -> tuple[list[RawRecord], list[Problem]]:
    records: list[RawRecord] = []
    problems: list[Problem] = []
    for kind, path in discover(sources_dir):
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()
        record, found = load_file(kind, path.read_bytes(), rel)
        problems.extend(found)
        if record is not None:
            records.append(record)
    return records, problems


def load_file(kind: str, raw: bytes, rel: str) -> tuple[RawRecord | None, list[Problem]]:
    """Parse one file's bytes; a file that cannot be read gives problems and no record."""

    def fail(line: int, col: int, code: str, message: str, hint: str = "") -> tuple[None, list[Problem]]:
        return None, [Problem(rel, line, col, "error", code, message, hint)]

    if len(raw) > MAX_FILE_BYTES:
        return fail(1, 1, "file-too-large", f"file is {len(raw):,} bytes; a record may be at most {MAX_FILE_BYTES:,}")
    if not raw.strip():
        return fail(1, 1, "empty-file", "file is empty", "a record starts with a front matter block between '---' lines")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return fail(line, col, "not-utf8", f"bytes that are not UTF-8 (0x{raw[exc.start]:02x})", "save the file as UTF-8")
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
    record = RawRecord(kind, rel, Path(rel).stem, {}, body="\n".join(lines[close + 1 :]), body_line=close + 2)
    problems = _parse_front_matter(front, record)
    return record, problems


def _parse_front_matter(front: str, record: RawRecord) -> list[Problem]:
    problems: list[Problem] = []
    try:
        node = yaml.compose(front, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 2, mark.column + 1) if mark else (2, 1)
        message = f"malformed YAML: {exc.problem or exc.context}"
        problems.append(
            Problem(
                record.path,
                line,
                col,
                "error",
                "yaml",
                message,
                "check indentation, colons and quotes on this line or the one before",
            )
        )
        return problems
    except yaml.YAMLError as exc:
        problems.append(Problem(record.path, 2, 1, "error", "yaml", f"malformed YAML: {exc}"))
        return problems
    if node is None:
        return problems
    if not isinstance(node, yaml.MappingNode):
        line, col = node.start_mark.line + 2, node.start_mark.column + 1
        problems.append(Problem(record.path, line, col, "error", "yaml", "front matter must be a set of 'key: value' lines"))
        return problems
    converter = _Converter(record, problems)
    data = converter.convert(node, ())
    assert isinstance(data, dict)
    record.data = data
    return problems


class _Converter:
    """Turns composed YAML nodes into plain values, recording positions and refusing duplicate keys.

    Scalars are built by PyYAML's SafeConstructor, except timestamps, which are kept as the text
    written (the validator reads dates itself, so an impossible date is a message, not a crash).
    """

    def __init__(self, record: RawRecord, problems: list[Problem]) -> None:
        self.record = record
        self.problems = problems
        self.constructor = yaml.SafeLoader("")

    def at(self, node: yaml.Node) -> Position:
        return (node.start_mark.line + 2, node.start_mark.column + 1)

    def convert(self, node: yaml.Node, path: KeyPath) -> Any:
        self.record.positions[path] = self.at(node)
        if node.tag not in _PLAIN_TAGS:
            line, col = self.at(node)
            self.problems.append(
                Problem(
                    self.record.path,
                    line,
                    col,
                    "error",
                    "yaml",
                    f"unsupported YAML tag '{node.tag}'",
                    "write plain text, numbers or lists",
                )
            )
            return None
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self.scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
                if not isinstance(key, str):
                    line, col = self.at(key_node)
                    self.problems.append(Problem(self.record.path, line, col, "error", "bad-key", "a key must be a plain name"))
                    continue
                if key in result:
                    line, col = self.at(key_node)
                    first = self.record.key_positions[(*path, key)][0]
                    self.problems.append(
                        Problem(
                            self.record.path,
                            line,
                            col,
                            "error",
                            "duplicate-key",
                            f"duplicate key '{key}' (first given on line {first})",
                            "keep one of them",
                        )
                    )
                    continue
                self.record.key_positions[(*path, key)] = self.at(key_node)
                result[key] = self.convert(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        if node.tag == _TIMESTAMP_TAG:
            return str(node.value)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError):
            line, col = self.at(node)
            self.problems.append(
                Problem(
                    self.record.path,
                    line,
                    col,
                    "error",
                    "yaml",
                    f"unsupported YAML value or tag '{node.tag}'",
                    "write plain text, numbers or lists",
                )
            )
            return None
