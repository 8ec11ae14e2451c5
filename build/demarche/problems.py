"""Problems found in content: what a contributor reads, so every one points at a file and a line."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from demarche.chars import printable  # content quoted in a message cannot move the cursor, recolour or reorder a line


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    column: int
    severity: str  # "error" | "warning"
    code: str
    message: str
    hint: str = ""

    def as_text(self) -> str:
        text = f"{_printable_path(self.path)}:{self.line}:{self.column}: {self.severity}: {printable(self.message)}"
        if self.hint:
            text += f"\n    hint: {printable(self.hint)}"
        return text

    def as_github(self) -> str:
        """A GitHub Actions workflow command, so the problem shows on the pull request's line."""
        message = _github_escape(self.message + (f" (hint: {self.hint})" if self.hint else ""))
        kind = "error" if self.severity == "error" else "warning"
        where = f"file={_github_property(self.path)},line={self.line},col={self.column},title={_github_property(self.code)}"
        return f"::{kind} {where}::{message}"


def _printable_path(path: str) -> str:
    """A path that cannot pass for another 'path:line:col:' (a file may be named 'a:1:1: error: b.md'): ':' is shown as \\x3a.

    The backslash is doubled, so every escape in a printed path reads one way only.
    """
    return printable(path.replace("\\", "\\\\").replace(":", "\\x3a"))


def _json_escape(text: str) -> str:
    """JSON with every hidden character written as a \\u escape: the same data for a parser, safe on a terminal.

    json.dumps has escaped the C0 controls inside strings already: a line feed left is between items,
    and each line between them is most often printable as it is (the quick case).
    """
    return "\n".join(printable(line, _json_char) for line in text.split("\n"))


def _json_char(ch: str) -> str:
    if ch < "\x7f":
        return ch
    units = ch.encode("utf-16-be", "surrogatepass")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))


def _github_escape(text: str) -> str:
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _github_property(text: str) -> str:
    return _github_escape(text).replace(":", "%3A").replace(",", "%2C")


class ContentError(Exception):
    """Raised by a stage that cannot go on; carries every problem found so far."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(f"{len(self.problems)} problem(s)")


def summary(problems: list[Problem]) -> str:
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    if not problems:
        return "no problems found"
    parts = [f"{errors} error{'s' if errors != 1 else ''}"] if errors else []
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return ", ".join(parts)


def format_problems(problems: list[Problem], fmt: str) -> str:
    ordered = sorted(problems)
    if fmt == "json":
        return _json_escape(json.dumps([asdict(p) for p in ordered], ensure_ascii=False, indent=2))
    if fmt == "github":
        return "\n".join([*(p.as_github() for p in ordered), summary(ordered)])
    lines = [p.as_text() for p in ordered]
    lines.append(summary(ordered))
    return "\n".join(lines)


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)
