"""DESIGN.md's "Bad input": each case in tests/bad_input/*.yml, with the exact text `demarche check` prints.

The messages are the contributor's interface, so every case asserts the whole output: the
message, its file, line and column, the hint and the count.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from demarche.cli import main
from tests.conftest import MINIMAL, make_project

CASES = sorted((Path(__file__).parent / "bad_input").glob("*.yml"))


def case_project(case: Path, folder: Path) -> Path:
    """The archive of one case: MINIMAL with the case's files laid over it."""
    spec = yaml.safe_load(case.read_text(encoding="utf-8"))
    files = dict(MINIMAL)
    links: dict[str, str] = {}
    for rel, value in spec["files"].items():
        files.pop(rel, None)
        if isinstance(value, dict) and "symlink" in value:
            links[rel] = value["symlink"]
        elif value is not None:
            files[rel] = _content(value)
    project = make_project(folder, files, with_site_parts=False)
    for rel, target in links.items():
        (project.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (project.root / rel).symlink_to(target)
    return project.root


def _content(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, dict):
        fill = value["fill"].encode("utf-8")
        return (fill * (value["size"] // len(fill) + 1))[: value["size"]]
    return str(value).encode("utf-8")


def expected(case: Path) -> tuple[str, int]:
    spec = yaml.safe_load(case.read_text(encoding="utf-8"))
    return spec["expected"], spec.get("status", 1)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_each_case_is_reported_exactly(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = case_project(case, tmp_path / "p")
    text, status = expected(case)
    assert main(["--root", str(root), "check"]) == status
    out, err = capsys.readouterr()
    assert out == text
    assert err == ""


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_json_gives_the_same_problems(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = case_project(case, tmp_path / "p")
    text, status = expected(case)
    assert main(["--root", str(root), "check", "--format", "json"]) == status
    problems = json.loads(capsys.readouterr().out)
    assert all(set(p) == {"path", "line", "column", "severity", "code", "message", "hint"} for p in problems)
    lines = [f"{p['path']}:{p['line']}:{p['column']}: {p['severity']}: {p['message']}" for p in problems]
    assert lines == [line for line in text.splitlines()[:-1] if not line.startswith("    hint: ")]


def test_there_is_a_case_for_every_kind_of_bad_input() -> None:
    names = {c.stem for c in CASES}
    for kind in ("malformed_yaml", "missing_closing_dashes", "duplicate_keys", "wrong_types", "unknown_keys",
                 "missing_required_fields", "impossible_dates", "unknown_ids", "duplicate_id", "file_name_not_an_id",
                 "quote_not_found", "url_not_http", "path_tricks_in_ids", "not_utf8", "empty_file", "file_too_large"):  # fmt: skip
        assert any(name.startswith(kind) for name in names), kind


def test_github_annotations_escape_what_would_break_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(
        tmp_path / "p",
        {**MINIMAL, "sources/actors/a,b:c.md": "---\nname: A\nkind: persn\n---\n"},
        with_site_parts=False,
    ).root
    assert main(["--root", str(root), "check", "--format", "github"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "::error file=sources/actors/a%2Cb%3Ac.md,line=1,col=1,title=bad-file-name::file name 'a,b:c.md' is not a valid id "
        "(hint: rename it to 'a-b-c.md': lowercase ASCII words joined by '-')",
        "::error file=sources/actors/a%2Cb%3Ac.md,line=3,col=7,title=bad-value::'persn' is not a known kind "
        "(hint: did you mean 'person'?)",
        "2 errors",
    ]


def test_a_clean_archive_says_so_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path / "p", dict(MINIMAL), with_site_parts=False).root
    assert main(["--root", str(root), "check"]) == 0
    assert capsys.readouterr().out == "no problems found\n"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "demarche", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_command_line_never_shows_a_traceback(tmp_path: Path) -> None:
    """Through a real process: a broken archive gives messages and status 1; a usage error status 2."""
    root = case_project(Path(__file__).parent / "bad_input" / "every_problem_of_every_file.yml", tmp_path / "p")
    text, _ = expected(Path(__file__).parent / "bad_input" / "every_problem_of_every_file.yml")
    runs = {
        "check": run_cli("check", cwd=root),
        "json": run_cli("check", "--format", "json", cwd=root),
        "github": run_cli("check", "--format", "github", cwd=root),
        "generate": run_cli("generate", cwd=root),
        "build": run_cli("build", cwd=root),
    }
    for name, run in runs.items():
        assert "Traceback" not in run.stdout + run.stderr, name
        assert run.returncode == 1, name
    assert runs["check"].stdout == text
    assert len(json.loads(runs["json"].stdout)) == 5
    assert runs["build"].stderr.startswith(text)
    assert "nothing was written" in runs["build"].stderr
    assert not (root / "site").exists() and not (root / "docs").exists()
    for usage in (("check", "--format", "xml"), ("frobnicate",), ()):
        run = run_cli(*usage, cwd=root)
        assert run.returncode == 2, usage
        assert "usage: demarche" in run.stderr and "Traceback" not in run.stderr
    missing = run_cli("--root", str(tmp_path / "nowhere"), "check", cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.startswith("demarche: no sources/ folder in ")
