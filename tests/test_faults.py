"""A build killed (SIGKILL) or stopped by an I/O error (a full disk, a read-only folder) at each of its
steps loses nothing and blocks nothing.

For a first build and for a rebuild after an edit (a text changed, an actor added, one removed),
the build runs once undisturbed in a child that logs every change it makes to the file system
(tests/faults.py), then once for each of those steps k, killed at k or failing from k on. After
each run: site/ is the old site or the new one, whole; each file in docs/ holds its old bytes or its
new ones; once the write journal is recovered (what the next write does first) docs/ is the old
output or the new one; an error exits 1 with one line naming the path; and the next, normal build
gives byte for byte what a clean build of the same sources gives, in a folder of its own, with no
file left over.

Steps inside a `shutil.rmtree` remove a folder no reader uses any more (a staging folder, or the
previous site after the swap); each state in it is that folder partly removed, so two of its steps
stand for all: before its first removal and after it.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from demarche import publish
from demarche.pipeline import Project, build
from demarche.write import TEMPORARY, recover
from tests import faults
from tests.conftest import ROOT, make_project
from tests.faults import Fault, Step, tree, visible

pytestmark = pytest.mark.slow

LAVROV = """
    ---
    name: Sergei Lavrov
    kind: person
    ---
    Minister of Foreign Affairs of the Russian Federation since 2004.
    """
TEXT = "sources/texts/2021/lavrov-osce.md"
# The build's own state in .demarche/: the lock, the site's stamp, the generation's stamp and reused pages, the load
# cache, the search index's kept shards.
STATE = frozenset({"lock", "site-stamp", "generated.json", "rendered.json", "load", "search"})
SAID = """
    ---
    title: Lavrov at the OSCE
    date: 2021-12-04
    kind: article
    statements:
      - speaker: sergei-lavrov
        quote: "The OSCE is in a depressing state"
    ---
    Lavrov said: “The OSCE is in a depressing state.”
    """
SMALL: dict[str, str | bytes] = {"sources/actors/sergei-lavrov.md": LAVROV, TEXT: SAID}  # a page of each kind a source makes
OSCE = """
    ---
    name: OSCE
    kind: organization
    ---
    The Organization for Security and Co-operation in Europe.
    """
UNITED_STATES = """
    ---
    name: United States
    kind: state
    ---
    The United States of America.
    """
OLD_SOURCES: dict[str, str | bytes] = {**SMALL, "sources/actors/osce.md": OSCE}
NEW_SOURCES: dict[str, str | bytes] = {
    **SMALL,
    "sources/actors/united-states.md": UNITED_STATES,
    TEXT: SAID + "    He spoke of the United States.\n",
}


@dataclass(frozen=True)
class Output:
    docs: dict[str, bytes]
    site: dict[str, bytes]


def output(root: Path) -> Output:
    return Output(tree(root / "docs"), tree(root / "site"))


@dataclass(frozen=True)
class Scenario:
    before: Path  # the project as the build finds it; each run works on a copy
    old: Output
    new: Output  # a clean build of the same sources, in a folder of its own
    steps: tuple[Step, ...]  # the changes the build makes, undisturbed


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Scenario]:
    base = tmp_path_factory.mktemp("faults")
    first = make_project(base / "first", SMALL)
    rebuild = make_project(base / "rebuild", OLD_SOURCES)
    build(rebuild)
    (rebuild.sources / "actors/osce.md").unlink()
    make_project(rebuild.root, {k: v for k, v in NEW_SOURCES.items() if k not in OLD_SOURCES or v != OLD_SOURCES[k]}, False)
    found = {}
    for name, before, sources in (("first", first, SMALL), ("rebuild", rebuild, NEW_SOURCES)):
        clean = make_project(base / f"clean-{name}", sources)
        build(clean)
        scenario = Scenario(before.root, output(before.root), output(clean.root), ())
        undisturbed = faulted_run(scenario, Fault(0), base / f"dry-{name}")
        assert undisturbed.exitcode == 0, undisturbed.stderr
        assert output(base / f"dry-{name}" / "work") == scenario.new
        assert not [s for s in undisturbed.steps if s.op == "open-builtin"], "every write goes through the counted os calls"
        found[name] = Scenario(before.root, scenario.old, scenario.new, undisturbed.steps)
    return found


def faulted_run(scenario: Scenario, fault: Fault, folder: Path) -> faults.Run:
    work = folder / "work"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(scenario.before, work)
    return faults.run(work, ["build"], fault, folder / "out")


def chosen(steps: tuple[Step, ...], kind: str) -> Iterator[Step]:
    """Every step (a full disk only refuses those that take space), but two steps of each rmtree, and of the
    search bundle's files (written alike, from several threads) the first three of each operation."""
    seen: dict[int, int] = {}
    bundle: dict[str, int] = {}
    for step in steps:
        seen[step.rmtree] = seen.get(step.rmtree, 0) + 1
        in_bundle = any("/pagefind/" in path for path in step.paths)
        if in_bundle:
            bundle[step.op] = bundle.get(step.op, 0) + 1
        sampled = (step.rmtree == 0 or seen[step.rmtree] <= 2) and (not in_bundle or bundle[step.op] <= 3)
        if sampled and (step.space or kind != "ENOSPC"):
            yield step


@pytest.mark.parametrize("kind", ["kill", "ENOSPC", "EACCES"])
@pytest.mark.parametrize("name", ["first", "rebuild"])
def test_a_fault_at_any_step_loses_nothing(scenarios: dict[str, Scenario], tmp_path: Path, name: str, kind: str) -> None:
    scenario = scenarios[name]
    steps = list(chosen(scenario.steps, kind))
    assert len(steps) >= {("first", "ENOSPC"): 60, ("rebuild", "ENOSPC"): 25}.get(
        (name, kind), {"first": 90, "rebuild": 50}[name]
    )
    with ThreadPoolExecutor(2) as pool:  # each run in a folder of its own; most of the time goes to MkDocs, in a child
        found = pool.map(lambda step: after_fault(scenario, step, kind, tmp_path / f"step-{step.number}"), steps)
    assert [problem for problems in found for problem in problems] == []


def after_fault(scenario: Scenario, step: Step, kind: str, folder: Path) -> list[str]:
    where = f"{kind} at step {step.number} of {len(scenario.steps)} ({step.op} {' -> '.join(step.paths)})"
    run = faulted_run(scenario, Fault(step.number, kind), folder)
    problems = outcome(run, kind, folder / "work") + states(scenario, folder / "work")
    shutil.rmtree(folder)
    return [f"{where}: {problem}" for problem in problems]


def outcome(run: faults.Run, kind: str, root: Path) -> list[str]:
    """Killed where it was meant to be; or, for an error, exit 1 and one line naming a path it failed on."""
    if kind == "kill":
        return [] if run.exitcode == -signal.SIGKILL else [f"not killed: exit {run.exitcode}, {run.stderr!r}"]
    if run.exitcode == 0:
        return [] if run.stderr == "" else [f"exit 0 with {run.stderr!r}"]
    messages = {message(step, root, kind) for step in run.steps if step.faulted and not step.rmtree}  # rmtree ignores its errors
    if run.exitcode != 1 or len(run.stderr.splitlines()) != 1 or run.stderr.rstrip("\n") not in messages:
        return [f"exit {run.exitcode} with {run.stderr!r}, not one of {sorted(messages)}"]
    return []


def message(step: Step, root: Path, kind: str) -> str:
    shown = " -> ".join(Path(p).relative_to(root).as_posix() for p in step.paths)
    return f"demarche: {shown}: {os.strerror(getattr(errno, kind))}"


def states(scenario: Scenario, root: Path) -> list[str]:
    """What the fault left, then what the next build makes of it."""
    problems = []
    site = tree(root / "site")
    if site not in (scenario.old.site, scenario.new.site):
        problems.append(f"site/ is neither the old site nor the new one: {differences(site, scenario.new.site)}")
    docs = tree(root / "docs")
    mixed = [rel for rel, data in visible(docs).items() if data not in (scenario.old.docs.get(rel), scenario.new.docs.get(rel))]
    if mixed:
        problems.append(f"files in docs/ are neither old nor new: {mixed}")
    recover(root / "docs")
    docs = tree(root / "docs")
    if docs not in (scenario.old.docs, scenario.new.docs):
        problems.append(f"recovered docs/ is neither the old output nor the new: {differences(docs, scenario.new.docs)}")
    build(Project(root))
    if output(root) != scenario.new:
        after = output(root)
        problems.append(
            f"the next build differs from a clean one: {differences(after.docs, scenario.new.docs)} {differences(after.site, scenario.new.site)}"
        )
    state = root / ".demarche"
    left = sorted(p.name for p in root.glob("site.*")) + sorted(p.name for p in state.iterdir() if p.name not in STATE)
    left += sorted(p.name for p in (state / "load").iterdir() if not re.fullmatch(r"[0-9a-f]\.json", p.name))
    left += sorted(str(p.relative_to(state)) for p in (state / "search").rglob(f"{TEMPORARY}*"))
    if left or not (state / "site-stamp").is_file():
        problems.append(f"left over: {left}")
    return problems


def differences(found: dict[str, bytes], expected: dict[str, bytes]) -> str:
    paths = sorted(rel for rel in found.keys() | expected.keys() if found.get(rel) != expected.get(rel))
    return ", ".join(paths[:8]) + (f" and {len(paths) - 8} more" if len(paths) > 8 else "")


def unprivileged() -> list[str]:
    """A command prefix under which file permissions bind: none for a user; for root, setpriv without the
    capabilities that let root write anywhere (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH)."""
    if os.geteuid() != 0:
        return []
    prefix = [shutil.which("setpriv") or "setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    try:
        probe = subprocess.run([*prefix, sys.executable, "-c", ""], capture_output=True, text=True)
    except OSError as exc:
        pytest.skip(f"running as root, and setpriv cannot run ({exc.strerror}): chmod cannot make a folder read-only")
    if probe.returncode != 0:
        pytest.skip(f"running as root, and setpriv cannot drop CAP_DAC_OVERRIDE here: {probe.stderr.strip()}")
    return prefix


STAGING_DENIED = r"demarche: docs/\.demarche-staging-\w+: Permission denied\n"


@pytest.mark.parametrize(
    ("command", "folder", "expected"),
    [
        ("build", "docs", STAGING_DENIED),
        ("generate", "docs", STAGING_DENIED),
        ("serve", "docs", STAGING_DENIED),
        ("build", "docs/sources", r"demarche: docs/\.demarche-staging-\w+/\d+ -> docs/sources/\S+: Permission denied\n"),
    ],
    ids=["build", "generate", "serve", "build-with-a-folder-of-docs"],
)
def test_a_read_only_folder(scenarios: dict[str, Scenario], tmp_path: Path, command: str, folder: str, expected: str) -> None:
    """A real read-only folder (chmod), not an injected error: docs/ read-only stops the write before it
    begins; docs/sources/ read-only stops it half applied, and the next build, once the folder can be
    written again, finishes it."""
    scenario = scenarios["rebuild"]
    work = tmp_path / "work"
    shutil.copytree(scenario.before, work)
    folders = [work / folder, *(p for p in (work / folder).rglob("*") if p.is_dir())]
    for path in folders:
        path.chmod(0o555)
    try:
        result = subprocess.run(
            [*unprivileged(), sys.executable, "-m", "demarche", "--root", str(work), command],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "build")},
            timeout=120,
        )
    finally:
        for path in folders:
            path.chmod(0o755)
    assert (result.returncode, re.fullmatch(expected, result.stderr) is not None) == (1, True), result.stderr
    assert states(scenario, work) == []


def test_where_folders_cannot_be_exchanged(
    scenarios: dict[str, Scenario], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without renameat2's RENAME_EXCHANGE (another kernel, another file system), two renames put the new
    site in place, and the previous one goes."""
    monkeypatch.setattr(publish, "exchange", lambda new, site: False)
    work = tmp_path / "work"
    shutil.copytree(scenarios["rebuild"].before, work)
    _, published = build(Project(work))
    assert published and output(work) == scenarios["rebuild"].new
    assert sorted(p.name for p in work.glob("site*")) == ["site"]
