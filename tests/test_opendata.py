"""Open data: archive.json follows its published JSON Schema; statements.csv is exact and safe in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from demarche.cache import SourceCache
from demarche.link import link
from demarche.opendata import CSV_COLUMNS, archive_data, archive_json, csv_cell, statements_csv
from demarche.pipeline import Project, generate_pages
from demarche.validate import validate
from tests.conftest import ROOT, make_project
from tests.golden import golden_files

SITE = "https://demarche.github.io/demarche/"

FORMULAS = """
    ---
    title: Spreadsheet trouble
    date: 2021-12-06
    kind: article
    statements:
      - speaker: sergei-lavrov
        quote: "=HYPERLINK(\\"http://x\\") is what they wrote"
        id: formula
      - speaker: sergei-lavrov
        quote: "-1 per cent, he said"
        id: minus
      - speaker: sergei-lavrov
        quote: "'Quoted' words"
        id: apostrophe
    ---
    He read: =HYPERLINK("http://x") is what they wrote. Growth was -1 per cent, he said. 'Quoted' words.
    """


def open_data(project: Project) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, str]]]:
    _, pages, _ = generate_pages(project)
    rows = list(csv.DictReader(io.StringIO(pages["data/statements.csv"].decode("utf-8"), newline="")))
    return json.loads(pages["data/archive.json"]), json.loads(pages["data/archive.schema.json"]), rows


def test_archive_json_follows_its_schema(tmp_path: Path) -> None:
    data, schema, _ = open_data(make_project(tmp_path / "golden", golden_files()))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(data)
    assert schema["$id"] == SITE + "data/archive.schema.json"
    assert [len(data[k]) for k in ("sources", "actors", "agreements", "demands")] == [2, 8, 2, 1]


@pytest.mark.parametrize("files", ["golden", "empty"])
def test_open_data_put_together_from_kept_parts_is_what_is_made_at_once(tmp_path: Path, files: str) -> None:
    """Each source's part kept with its file (the load cache), the archive's JSON has the bytes of json.dumps of
    archive_data, and the CSV those of the rows made without the memo (test_golden holds their bytes)."""
    project = make_project(tmp_path / "p", golden_files() if files == "golden" else {})
    sources = SourceCache(project.sources, project.root, project.state)
    raws, _ = sources.load()
    graph = link(validate(raws, sources)[0], sources)
    site = project.site_info()
    whole = json.dumps(archive_data(graph, site), ensure_ascii=False, separators=(",", ":")) + "\n"
    rows = statements_csv(graph, site, None)
    assert (archive_json(graph, site, None), len(rows.splitlines())) == (whole, 1 + len(graph.every))
    assert (archive_json(graph, site, sources), statements_csv(graph, site, sources)) == (whole, rows)  # made, and kept
    assert (archive_json(graph, site, sources), statements_csv(graph, site, sources)) == (whole, rows)  # from the memo
    sources.save()
    sources = SourceCache(project.sources, project.root, project.state)
    sources.load()
    assert (archive_json(graph, site, sources), statements_csv(graph, site, sources)) == (whole, rows)  # from its files


def test_the_schema_rejects_what_the_archive_cannot_hold(tmp_path: Path) -> None:
    data, schema, _ = open_data(make_project(tmp_path / "golden", golden_files()))
    validator = jsonschema.Draft202012Validator(schema)
    data["actors"][0]["nickname"] = "x"
    data["sources"][0]["statements"][0]["date"] = "4 December"
    del data["demands"][0]["permalink"]
    messages = sorted(e.message for e in validator.iter_errors(data))
    assert messages == [
        "'4 December' does not match '^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$'",
        "'permalink' is a required property",
        "Additional properties are not allowed ('nickname' was unexpected)",
    ]


def test_archive_json_holds_every_record_statement_and_link(project: Callable[..., Project]) -> None:
    data, _, _ = open_data(project())
    (source,) = data["sources"]
    assert source["id"] == "lavrov-osce" and source["permalink"] == SITE + "sources/lavrov-osce/"
    assert source["url"] is None and source["language"] == "en" and source["authors"] == []
    assert source["mentions"] == {
        "actors": ["nato", "russia", "sergei-lavrov"],
        "agreements": ["bucharest-summit-declaration-2008"],
        "demands": ["no-further-nato-enlargement"],
    }
    assert source["text"].startswith("Lavrov warned: “The further advance")
    (statement,) = source["statements"]
    assert statement == {
        "speaker": "sergei-lavrov",
        "quote": "The further advance of NATO to the east will definitely affect Russia's security",
        "date": "2021-12-02",
        "occasion": None,
        "reported": False,
        "about": [],
        "makes": ["no-further-nato-enlargement"],
        "supports": [],
        "rejects": [],
        "cites": ["bucharest-summit-declaration-2008"],
        "id": statement["id"],
        "note": None,
        "same_as": None,
        "permalink": SITE + "sources/lavrov-osce/#" + statement["id"],
        "also_in": [],
    }
    lavrov = next(a for a in data["actors"] if a["id"] == "sergei-lavrov")
    assert lavrov["roles"] == [{"title": "Minister of Foreign Affairs", "of": "russia", "from": "2004-03-09", "until": None}]
    assert lavrov["aliases"] == ["Lavrov", "Сергей Лавров"]


def test_statements_csv_has_one_exact_row_per_statement(project: Callable[..., Project]) -> None:
    data, _, rows = open_data(project({"sources/texts/2021/formulas.md": FORMULAS}))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [r["statement"] for r in rows] == [rows[0]["statement"], "formula", "minus", "apostrophe"]  # in the order of the text
    first = rows[0]
    assert (first["date"], first["speaker"], first["makes"], first["cites"], first["reported"]) == (
        "2021-12-02",
        "sergei-lavrov",
        "no-further-nato-enlargement",
        "bucharest-summit-declaration-2008",
        "false",
    )
    assert first["permalink"] == SITE + "sources/lavrov-osce/#" + first["statement"]
    exact = {s["id"]: s["quote"] for src in data["sources"] for s in src["statements"]}
    for row in rows:
        cell = row["quote"]
        assert (cell[1:] if cell.startswith("'") else cell) == exact[row["statement"]]


def test_csv_cells_cannot_start_a_formula(project: Callable[..., Project]) -> None:
    _, _, rows = open_data(project({"sources/texts/2021/formulas.md": FORMULAS}))
    quotes = {r["statement"]: r["quote"] for r in rows}
    assert quotes["formula"] == '\'=HYPERLINK("http://x") is what they wrote'
    assert quotes["minus"] == "'-1 per cent, he said"
    assert quotes["apostrophe"] == "''Quoted' words"


@pytest.mark.parametrize(
    ("value", "cell"), [("=1+1", "'=1+1"), ("+7", "'+7"), ("@SUM", "'@SUM"), ("\tx", "'\tx"), ("a=1", "a=1")]
)
def test_csv_cell(value: str, cell: str) -> None:
    assert csv_cell(value) == cell


def test_open_data_page_explains_every_column_and_is_in_the_nav() -> None:
    page = (ROOT / "docs" / "open-data.md").read_text(encoding="utf-8")
    described = set(re.findall(r"^\| `([a-z_]+)` \|", page, flags=re.MULTILINE))
    assert described == set(CSV_COLUMNS)
    assert "      - open-data.md\n" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
