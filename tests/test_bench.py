"""The benchmark's code keeps working: its synthetic archives are valid and every measure runs (times are never asserted)."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import pytest
from bench.generate import Shape, add_one_source, archive_files, edit_one_source, generate_project
from bench.report import into_readme, machine, markdown, targets
from bench.run import bench_size
from bench.stages import STAGES, generate, pages_showing

from demarche.link import link
from demarche.load import load_archive
from demarche.validate import validate

TINY = Shape(5, actors=30, agreements=6, demands=6)


def test_the_same_shape_gives_the_same_archive() -> None:
    assert archive_files(TINY) == archive_files(TINY)
    assert archive_files(TINY) != archive_files(Shape(5, actors=30, agreements=6, demands=6, seed=7))


def test_synthetic_sources_pass_every_check_and_go_through_every_stage(tmp_path: Path) -> None:
    project = generate_project(tmp_path / "p", TINY)
    run = generate(project, project.docs)
    assert set(run.measures) == set(STAGES)
    assert len(run.archive.sources) == 5
    assert all(TINY.statements - 3 <= len(s.statements) <= TINY.statements + 3 for s in run.archive.sources)
    assert all(0.9 * TINY.words <= len(s.body.split()) <= 1.3 * TINY.words for s in run.archive.sources)
    assert sorted(run.report.written) == sorted(run.pages)
    assert generate(project, project.docs).report.written == ()


def test_editing_a_text_rewrites_its_page_and_adding_a_source_adds_its_page(tmp_path: Path) -> None:
    project = generate_project(tmp_path / "p", TINY)
    generate(project, project.docs)
    edited = edit_one_source(project, TINY)
    after_edit = generate(project, project.docs)
    assert f"sources/{edited}.md" in after_edit.report.written
    assert set(after_edit.report.written) <= pages_showing(after_edit.pages, edited)
    added = add_one_source(project, TINY)
    assert f"sources/{added}.md" in generate(project, project.docs).report.written


def test_a_few_actors_are_mentioned_in_nearly_every_source_and_most_in_few(tmp_path: Path) -> None:
    shape = Shape(60)
    project = generate_project(tmp_path / "p", shape)
    raws, _ = load_archive(project.sources, project.root)
    graph = link(validate(raws)[0])
    share = sorted((len(graph.sources_of.get(f"actor:{a}", [])) / shape.sources for a in graph.actors), reverse=True)
    assert min(share[:3]) >= 0.8
    assert statistics.median(share) <= 0.1


@pytest.mark.slow
def test_one_size_is_measured_end_to_end(tmp_path: Path) -> None:
    result = bench_size(TINY, tmp_path)
    assert json.loads(json.dumps(result)) == result
    assert (result["sources"], result["actors"], result["agreements"], result["demands"]) == (5, 30, 6, 6)
    assert result["site"]["pages"] > 5 + 30 + 6 + 6 and result["files_written"] > 5 + 30 + 6 + 6
    assert result["second_run"]["files_written"] == 0
    assert result["edit_one_source"]["only_pages_showing_it"]
    rows = targets({"5": result})
    assert [r["target"] for r in rows] == [
        "N = 5: a second run writes no file",
        "N = 5: a second whole build is faster than the first",
        "N = 5: editing one source's text rewrites only pages that show it",
    ]
    measured_on = machine() | {"load_average_after": [0.0]}
    text = markdown({"machine": measured_on, "sizes": {"5": result}, "targets": rows})
    assert "| N = 5 |" in text and "| N = 5: a second run writes no file | 0 written | yes |" in text


def test_the_tables_replace_what_stood_between_the_readme_markers() -> None:
    readme = "# Title\n\n<!-- bench:begin -->\nold table\n<!-- bench:end -->\n\nAfter.\n"
    assert into_readme(readme, "| new |\n") == "# Title\n\n<!-- bench:begin -->\n| new |\n<!-- bench:end -->\n\nAfter.\n"
    with pytest.raises(ValueError, match=re.escape("the README has no <!-- bench:begin --> ... <!-- bench:end --> markers")):
        into_readme("# Title\n", "| new |")
