"""The home page's introduction (sources/introduction.md): shown as written, checked like any text."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from demarche.pipeline import Project, check, generate_pages
from demarche.problems import format_problems


def test_the_home_page_shows_the_archives_introduction_as_written(project: Callable[..., Project]) -> None:
    intro = "In *December 2021* a demand was made.\r\n\r\nA second paragraph.\r\n"
    p = project({"sources/introduction.md": "\ufeff" + intro})
    _, problems = check(p)
    assert problems == []  # not a record: no "not read" warning
    _, pages, _ = generate_pages(p)
    assert "is built.\n\nIn *December 2021* a demand was made.\n\nA second paragraph.\n\nIt holds" in pages["index.md"]


def test_without_an_introduction_the_home_page_goes_on_to_the_counts(project: Callable[..., Project]) -> None:
    _, pages, _ = generate_pages(project())
    assert "is built.\n\nIt holds" in pages["index.md"]
    assert "## Where to start\n\n- [Demands](demands/index.md): " in pages["index.md"]


def test_raw_html_in_the_introduction_is_shown_as_text(project: Callable[..., Project]) -> None:
    _, pages, _ = generate_pages(project({"sources/introduction.md": "Hello <script>alert(1)</script> there.\n"}))
    assert "Hello &lt;script>alert(1)&lt;/script> there." in pages["index.md"]
    assert "<script>" not in pages["index.md"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "First line.\n\nSee [this](javascript:alert(1)).\n",
            "sources/introduction.md:3:12: error: link to 'javascript:alert(1)': "
            "links in the introduction may go to http(s) or mailto addresses only",
            id="script-link",
        ),
        pytest.param(
            "A map: ![map](https://example.org/map.png)\n",
            "sources/introduction.md:1:8: error: images are not allowed in the introduction\n    hint: describe it in words",
            id="image",
        ),
    ],
)
def test_the_check_refuses_what_the_introduction_must_not_carry(
    project: Callable[..., Project], text: str, expected: str
) -> None:
    _, problems = check(project({"sources/introduction.md": text}))
    assert format_problems(problems, "text").splitlines()[: len(expected.splitlines())] == expected.splitlines()
