"""Hostile text: characters that hide, file names that forge lines, ids that take a page's place, text in NFD.

Each class is attacked through the real parts: real files (named as an attacker would name them), the
real YAML loader, the real command line in a process of its own, the real MkDocs build.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from markdown.extensions.toc import slugify as toc_slugify

from demarche.chars import printable
from demarche.pipeline import Project, check, generate_pages
from demarche.problems import Problem, format_problems
from demarche.schema import RESERVED_IDS, SEARCH_BOX_ID_PREFIX, SOURCE_PAGE_ANCHORS
from demarche.slug import heading_anchor
from demarche.urls import FOLDERS
from tests.conftest import MINIMAL, ROOT, make_project

BIDI_CONTROLS = [*"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]
HIDDEN = [
    *BIDI_CONTROLS,
    *"\u200e\u200f\u061c",  # directional marks
    *"\u200b\u200c\u200d\u2060\ufeff",  # zero-width characters
    "\u00ad",  # soft hyphen
    "\U000e0001",  # a tag character
    "\ufe0f",  # a variation selector
    "\u3164",  # a Hangul filler
    "\u2028",  # a line separator
]
LINE = re.compile(r"^([^:\n]+):(\d+):(\d+): (error|warning): (.*)$")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command line in a process of its own, writing UTF-8 strictly (as in any UTF-8 locale)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "demarche", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


# Messages


@pytest.mark.parametrize("ch", HIDDEN, ids=[f"U+{ord(c):04X}" for c in HIDDEN])
def test_every_format_shows_a_hidden_character_escaped(ch: str, project: Callable[..., Project]) -> None:
    """An unknown key quotes what was typed: the character is shown as its escape, JSON keeps it exactly."""
    key = f'"na\\u{ord(ch):04x}me"' if ch == "\u2028" else f"na{ch}me"  # typed raw, U+2028 would end the line
    p = project({"sources/actors/nato.md": f"---\nname: NATO\nkind: organization\n{key}: x\n---\n"}, site_parts=False)
    _, problems = check(p)
    escape = f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}"
    text = format_problems(problems, "text")
    assert text.splitlines()[0] == f"sources/actors/nato.md:4:1: error: unknown key 'na{escape}me' in the front matter"
    github = format_problems(problems, "github")
    assert f"unknown key 'na{escape}me'" in github
    raw = format_problems(problems, "json")
    assert ch not in text + github + raw
    assert json.loads(raw)[0]["message"] == f"unknown key 'na{ch}me' in the front matter"


def unescape_path(shown: str) -> str:
    """The inverse of problems._printable_path, written from its description: \\xNN above 0x7f is a raw byte."""

    def one(m: re.Match[str]) -> str:
        code = m.group(1) or m.group(2) or m.group(3)
        if code:
            value = int(code, 16)
            return chr(0xDC00 + value) if m.group(1) and value > 0x7F else chr(value)
        return {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}[m.group(4)]

    return re.sub(r"\\(?:x([0-9a-f]{2})|u([0-9a-f]{4})|U([0-9a-f]{8})|([ntr\\]))", one, shown)


FORGING_NAMES = [
    b"x:1:1: error: forged.md",
    b"new\nnato.md:1:1: error: forged.md",
    b"cr\rhere.md",
    b"tab\tname.md",
    b"back\\x3a\\n.md",
    "bi\u202edm.di".encode(),
    "zero\u200bwidth.md".encode(),
    "c1\u0085.md".encode(),
    b"raw\x85.md",
    b"not-utf8-\xff.md",
    b"esc\x1b[31mred.md",
]


def test_a_file_name_cannot_forge_a_problem_line(tmp_path: Path) -> None:
    """Every problem is exactly one line of the form path:line:col, and its path reads back as the real file's."""
    root = make_project(tmp_path / "p", dict(MINIMAL), with_site_parts=False).root
    folder = os.fsencode(root / "sources" / "actors")
    for name in FORGING_NAMES:
        with open(folder + b"/" + name, "wb") as f:
            f.write(b"---\nname: X\nkind: person\n---\nText.\n")
    (root / "sources" / "texts" / "20:21").mkdir()
    (root / "sources" / "texts" / "20:21" / "a.md").write_text("---\ntitle: A\ndate: 2021-12-04\nkind: article\n---\nA.\n")
    text = run_cli("check", cwd=root)
    as_json = run_cli("check", "--format", "json", cwd=root)
    github = run_cli("check", "--format", "github", cwd=root)
    for run in (text, as_json, github):
        assert run.returncode == 1 and run.stderr == "", run.stderr
    problems = json.loads(as_json.stdout)
    assert len(problems) == len(FORGING_NAMES) + 1  # each bad file name (or a file not read), a text in the wrong folder
    lines = [line for line in text.stdout.splitlines() if LINE.match(line)]
    assert len(lines) == len(problems)
    for line, problem in zip(lines, problems, strict=True):
        path, at_line, col, severity, _ = LINE.match(line).groups()  # type: ignore[union-attr]
        assert unescape_path(path) == problem["path"]
        assert (int(at_line), int(col), severity) == (problem["line"], problem["column"], problem["severity"])
    assert len(github.stdout.splitlines()) == len(problems) + 1  # and the summary


def test_a_byte_that_is_not_utf8_and_a_c1_character_print_apart() -> None:
    assert Problem("sources/actors/a\udc85.md", 1, 1, "error", "x", "m").as_text().startswith("sources/actors/a\\x85.md:")
    assert Problem("sources/actors/a\u0085.md", 1, 1, "error", "x", "m").as_text().startswith("sources/actors/a\\u0085.md:")
    assert printable("a\\x3a") == "a\\x3a"  # printable leaves backslashes; only a path doubles them
    assert Problem("a\\x3a:b", 1, 1, "error", "x", "m").as_text().startswith("a\\\\x3a\\x3ab:1:1:")


# Broken pipes


BIG = {"sources/actors/nato.md": "---\nname: NATO\nkind: organization\n" + "".join(f"k{i}: x\n" for i in range(3000)) + "---\n"}


@pytest.mark.parametrize(
    ("args", "stream"),
    [
        (("check",), "stdout"),
        (("check", "--format", "json"), "stdout"),
        (("check", "--format", "github"), "stdout"),
        (("generate",), "stderr"),
        (("build",), "stderr"),
    ],
)
def test_output_cut_short_ends_quietly(args: tuple[str, ...], stream: str, tmp_path: Path) -> None:
    """`demarche check | head -1`: the reader goes after one line; no traceback, status 1 (Python's recipe)."""
    root = make_project(tmp_path / "p", {**MINIMAL, **BIG}, with_site_parts=False).root
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "demarche", *args], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    cut, other = (proc.stdout, proc.stderr) if stream == "stdout" else (proc.stderr, proc.stdout)
    assert cut is not None and other is not None
    first = cut.readline()
    cut.close()
    rest = other.read()
    assert proc.wait(timeout=120) == 1
    assert first.startswith((b"sources/actors/nato.md:4:1: error: unknown key 'k0'", b"[", b"::error file=sources"))
    assert rest == b""


# Unicode normalisation


NFC_BODY = "Лавров заявил: «Дальнейшее продвижение НАТО на восток затронет безопасность России». Le café résumé des nouvelles."


@pytest.mark.parametrize(("body_form", "quote_form"), [("NFD", "NFC"), ("NFC", "NFD"), ("NFD", "NFD"), ("NFKD", "NFC")])
def test_a_quote_matches_its_text_whatever_the_normal_form(
    body_form: str, quote_form: str, project: Callable[..., Project]
) -> None:
    body = unicodedata.normalize(body_form, NFC_BODY)
    quote = unicodedata.normalize(quote_form, "Дальнейшее продвижение НАТО на восток затронет")
    source = (
        "---\ntitle: Лавров\ndate: 2021-12-04\nkind: article\nlanguage: ru\nstatements:\n"
        f"  - speaker: sergei-lavrov\n    quote: {quote}\n  - speaker: sergei-lavrov\n    quote: café résumé des nouvelles\n---\n{body}\n"
    )
    if body_form == "NFKD":  # no compatibility character in this text: NFKD and NFD agree
        assert body == unicodedata.normalize("NFD", NFC_BODY)
    archive, problems = check(project({"sources/texts/2021/lavrov-osce.md": source}, site_parts=False))
    assert problems == []
    (src,) = [s for s in archive.sources if s.id == "lavrov-osce"]
    assert src.body == NFC_BODY
    assert [src.body[s.span.start : s.span.end] for s in src.statements] == [
        "Дальнейшее продвижение НАТО на восток затронет",
        "café résumé des nouvelles",
    ]


def test_a_text_in_nfd_is_marked_where_readers_see_the_quote(project: Callable[..., Project]) -> None:
    body = unicodedata.normalize("NFD", "Il a dit: « Les garanties de sécurité juridiquement contraignantes » hier.")
    source = (
        "---\ntitle: Déclaration\ndate: 2021-12-04\nkind: article\nlanguage: fr\nstatements:\n"
        "  - speaker: sergei-lavrov\n    quote: Les garanties de sécurité juridiquement contraignantes\n"
        f"    id: garanties\n---\n{body}\n"
    )
    _, pages, _ = generate_pages(project({"sources/texts/2021/declaration.md": source}))
    page = pages["sources/declaration.md"]
    assert (
        '<mark class="dm-quote dm-direct" id="q-garanties" data-who="Sergei Lavrov, direct quote">Les garanties de sécurité juridiquement contraignantes</mark>'
        in page
    )
    assert unicodedata.is_normalized("NFC", page)


# Ids and anchors that take a page's place


def test_reserved_ids_cover_every_page_the_build_writes_in_a_record_folder(tmp_path: Path) -> None:
    """A long archive (every list split into pages, a former id): no page in a record folder but its records'."""
    files = dict(MINIMAL)
    files["sources/actors/russia.md"] = "---\nname: Russia\nkind: state\nformer_ids: [russian-federation]\n---\nR.\n"
    for n in range(101):
        files[f"sources/texts/2021/s{n}.md"] = (
            f"---\ntitle: S{n}\ndate: 2021-12-04\nkind: article\nagreements: [bucharest-summit-declaration-2008]\n"
            "demands: [no-further-nato-enlargement]\nstatements:\n  - speaker: sergei-lavrov\n"
            f"    quote: NATO to the east, for the {n}th time\n"  # one passage in many sources would be one remark
            "    makes: [no-further-nato-enlargement]\n    cites: [bucharest-summit-declaration-2008]\n"
            f"---\nNATO to the east, for the {n}th time, said Lavrov of Russia and NATO.\n"
        )
    graph, pages, _ = generate_pages(make_project(tmp_path / "p", files))
    records = {kind: {r.id for r in getattr(graph.archive, f"{kind}s")} for kind in FOLDERS}
    former = {"actor": {"russian-federation"}}
    assert "actors/sergei-lavrov/statements/page-2.md" in pages and "sources/by-year/2021/page-2.md" in pages
    assert "actors/russian-federation/index.html" in pages
    others: dict[str, set[str]] = {kind: set() for kind in FOLDERS}
    for doc in pages:
        for kind, folder in FOLDERS.items():
            if doc.startswith(folder + "/"):
                name = doc[len(folder) + 1 :].split("/")[0].removesuffix(".md")
                if name not in records[kind] | former.get(kind, set()):
                    others[kind].add(name)
    assert others == {kind: set(names) for kind, names in RESERVED_IDS.items()}


def test_the_declared_page_anchors_are_the_headings_of_the_source_template() -> None:
    template = (ROOT / "templates" / "source.md.j2").read_text(encoding="utf-8")
    headings = re.findall(r"^##? (?!#)(.+)$", template, flags=re.MULTILINE)
    fixed = [h for h in headings if "{" not in h]
    assert {heading_anchor(h): h for h in fixed} == SOURCE_PAGE_ANCHORS


TITLES = [
    "Lavrov at the OSCE",
    "«Кошмарный» сценарий",
    "A & B: C/D — «E»",
    "  Ünïcödé   Tïtlé  ",
    "NATO's *open door*",
    "ﬁnancial ½ ①",
    "Q-1_2",
    "日本語",
]


@pytest.mark.parametrize("title", TITLES)
def test_heading_anchor_is_what_python_markdown_makes(title: str) -> None:
    assert heading_anchor(title) == toc_slugify(title, "-")


# One build of a hostile archive, through MkDocs


HOSTILE: dict[str, str | bytes] = {
    # NFD text; a bidi control in the text and in a quote (warnings); emoji sequences with joiners, variation
    # selectors and tags; right-to-left text with its marks; a line of 200,000 characters; every page part.
    "sources/texts/2021/hostile.md": (
        "---\n"
        "title: Hostile «text» — with *Markdown* & <b>HTML</b>\n"
        "date: 2021-12-04\n"
        "kind: transcript\n"
        "publisher: Kommersant\n"
        "authors: [sergei-lavrov]\n"
        "place: Stockholm\n"
        "language: en\n"
        "original_language: ru\n"
        "url: https://example.org/a\n"
        "archive_url: https://web.archive.org/a\n"
        'summary: "A summary with \\u2067isolated\\u2069 words."\n'
        "actors: [nato]\n"
        "statements:\n"
        "  - speaker: sergei-lavrov\n"
        "    quote: Les garanties de sécurité juridiquement contraignantes\n"
        "    id: garanties\n"
        "  - speaker: sergei-lavrov\n"
        '    quote: "family \\U0001F468\\u200D\\U0001F469\\u200D\\U0001F467 and flag \\U0001F3F4\\U000E0067\\U000E0062\\U000E0065'
        '\\U000E006E\\U000E0067\\U000E007F here"\n'
        "    occasion: OSCE\n"
        "  - speaker: sergei-lavrov\n"
        '    quote: "قال \\u200fالوزير إن الحلف"\n'
        "  - speaker: sergei-lavrov\n"
        '    quote: "the \\u202eoverride\\u202c stays marked"\n'
        "---\n"
        + unicodedata.normalize("NFD", "Il a dit: « Les garanties de sécurité juridiquement contraignantes » hier.\n\n")
        + "A family 👨\u200d👩\u200d👧 and flag 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f here.\n\n"
        + "قال \u200fالوزير إن الحلف لن يتوسع.\n\n"
        + "Then the \u202eoverride\u202c stays marked, and a soft\u00adhyphen, a zero\u200bwidth space.\n\n"
        + ("long " * 40_000)
        + "\n"
    ),
}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = make_project(tmp_path_factory.mktemp("hostile") / "p", {**MINIMAL, **HOSTILE}).root
    run = run_cli("build", cwd=root)
    assert run.returncode == 0, run.stderr
    return root, run.stdout + run.stderr


def test_a_hostile_archive_builds_and_says_only_warnings(hostile_site: tuple[Path, str]) -> None:
    root, output = hostile_site
    assert "Traceback" not in output
    checked = run_cli("check", cwd=root)
    assert checked.returncode == 0
    assert checked.stdout.splitlines() == [
        "sources/texts/2021/hostile.md:12:26: warning: 'summary' holds 2 characters that change the order in which "
        "the text around them is shown, first U+2067 RIGHT-TO-LEFT ISOLATE",
        "    hint: keep them only if the published text has them; delete them otherwise",
        "sources/texts/2021/hostile.md:24:17: warning: 'quote' holds 2 characters that change the order in which "
        "the text around them is shown, first U+202E RIGHT-TO-LEFT OVERRIDE",
        "    hint: keep them only if the published text has them; delete them otherwise",
        "sources/texts/2021/hostile.md:32:10: warning: the text holds 2 characters that change the order in which "
        "the text around them is shown, first U+202E RIGHT-TO-LEFT OVERRIDE",
        "    hint: keep them only if the published text has them; delete them otherwise",
        "3 warnings",
    ]


def test_a_hostile_page_marks_every_quote_and_has_no_stray_anchor(hostile_site: tuple[Path, str]) -> None:
    root, _ = hostile_site
    archive, _ = check(Project(root))
    (source,) = [s for s in archive.sources if s.id == "hostile"]
    page = (root / "site" / "sources" / "hostile" / "index.html").read_text(encoding="utf-8")
    assert (
        '<mark class="dm-quote dm-direct" id="q-garanties" data-who="Sergei Lavrov, direct quote">Les garanties de sécurité juridiquement contraignantes</mark>'
        in page
    )
    for statement in source.statements:
        assert f'id="q-{statement.id}"' in page, statement.id
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    title_anchor = heading_anchor(source.title)
    assert f'<h1 id="{title_anchor}">' in page
    statement_ids = {s.id for s in source.statements}
    known = statement_ids | {f"q-{i}" for i in statement_ids} | set(SOURCE_PAGE_ANCHORS) | {title_anchor}
    assert {i for i in ids if i.startswith(SEARCH_BOX_ID_PREFIX)} >= {"dm-search-input", "dm-search-results"}
    theirs = ("__", SEARCH_BOX_ID_PREFIX)  # the theme's own ids, and the header's search box's
    assert {i for i in ids if not i.startswith(theirs)} == known


@pytest.mark.parametrize(
    "case",
    [
        "control_characters_from_yaml_escapes",
        "lone_surrogates_and_escapes_beyond_unicode",
        "hidden_characters_in_one_line_fields",
        "reserved_ids",
        "statement_anchor_taken",
    ],
)
@pytest.mark.parametrize("command", [("generate",), ("build",), ("serve", "--dev-addr", "127.0.0.1:1")])
def test_refused_content_stops_every_command_without_a_traceback(case: str, command: tuple[str, ...], tmp_path: Path) -> None:
    """serve checks before it starts MkDocs, so it stops too (here before binding its address)."""
    from tests.test_bad_input import case_project, expected

    path = ROOT / "tests" / "bad_input" / f"{case}.yml"
    root = case_project(path, tmp_path / "p")
    run = run_cli(*command, cwd=root)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith(expected(path)[0])
    assert not (root / "docs").exists() and not (root / "site").exists()
