"""Property: whatever a file holds, check ends in problems that point at a file and a line, never in an exception.

Hypothesis starts from the real records of the golden sample and mutates them: bytes and lines
(broken YAML, stray markers, bytes that are not UTF-8), values (any type, anywhere, in any key),
and YAML written as an attacker would write it (escapes of surrogates and controls, keys that are
not text, huge numbers, odd dates, deep nesting, long lines, characters that hide). An archive
that comes out with no error must then link, render and be written, since content is only data.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demarche.link import link
from demarche.load import load_file
from demarche.pipeline import outputs, plan_site
from demarche.problems import Problem, format_problems, has_errors
from demarche.render import render_pages
from demarche.schema import KINDS, NESTED, Field
from demarche.urls import INTRODUCTION, SiteInfo
from demarche.validate import validate
from demarche.write import write_pages
from tests.golden import golden_files

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FILES = {rel: data for rel, data in golden_files().items() if rel != f"sources/{INTRODUCTION}"}  # the records
KIND_OF_FOLDER = {kind.folder: kind.name for kind in KINDS.values()}
FIELD_NAMES = sorted({f.name for kind in KINDS.values() for f in kind.fields} | {f.name for fs in NESTED.values() for f in fs})
IDS = sorted(Path(rel).stem for rel in FILES)
TRICKY = [
    *IDS,
    "",
    " ",
    "---",
    "2021-02-30",
    "2021-12",
    "1999",
    "https://example.org/a",
    "javascript:alert(1)",
    "../../etc/passwd",
    "{{ 7*7 }}",
    "{% include 'x' %}",
    "<script>alert(1)</script>",
    "[a](javascript:alert(1))",
    "Q42",
    "en",
    "in force",
    "statement",
    "person",
    "Сергей Лавров",
    "The OSCE is in a depressing state",
]
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

# Text as an attacker or a careless paste writes it: surrogates, controls, characters that hide or reorder,
# combining marks, and the odd characters of real scripts (right to left, astral, joined emoji, tags).
ODD = [
    *"\u202e\u2066\u200f\u200b\u200d\ufeff\u00ad\u2028\x85\x00\ud800\udcff\ufb01\ufe0f\U0010ffff",
    "\x1b[2J",
    "e\u0301",
    "\U0001f468\u200d\U0001f469",
    "\U0001f3f4\U000e0067\U000e0062\U000e007f",
    "\u0642\u0627\u0644",
    "\u05e9\u05dc\u05d5\u05dd",
]
hostile_text = st.text(
    alphabet=st.characters(codec=None, categories=["Cs", "Cc", "Cf", "Zl", "Zp", "Zs", "Mn", "Lo", "Ll", "So"]),
    max_size=30,
) | st.lists(st.sampled_from([*ODD, *TRICKY]) | st.text(max_size=5), max_size=5).map("".join)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.text(max_size=40),
    st.sampled_from(TRICKY),
    hostile_text,
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
snippets = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["---\n", "...\n", ": ", "- ", "[", "]", "{", "}", '"', "'", "\t", "&a ", "*a", "!!python/object ", "#", "\n", "\r\n"]
    ),
    st.sampled_from(TRICKY),
    st.binary(max_size=6).map(lambda b: b.decode("latin-1")),
)


def check_files(files: dict[str, bytes]) -> list[Problem]:
    """Load and validate the files as the pipeline does; render and write them when they have no error."""
    raws = [load_file(KIND_OF_FOLDER[rel.split("/")[1]], data, rel) for rel, data in files.items()]
    loaded = [problem for _, found in raws for problem in found]
    archive, found = validate(record for record, _ in raws)
    problems = sorted(loaded + found)
    for fmt in ("text", "json", "github"):  # every message can be printed, in every format
        format_problems(problems, fmt).encode("utf-8")
    if not has_errors(problems):
        pages, files = plan_site(link(archive), SiteInfo("Demarche", "https://example.org/"))
        with tempfile.TemporaryDirectory() as docs:
            write_pages(Path(docs), outputs(render_pages(pages, TEMPLATES), files))
    return problems


def assert_pointed(problems: list[Problem], files: dict[str, bytes]) -> None:
    for p in problems:
        assert p.path in files, p
        assert p.severity in ("error", "warning"), p
        assert 1 <= p.line <= len(files[p.path].splitlines()) + 1, p
        assert p.column >= 1 and p.message, p


@SETTINGS
@given(data=st.data())
def test_mutated_bytes_and_lines_give_problems_never_exceptions(data: st.DataObject) -> None:
    files = dict(FILES)
    for _ in range(data.draw(st.integers(1, 3))):
        rel = data.draw(st.sampled_from(sorted(files)))
        text = files[rel].decode("utf-8", errors="surrogateescape")
        at = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(at, min(len(text), at + 40)))
        lines = text.split("\n")
        line = data.draw(st.integers(0, len(lines) - 1))
        operation = data.draw(st.sampled_from(["insert", "delete", "replace-line", "repeat-line", "truncate"]))
        if operation == "insert":
            text = text[:at] + data.draw(snippets) + text[at:]
        elif operation == "delete":
            text = text[:at] + text[end:]
        elif operation == "replace-line":
            text = "\n".join([*lines[:line], data.draw(snippets), *lines[line + 1 :]])
        elif operation == "repeat-line":
            text = "\n".join([*lines[: line + 1], *lines[line:]])
        else:
            text = text[:at]
        files[rel] = text.encode("utf-8", errors="surrogateescape")
    assert_pointed(check_files(files), files)


def typed_value(spec: Field, body: str) -> st.SearchStrategy[Any]:
    """Values near what the field expects (where the checks that could crash are), or anything at all."""
    ids = st.sampled_from(IDS) | st.sampled_from(IDS).map(lambda i: i[:-1] + "x") | st.from_regex(r"\A[a-z0-9./-]{0,12}\Z")
    near: dict[str, st.SearchStrategy[Any]] = {
        "date": st.builds("{:04}-{:02}-{:02}".format, st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99))
        | st.from_regex(r"\A\d{1,5}(-\d{1,2}(-\d{1,2})?)?\Z")
        | st.integers(-1, 99999),
        "id": ids,
        "slug": ids,
        "ids": st.lists(ids, max_size=3),
        "slugs": st.lists(ids, max_size=3),
        "enum": st.sampled_from(spec.choices or ("x",)) | st.sampled_from(spec.choices or ("x",)).map(str.upper),
        "url": st.sampled_from(["https://example.org/", "http://x", "https://", "javascript:alert(1)", "//x.org"])
        | st.text(max_size=20).map(lambda t: "https://" + t),
        "language": st.from_regex(r"\A[a-zA-Z]{1,4}(-[A-Za-z0-9]{1,9})?\Z"),
        "wikidata": st.from_regex(r"\AQ?[0-9]{0,6}\Z"),
        "bool": st.booleans() | st.sampled_from(["yes", "true", 1]),
        "strings": st.lists(st.text(max_size=20), max_size=3),
        "text": st.text(max_size=40) | st.sampled_from(TRICKY) | passages(body),
    }
    nested = NESTED.get(spec.type)
    if nested:
        items = st.fixed_dictionaries({}, optional={f.name: typed_value(f, body) for f in nested})
        return st.lists(items, max_size=3) | values
    return near.get(spec.type, values) | values


def passages(body: str) -> st.SearchStrategy[str]:
    """Passages of the body, so that statements are found and the archive goes on to render."""
    return st.integers(0, max(0, len(body) - 1)).flatmap(
        lambda at: st.integers(at + 1, len(body) + 1).map(lambda end: body[at:end])
    )


@SETTINGS
@given(data=st.data())
def test_any_value_in_any_field_gives_problems_never_exceptions(data: st.DataObject) -> None:
    files = dict(FILES)
    rel = data.draw(st.sampled_from(sorted(files)))
    front, body = _split(files[rel].decode("utf-8"))
    target: Any = front
    fields = KINDS[KIND_OF_FOLDER[rel.split("/")[1]]].fields
    if "statements" in front and data.draw(st.booleans()):
        target = front["statements"][data.draw(st.integers(0, len(front["statements"]) - 1))]
        fields = NESTED["statements"]
    for _ in range(data.draw(st.integers(1, 3))):
        spec = data.draw(st.sampled_from(fields))
        if data.draw(st.integers(0, 5)) == 0:
            target.pop(spec.name, None)
        elif data.draw(st.integers(0, 5)) == 0:
            target[data.draw(st.text(max_size=8))] = data.draw(values)
        else:
            target[spec.name] = data.draw(typed_value(spec, body))
    if data.draw(st.booleans()):
        body = data.draw(st.sampled_from(["", body + "\n", body])) + data.draw(snippets)
    dumped = yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
    files[rel] = f"---\n{dumped}---\n{body}".encode("utf-8", errors="surrogatepass")
    assert_pointed(check_files(files), files)


def _split(text: str) -> tuple[dict[str, Any], str]:
    _, front, body = text.split("---\n", 2)
    data = yaml.safe_load(front)
    assert isinstance(data, dict)
    return data, body


def test_the_golden_archive_is_clean_to_start_from() -> None:
    assert check_files(dict(FILES)) == []


# YAML as it is written: what a value or a key can be in the source text of the front matter.
ESCAPES = [r"\ud800", r"\udfff", r"\ud83d\ude00", r"\x07", r"\x85", r"\N", r"\L", r"\P", r"\_", r"\0", r"\e", r"\x7f"]
ESCAPES += [r"\x9b", r"\t", r"\n", r"\r", r"\u202e", r"\u200b", r"\U000e0001", r"\U0010FFFF", r"\UFFFFFFFF", r"\U00110000"]
ESCAPES += ["\\\\", '\\"']
ODD_VALUES = ["9" * 5000, "1e400", "1.0e400", ".inf", "-.nan", "0x1F", "0o17", "1_000", "190:20:30", "-0", "~", "null"]
ODD_VALUES += ["2021-02-30", "99999", "0000-00-00", "2021-12-04T10:00:00Z", "2021-1-1", "2021-12-04 10:00", "9999-12-31"]
ODD_VALUES += ["yes", "no", "on", "off", "[yes, no, on, off, ~]", "[1, 2.5, true]", "!!binary aGk=", "!!str 12", "!custom x"]
ODD_VALUES += ["<<: {a: 1}", "{a: [b, {c: d}]}", "[" * 30 + "]" * 30, "|\n  block\n  text", ">-\n  folded\n\n  text"]
ODD_VALUES += ["'single ''quoted'''", "&anchor x", "*anchor", "x # comment", "'" + "long " * 20_000 + "'"]
yaml_values = st.one_of(
    st.lists(st.sampled_from(ESCAPES) | st.text(alphabet="abc -", max_size=3), max_size=5).map(lambda p: '"' + "".join(p) + '"'),
    st.sampled_from(ODD_VALUES),
    hostile_text.map(lambda t: '"' + t.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'),
    st.sampled_from(IDS).map(lambda i: f"[{i}, {i.upper()}, '{i}\u200b']"),
    st.text(st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), min_size=1, max_size=30).map(
        lambda t: "'" + t.replace("'", "''") + "'"
    ),
)
yaml_keys = st.one_of(
    st.sampled_from(FIELD_NAMES),
    st.sampled_from(["1", "null", "true", "2021-01-01", "? [a]\n", "[a, b]", "{a: 1}", "<<", r'"\ud800"', r'"ti\x07tle"']),
    st.sampled_from(FIELD_NAMES).map(lambda k: f'"{k}\\u200b"'),
)


@SETTINGS
@given(data=st.data())
def test_yaml_written_by_an_attacker_gives_problems_never_exceptions(data: st.DataObject) -> None:
    files = dict(FILES)
    for _ in range(data.draw(st.integers(1, 3))):
        rel = data.draw(st.sampled_from(sorted(files)))
        lines = files[rel].decode("utf-8").split("\n")
        close = lines.index("---", 1)
        line = data.draw(st.integers(1, close))
        key = data.draw(yaml_keys) if line == close or data.draw(st.booleans()) else lines[line].split(":")[0]
        indent = lines[line][: len(lines[line]) - len(lines[line].lstrip())] if line < close else ""
        new = f"{indent}{key}: {data.draw(yaml_values)}"
        lines = [*lines[:line], new, *lines[line + 1 :]] if line < close else [*lines[:line], new, *lines[line:]]
        files[rel] = "\n".join(lines).encode("utf-8")
    assert_pointed(check_files(files), files)


@SETTINGS
@given(data=st.data(), text=hostile_text, where=st.sampled_from(["body", "quote", "title"]))
def test_hostile_text_gives_problems_or_a_written_site(data: st.DataObject, text: str, where: str) -> None:
    """Characters that hide, in a text, in a quote that stands in it, or in a title: problems, or pages written."""
    files = dict(FILES)
    rel = data.draw(st.sampled_from(sorted(r for r in files if "/texts/" in r)))
    front, body = _split(files[rel].decode("utf-8"))
    at = data.draw(st.integers(0, len(body)))
    body = body[:at] + text + body[at:]
    if where == "quote" and front.get("statements"):
        statement = front["statements"][0]
        start = max(0, at - data.draw(st.integers(0, 20)))
        statement["quote"] = body[start : at + len(text) + data.draw(st.integers(0, 20))]
        statement.pop("id", None)
    elif where == "title":
        front["title"] = text + front["title"]
    dumped = yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
    files[rel] = f"---\n{dumped}---\n{body}".encode("utf-8", errors="surrogatepass")
    assert_pointed(check_files(files), files)
