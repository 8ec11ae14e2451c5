"""Links are judged on what Python-Markdown makes of them, wherever the Markdown puts them (issue 10, point 1).

`check` renders each body as its page renders it, with the extensions MkDocs reads from mkdocs.yml,
and refuses every URL in the result that is not http(s) with a host, mailto or the site's own, at
the line and column where the URL is written (for a reference link, its definition). The tests
attack the class: every construct that can hold a link, times every way of disguising a scheme;
then one real MkDocs build of many of them shows that `check` sees exactly the links the built
pages would carry, and that `build` refuses to ship them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.config import load_config

from demarche import htmlcheck, sitemarkdown
from demarche.link import link
from demarche.load import load_archive
from demarche.pipeline import Project, build, check, outputs, plan_site
from demarche.problems import ContentError, Problem
from demarche.publish import publish
from demarche.records import Span
from demarche.render import render_pages
from demarche.schema import KINDS, NESTED
from demarche.text import QuoteMark, body_markdown
from demarche.validate import validate
from demarche.write import write_pages
from tests.conftest import MINIMAL, ROOT, make_project

SCHEME = "link to '{}': links in a text may go to http(s) or mailto addresses only"
USERINFO = "link to '{}': a link must not carry a user name or password"
USERINFO_HINT = "remove the 'name:password@' part: a reader's browser would send it"
FRONT = {
    "source": ("texts/2021", "---\ntitle: A case\ndate: 2021-12-04\nkind: article\n---\n"),
    "actor": ("actors", "---\nname: A case\nkind: person\n---\n"),
    "agreement": ("agreements", "---\ntitle: A case\nkind: declaration\n---\n"),
    "demand": ("demands", "---\ntitle: A case\nby: [russia]\nof: [nato]\n---\n"),
}

# Every construct that can hold a link; {url} stands where the URL is written.
CONSTRUCTS = {
    "inline": "See [the text]({url}) here.",
    "inline-with-title": 'See [the text]({url} "A title") here.',
    "inline-nested-brackets": "A [nested [bracket] one]({url}) here.",
    "inline-text-over-two-lines": "A [link text\nover two lines]({url}) here.",
    "inline-in-list-item": "Intro.\n\n- An item with [a link]({url}).",
    "inline-in-table-cell": "| a | b |\n|---|---|\n| [a link]({url}) | c |",
    "inline-in-heading": "Intro.\n\n## A [heading link]({url})",
    "inline-in-admonition": "Intro.\n\n!!! warning\n    A [link]({url}) here.",
    "inline-in-admonition-title": 'Intro.\n\n!!! note "[a]({url})"\n    Body.',
    "inline-in-details-title": 'Intro.\n\n??? note "[a]({url})"\n    Body.',
    "inline-in-html-comment": "Intro.\n\n<!-- [a]({url}) -->",
    "inline-in-md-in-html-div": "Intro.\n\n<div markdown>\n[a link]({url})\n</div>",
    "reference-full": "See [the text][ref].\n\n[ref]: {url}",
    "reference-collapsed": "See [ref][].\n\n[ref]: {url}",
    "reference-shortcut": "See [ref].\n\n[ref]: {url}",
    "reference-used-twice": "See [the text][ref] and [again][ref].\n\n[ref]: {url}",
    "reference-with-title": 'See [the text][ref].\n\n[ref]: {url} "A title"',
    "reference-url-on-next-line": "See [the text][ref].\n\n[ref]:\n    {url}",
    "reference-in-paragraph": "See [the text][ref].\nMore text.\n[ref]: {url}",
    "reference-in-blockquote": "See [the text][ref].\n\n> Quoted.\n>\n> [ref]: {url}",
    "reference-in-nested-blockquote": "See [the text][ref].\n\n> > [ref]: {url}",
    "reference-in-list-item": "See [the text][ref].\n\n- An item.\n\n    [ref]: {url}",
    "reference-as-list-item": "See [the text][ref].\n\n- [ref]: {url}",
    "reference-as-ordered-item": "See [the text][ref].\n\n1. One.\n2. [ref]: {url}",
    "reference-in-list-in-blockquote": "See [the text][ref].\n\n> - An item.\n>     - [ref]: {url}",
    "reference-in-admonition": "See [the text][ref].\n\n!!! note\n    [ref]: {url}",
    "reference-in-details": 'See [the text][ref].\n\n??? note "More"\n    [ref]: {url}',
    "reference-in-admonition-in-blockquote": "See [the text][ref].\n\n> !!! note\n>     [ref]: {url}",
    "reference-in-details-in-list-item": "See [the text][ref].\n\n- An item.\n\n    ??? note\n        [ref]: {url}",
    "reference-in-md-in-html-div": "See [the text][ref].\n\n<div markdown>\n[ref]: {url}\n</div>",
}


@dataclass(frozen=True)
class Variant:
    url: str
    message: str
    hint: str = ""


def scheme(url: str) -> Variant:
    return Variant(url, SCHEME.format(url))


# Every way of writing a scheme a browser would run or fetch: as the page carries it, or once the
# HTML entities that the page keeps as text are decoded.
VARIANTS = {
    "javascript": scheme("javascript:alert(1)"),
    "mixed-case": scheme("JaVaScRiPt:alert(1)"),
    "entity-hex": scheme("jav&#x61;script:alert(1)"),
    "entity-decimal": scheme("jav&#97;script:alert(1)"),
    "entity-tab": scheme("java&Tab;script:alert(1)"),
    "entity-newline": scheme("java&#10;script:alert(1)"),
    "entity-control-first": scheme("&#1;javascript:alert(1)"),
    "entity-colon": scheme("javascript&colon;alert(1)"),
    "backslash-colon": scheme("javascript\\:alert(1)"),
    "data": scheme("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
    "vbscript": scheme("vbscript:msgbox(1)"),
    "file": scheme("file:///etc/passwd"),
    "no-host": scheme("https:evil.example"),
    "password": Variant("https://reader:secret@example.org/", USERINFO.format("https://***@example.org/"), USERINFO_HINT),
    "password-no-scheme": Variant("//reader:secret@example.org/", USERINFO.format("//***@example.org/"), USERINFO_HINT),
}
# White space is part of the URL only in an inline link; elsewhere it ends it.
INLINE_ONLY_VARIANTS = {
    "tab": scheme("java\tscript:alert(1)"),
    "leading-space": Variant(" JavaScript:alert(1)", SCHEME.format("JavaScript:alert(1)")),
}


def case_file(kind: str, construct: str) -> tuple[str, str, tuple[int, int]]:
    """A record's file holding the construct, its path, and the line and column of {url} in it."""
    folder, front = FRONT[kind]
    text = front + CONSTRUCTS[construct] + "\n"
    at = text.index("{url}")
    return f"sources/{folder}/case-{construct}.md", text, (text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at))


def archive_of(folder: Path, cases: dict[str, str]) -> Project:
    return make_project(folder, {**MINIMAL, **cases}, with_site_parts=False)


CASE = "sources/texts/2021/case.md"


def check_body(folder: Path, body: str) -> dict[str, list[Problem]]:
    """The problems of an archive holding one more source, CASE, with this body."""
    return problems_by_file(archive_of(folder / "p", {CASE: FRONT["source"][1] + body}))


def problems_by_file(project: Project) -> dict[str, list[Problem]]:
    found: dict[str, list[Problem]] = {}
    for problem in check(project)[1]:
        found.setdefault(problem.path, []).append(problem)
    return found


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[Problem]]]:
    """One archive per variant, holding every construct in a source; checked once each."""
    results = {}
    for name, variant in {**VARIANTS, **INLINE_ONLY_VARIANTS}.items():
        files = {}
        for construct in CONSTRUCTS:
            path, text, _ = case_file("source", construct)
            files[path] = text.replace("{url}", variant.url)
        results[name] = problems_by_file(archive_of(tmp_path_factory.mktemp(name) / "p", files))
    return results


def expected(kind: str, construct: str, variant: Variant) -> list[Problem]:
    path, _, (line, column) = case_file(kind, construct)
    if variant.url.startswith(" "):
        column += 1  # the URL starts after the space
    return [Problem(path, line, column, "error", "unsafe-link", variant.message, variant.hint)]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("construct", CONSTRUCTS)
def test_check_reports_a_link_where_its_url_is_written(
    construct: str, variant: str, checked: dict[str, dict[str, list[Problem]]]
) -> None:
    path = case_file("source", construct)[0]
    assert checked[variant].get(path) == expected("source", construct, VARIANTS[variant])


@pytest.mark.parametrize("variant", INLINE_ONLY_VARIANTS)
@pytest.mark.parametrize("construct", [c for c in CONSTRUCTS if c.startswith("inline")])
def test_white_space_in_an_inline_link_does_not_hide_its_scheme(
    construct: str, variant: str, checked: dict[str, dict[str, list[Problem]]]
) -> None:
    path = case_file("source", construct)[0]
    assert checked[variant].get(path) == expected("source", construct, INLINE_ONLY_VARIANTS[variant])


@pytest.mark.parametrize("kind", ["actor", "agreement", "demand"])
def test_the_body_of_every_kind_of_record_is_judged_alike(kind: str, tmp_path: Path) -> None:
    files = {}
    for construct in CONSTRUCTS:
        path, text, _ = case_file(kind, construct)
        files[path] = text.replace("{url}", "javascript:alert(1)")
    found = problems_by_file(archive_of(tmp_path / "p", files))
    for construct in CONSTRUCTS:
        assert found.get(case_file(kind, construct)[0]) == expected(kind, construct, VARIANTS["javascript"]), construct


INDENTED = "    [a link](javascript:alert(1)) in an indented first line.\n"


def test_an_indented_first_line_is_a_link_where_the_page_trims_it(tmp_path: Path) -> None:
    """An actor's body is trimmed on its page, so its indented first line is no code block there; a source's is."""
    project = archive_of(
        tmp_path / "p",
        {"sources/actors/case.md": FRONT["actor"][1] + "\n" + INDENTED, CASE: FRONT["source"][1] + "\n" + INDENTED},
    )
    assert problems_by_file(project) == {
        "sources/actors/case.md": [
            Problem("sources/actors/case.md", 6, 14, "error", "unsafe-link", SCHEME.format("javascript:alert(1)"))
        ]
    }


def test_each_link_is_reported_once_and_the_live_definition_is_the_one(tmp_path: Path) -> None:
    """Two inline links are two errors; a URL also shown in code is no error there; the last definition of a label wins."""
    body = (
        "[a](javascript:alert(1)) and [b](javascript:alert(1)), not `[c](javascript:alert(1))`.\n\n"
        "See [ref] and [ref].\n\n"
        "[ref]: javascript:alert(2)\n"
        "[ref]: https://www.osce.org/\n\n"
        "And [other].\n\n"
        "[other]: https://www.osce.org/\n"
        "[other]: vbscript:msgbox(3)\n"
    )
    path = CASE
    assert check_body(tmp_path, body) == {
        path: [
            Problem(path, 6, 5, "error", "unsafe-link", SCHEME.format("javascript:alert(1)")),
            Problem(path, 6, 34, "error", "unsafe-link", SCHEME.format("javascript:alert(1)")),
            Problem(path, 16, 10, "error", "unsafe-link", SCHEME.format("vbscript:msgbox(3)")),
        ]
    }


def test_an_angle_bracket_destination_is_refused_with_a_hint(tmp_path: Path) -> None:
    """The page shows a text's '<' as text, so '<...>' stays in the URL: the link would be broken, or a scheme."""
    body = "A [script](<javascript:alert(1)>) and a [site](<https://www.osce.org/>).\n"
    path, hint = CASE, "write the address without the angle brackets"
    assert check_body(tmp_path, body) == {
        path: [
            Problem(path, 6, 12, "error", "unsafe-link", SCHEME.format("<javascript:alert(1)>"), hint),
            Problem(path, 6, 48, "error", "unsafe-link", SCHEME.format("<https://www.osce.org/>"), hint),
        ]
    }


# Written like links, but the page shows them as text (or runs them as code): no error, and no link.
INERT = {
    "autolink": "An autolink <javascript:alert(1)> stays text.",
    "raw-html-link": 'A <a href="javascript:alert(1)">raw link</a> stays text.',
    "code-span": "Code `[a](javascript:alert(1))` stays code.",
    "fenced-code": "Intro.\n\n```\n[a](javascript:alert(1))\n[ref]: javascript:alert(1)\n```",
    "indented-code": "Intro.\n\n    [a](javascript:alert(1))",
    "escaped-bracket": "An escaped \\[a](javascript:alert(1)) stays text.",
    "definition-never-used": "Nothing uses it.\n\n[ref]: javascript:alert(1)",
    "use-without-definition": "A [dangling][ref] reference.",
}
SAFE = {
    "https": "A [site](https://www.osce.org/) link.",
    "mailto": "Write to [the press office](mailto:press@example.org).",
    "anchor": "See [the statements](#statements).",
    "reference-https": "See [ref].\n\n> [ref]: https://www.osce.org/stockholm",
}


@pytest.mark.parametrize("body", [*INERT.values(), *SAFE.values()], ids=[*INERT, *SAFE])
def test_what_is_no_link_or_a_safe_one_is_no_error(body: str, tmp_path: Path) -> None:
    assert check_body(tmp_path, body + "\n") == {}


@pytest.mark.parametrize("url", ["www.osce.org", "../actors/nato/", "/demarche/", "//www.osce.org/", "?q=nato"])
def test_a_text_links_to_the_web_mail_and_its_own_anchors_only(url: str, tmp_path: Path) -> None:
    """A path would lead nowhere on this site (and MkDocs would refuse to build it): refused, as before."""
    assert check_body(tmp_path, f"A [link]({url}) and [another](#statements).\n") == {
        CASE: [Problem(CASE, 6, 10, "error", "unsafe-link", SCHEME.format(url))]
    }
    assert htmlcheck.refusal(url) == ""


def test_an_image_is_refused_as_before(tmp_path: Path) -> None:
    body = "An ![image](javascript:alert(1)) and an ![other](https://example.org/x.png).\n"
    path, hint = CASE, "the site loads nothing from other hosts; describe the image in words"
    assert check_body(tmp_path, body) == {
        path: [
            Problem(path, 6, 4, "error", "image", "images are not allowed in a text", hint),
            Problem(path, 6, 41, "error", "image", "images are not allowed in a text", hint),
        ]
    }


OTHER_FIELDS = {
    "source": "date: 2021-12-04\nkind: article\n",
    "actor": "kind: person\n",
    "agreement": "kind: declaration\n",
    "demand": "by: [russia]\nof: [nato]\n",
}


def test_text_fields_are_shown_as_text_so_links_in_them_are_no_links(tmp_path: Path) -> None:
    """Every text field of every kind holds a link; the page puts it in through text.md, which escapes it."""
    link_text = "[a](javascript:alert(1))"
    assert htmlcheck.unsafe_urls(link_text) == [("javascript:alert(1)", "scheme")]
    files = {}
    for kind, (folder, _) in FRONT.items():
        lines = [OTHER_FIELDS[kind]]
        for spec in KINDS[kind].fields:
            if spec.type == "text":
                lines.append(f"{spec.name}: '{link_text}'\n")
            elif spec.type == "strings":
                lines.append(f"{spec.name}: ['{link_text}']\n")
        lines.append(f"roles:\n  - title: '{link_text}'\n" if kind == "actor" else "")
        if kind == "source":
            lines.append(
                f"statements:\n  - speaker: sergei-lavrov\n    quote: A plain text of some length\n    occasion: '{link_text}'\n"
                f"    note: '{link_text}'\n"
            )
        files[f"sources/{folder}/case.md"] = "---\n" + "".join(lines) + "---\nA plain text of some length.\n"
    assert {f.name for f in NESTED["roles"] if f.type == "text"} == {"title"}
    assert {f.name for f in NESTED["statements"] if f.type == "text"} == {"quote", "occasion", "note"}
    assert problems_by_file(archive_of(tmp_path / "p", files)) == {}


# -- how URLs are judged -------------------------------------------------------------------------

REFUSED = {
    "javascript:alert(1)": "scheme",
    " \x01javascript:alert(1)": "scheme",
    "\x00\x1f JaVaScRiPt:alert(1) \x7f": "scheme",
    "java\tscript:alert(1)": "scheme",
    "java\nscript:alert(1)": "scheme",
    "j\ra\nv\ta\nscript:alert(1)": "scheme",
    "jav&#x61;script:alert(1)": "scheme",
    "&Tab;javascript:alert(1)": "scheme",
    "javascript\\:alert(1)": "scheme",
    "data:text/html,x": "scheme",
    "DATA:image/png;base64,AAAA": "scheme",
    "vbscript:msgbox(1)": "scheme",
    "file:///etc/passwd": "scheme",
    "ftp://example.org/": "scheme",
    "tel:+100": "scheme",
    "c:\\windows": "scheme",
    "<javascript:alert(1)>": "scheme",
    "https:": "scheme",
    "https://": "scheme",
    "https:///": "scheme",
    "https://reader:secret@example.org/": "userinfo",
    "https://reader@example.org/": "userinfo",
    "HTTP://a:b@example.org": "userinfo",
    "//reader:secret@example.org/": "userinfo",
    "\\\\reader:secret@example.org/": "userinfo",
    "https:\\\\reader@example.org": "userinfo",
}
ALLOWED = [
    "https://www.osce.org/",
    "HTTP://example.org:8080/a?b=c:d#e",
    "mailto:press@example.org",
    "../sources/lavrov-osce/",
    "sources/lavrov-osce/#statements",
    "/demarche/",
    "#q-lavrov",
    "?page=2:3",
    "",
    "//www.osce.org/",
    "https://example.org/a@b",
    "https://example.org/?to=a@b.org",
]


@pytest.mark.parametrize("url", REFUSED)
def test_refused_urls_are_read_as_a_browser_reads_them(url: str) -> None:
    assert htmlcheck.refusal(url) == REFUSED[url]


@pytest.mark.parametrize("url", ALLOWED)
def test_links_to_the_web_mail_and_the_site_itself_are_allowed(url: str) -> None:
    assert htmlcheck.refusal(url) == ""


@pytest.mark.parametrize("url", ["https://example.org/x.png", "mailto:a@b.org", "//example.org/x.png"])
def test_a_page_loads_only_from_its_own_site(url: str) -> None:
    assert htmlcheck.refusal(url, load=True) in ("load", "scheme")
    assert htmlcheck.refusal("../assets/x.png", load=True) == ""


def test_every_url_attribute_of_any_element_is_read() -> None:
    page = (
        '<a href="a"><img src="b" srcset="c 1x, d 2x"><form action="e"><button formaction="f">'
        '<svg><a xlink:href="g"></a></svg><video poster="h"><object data="i"><q cite="j">'
        '<td background="k"><a ping="l m"><a href="n&#x3a;o" title="p">'
    )
    assert [(u.attribute, u.value) for u in htmlcheck.html_urls(page)] == [
        ("href", "a"),
        ("src", "b"),
        ("srcset", "c"),
        ("srcset", "d"),
        ("action", "e"),
        ("formaction", "f"),
        ("xlink:href", "g"),
        ("poster", "h"),
        ("data", "i"),
        ("cite", "j"),
        ("background", "k"),
        ("ping", "l"),
        ("ping", "m"),
        ("href", "n:o"),
    ]


# -- the rule renders as MkDocs does -------------------------------------------------------------


def test_the_check_renders_with_the_extensions_mkdocs_reads_from_mkdocs_yml() -> None:
    config = load_config(config_file=str(ROOT / "mkdocs.yml"))
    assert list(config["markdown_extensions"]) == list(sitemarkdown.MARKDOWN_EXTENSIONS)
    assert config["mdx_configs"] == sitemarkdown.MARKDOWN_CONFIGS


@pytest.mark.parametrize(
    "construct",
    [
        "reference-in-admonition",
        "reference-in-details",
        "reference-in-admonition-in-blockquote",
        "reference-in-details-in-list-item",
    ],
)
def test_some_links_are_links_only_through_an_extension(construct: str) -> None:
    """Plain Markdown makes no link of these; the check finds them because it renders with the site's extensions."""
    body = body_markdown(CONSTRUCTS[construct].replace("{url}", "javascript:alert(1)"))[0]
    assert [url.value for url in htmlcheck.html_urls(markdown.markdown(body))] == []
    assert htmlcheck.unsafe_urls(body) == [("javascript:alert(1)", "scheme")]


# Bodies made of link-like pieces: an opener, a URL made of parts that matter to a browser, a closer.
OPENERS = ["[a](", "[a]( ", "[a]: ", "\n[a]: ", "[a]:\n    ", "\n> [a]: ", "\n- [a]: ", "\n!!! note\n    [a]: ", "](", "]:"]
URL_PARTS = [
    *'/?#@\\:()<>" .a',
    "https://a.org",
    "http://a.b:80",
    "HTTPS://a.org",
    "//",
    "javascript:",
    "mailto:",
    "../",
    "./",
    "/\\",
    "&#64;",
    "&#x61;",
    "&colon;",
    "\n",
    "\n> ",
]
CLOSERS = [")", " ", "\n", ") [a]", "\n\n[a]", "", "`", '"t")']
FILLERS = [
    *"[]()<>!:#`\\&;|*_-'@\t\n ",
    "x",
    "    ",
    "\n> ",
    "\n- ",
    "\n1. ",
    '\n??? note "t"\n    ',
    "\n```\n",
    "<div markdown>\n",
]
links = st.tuples(
    st.sampled_from(OPENERS), st.lists(st.sampled_from(URL_PARTS), min_size=1, max_size=6).map("".join), st.sampled_from(CLOSERS)
).map("".join)
bodies = st.lists(st.one_of(links, st.sampled_from(FILLERS)), max_size=12).map("".join)
cuts = st.lists(st.tuples(st.integers(0, 120), st.integers(0, 120)), max_size=3)


def marked(text: str, cuts: list[tuple[int, int]]) -> list[QuoteMark]:
    """Quoted passages of the text as a source's page marks them, from pairs of offsets."""
    spans = [sorted(min(c, len(text)) for c in cut) for cut in cuts]
    return [QuoteMark(Span(start, end), f"s{i}", str(i), f"#s{i}") for i, (start, end) in enumerate(spans, 1) if start < end]


@settings(max_examples=600, deadline=None, derandomize=True)
@given(text=bodies, cuts=cuts)
def test_the_check_reports_links_exactly_when_the_page_would_carry_a_refused_url(text: str, cuts: list[tuple[int, int]]) -> None:
    """Whatever the body and its marked passages; this holds the fast path (a body not rendered) to the render too."""
    marks = marked(text, cuts)
    urls = htmlcheck.html_urls(htmlcheck.render(body_markdown(text, marks)[0]))
    links = htmlcheck.unsafe_links(text, marks)
    assert bool(links) == any(htmlcheck.text_refusal(url.value, url.load) for url in urls)
    assert all(0 <= link.start < len(text) and link.written for link in links)


@pytest.mark.parametrize("construct", CONSTRUCTS)
def test_when_a_url_cannot_be_found_the_line_that_completes_the_link_is_reported(construct: str) -> None:
    """The fallback: the first line whose addition makes the page carry the URL (here, always the URL's own line)."""
    body = CONSTRUCTS[construct].replace("{url}", "javascript:alert(1)")
    at = CONSTRUCTS[construct].index("{url}")
    assert htmlcheck._completing_line(body, [], "javascript:alert(1)") == body.rfind("\n", 0, at) + 1


# -- one real build: the check sees what MkDocs makes ---------------------------------------------

BUILT_VARIANTS = ("javascript", "data", "password")
QUOTED = {
    # A quoted passage over an indented code block is not marked there (marks.py): its link stays code, not a link.
    "marked-code-block": (
        "Lavrov said the following words today.\n\n    [a link]({url})\n",
        "Lavrov said the following words today. [a link]({url})",
    ),
    # A passage that ends inside a URL puts its mark in the URL: the URL is no longer the one written.
    "marked-inside-url": ("Lavrov warned about [a link]({url}) today.\n", "Lavrov warned about [a link](javascript:al"),
}


def built_cases() -> dict[str, tuple[str, str, int | None]]:
    """Case id -> (record kind, file text, the line of its URL when the page would carry it, else None)."""
    cases: dict[str, tuple[str, str, int | None]] = {}
    for kind, variants in (("source", BUILT_VARIANTS), ("actor", ("javascript",))):
        for variant in variants:
            for construct in CONSTRUCTS:
                _, text, (line, _) = case_file(kind, construct)
                cases[f"{kind}-{construct}-{variant}"] = (kind, text.replace("{url}", VARIANTS[variant].url), line)
    for kind, (_, front) in FRONT.items():
        cases[f"{kind}-indented-first-line"] = (kind, front + INDENTED, None if kind == "source" else front.count("\n") + 1)
    for name, body in {**INERT, **SAFE}.items():
        cases[name] = ("source", FRONT["source"][1] + body + "\n", None)
    for name, (body, quote) in QUOTED.items():
        statement = f"statements:\n  - speaker: sergei-lavrov\n    quote: '{quote.replace('{url}', 'javascript:alert(1)')}'\n"
        text = FRONT["source"][1].replace("---\n", "---\n" + statement, 1).replace("{url}", "") + body
        line = text.count("\n", 0, text.rindex("[a link]")) + 1 if name != "marked-code-block" else None
        cases[name] = ("source", text.replace("{url}", "javascript:alert(1)"), line)
    return cases


@pytest.mark.slow
def test_the_check_sees_exactly_the_links_the_built_pages_carry_and_build_refuses_them(tmp_path: Path) -> None:
    """Every case is a record; the check's errors are compared, record by record and line by line, with its built page."""
    cases = built_cases()
    folders = {kind: folder for kind, (folder, _) in FRONT.items()}
    files = {f"sources/{folders[kind]}/{name}.md": text for name, (kind, text, _) in cases.items()}
    project = make_project(tmp_path / "p", {**MINIMAL, **files})
    with pytest.raises(ContentError):
        build(project)
    assert not (project.root / "site").exists()

    # Built anyway, past the check, the way the pipeline would have built it.
    raws, _ = load_archive(project.sources, project.root)
    archive, problems = validate(raws)
    pages, files = plan_site(link(archive), project.site_info())
    write_pages(project.docs, outputs(render_pages(pages, project.templates), files))
    publish(project.root)

    def page(name: str) -> str:
        kind = cases[name][0]
        return (project.root / "site" / f"{kind}s" / name / "index.html").read_text(encoding="utf-8")

    flagged = {(Path(p.path).stem, p.line) for p in problems if p.code == "unsafe-link"}
    carried = {name for name in cases if any(htmlcheck.refusal(url.value, url.load) for url in htmlcheck.html_urls(page(name)))}
    assert carried == {name for name, _ in flagged}
    assert flagged == {(name, line) for name, (_, _, line) in cases.items() if line is not None}
    for name, body in SAFE.items():
        url = re.search(r"\]\(([^)]+)\)|\]: (\S+)", body)
        assert url and f'href="{url.group(1) or url.group(2)}"' in page(name), name
