"""The field reference is made from the schema: every field of every kind, with its doc text, on the built site."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from demarche.pipeline import Project, generate_pages
from demarche.schema import KINDS, NESTED, Field
from demarche.urls import FIELD_REFERENCE as DOC
from tests.pagefind_index import fragments

ROOT = Path(__file__).resolve().parent.parent


class Tables(HTMLParser):
    """The tables of a page, each as rows of cell texts, in order."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.in_cell = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.tables[-1][-1].append("")
            self.in_cell = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self.in_cell = False

    def handle_data(self, data: str) -> None:
        if self.in_cell:
            self.tables[-1][-1][-1] += data


def schema_tables() -> list[tuple[Field, ...]]:
    """The schema's field lists in the order the page shows them: each kind, then its nested lists."""
    found: list[tuple[Field, ...]] = []
    for kind in KINDS.values():
        found.append(kind.fields)
        found.extend(NESTED[f.name] for f in kind.fields if f.name in NESTED)
    return found


@pytest.fixture
def site(golden_site: Project) -> Path:
    """The field reference is the same for every archive: the golden sample's build has it."""
    return golden_site.root / "site"


@pytest.fixture
def page(site: Path) -> str:
    return (site / "reference/fields/index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_every_field_of_every_kind_is_on_the_page_with_its_doc(page: str) -> None:
    tables = Tables(page).tables
    expected = schema_tables()
    assert len(tables) == len(expected)
    for table, fields in zip(tables, expected, strict=True):
        header, *rows = table
        assert header == ["Field", "Required", "Value", "What it holds", "Example"]
        assert [row[0] for row in rows] == [f.name for f in fields]
        for row, spec in zip(rows, fields, strict=True):
            assert row[1] == ("required" if spec.required else "optional"), spec.name
            assert row[3] == spec.doc, spec.name
            assert row[4] == (f"{spec.name}: {spec.example}" if spec.example else ""), spec.name
            assert all(choice in row[2] for choice in spec.choices), spec.name


@pytest.mark.slow
def test_the_page_is_in_the_navigation_and_linked_from_contributing(page: str) -> None:
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("!ENV", ""))["nav"]
    (about,) = [item["About"] for item in nav if isinstance(item, dict) and "About" in item]
    assert DOC in about
    assert "](reference/fields.md)" in (ROOT / "docs/contributing.md").read_text(encoding="utf-8")
    assert 'href="../../contributing/"' in page


@pytest.mark.slow
def test_its_examples_stay_out_of_the_search(site: Path) -> None:
    indexed = fragments(site)
    assert indexed and not [f for f in indexed if f.url.startswith("/reference/")]


def test_the_page_is_generated_with_the_other_pages(project: Callable[..., Project]) -> None:
    _, pages, _ = generate_pages(project())
    assert pages[DOC].startswith(b'---\ntitle: "Field reference"\ngenerated: true\n')
    assert "/docs/reference/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
