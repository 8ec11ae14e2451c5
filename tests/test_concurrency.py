"""Two builds at once in one checkout: the second waits for the first, says so on one line, and site/
ends as a clean build makes it. A build killed while MkDocs runs holds the lock until MkDocs ends."""

from __future__ import annotations

import fcntl
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from demarche.pipeline import Project, build
from tests.conftest import MINIMAL, ROOT, make_project
from tests.faults import tree

pytestmark = pytest.mark.slow

WAITING = re.compile(r"demarche: waiting for another build \(pid (\d+)\) to finish\n")
UNNAMED = "demarche: waiting for another build to finish\n"
TIMEOUT = 120  # seconds: a generous bound on anything here (a build of MINIMAL takes about one)


def demarche(root: Path, command: str) -> subprocess.Popen[str]:
    """The real command line, in a process of its own, with this checkout's code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "build")}
    return subprocess.Popen(
        [sys.executable, "-m", "demarche", "--root", str(root), command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def first_line(process: subprocess.Popen[str]) -> str:
    """The first line the process writes to stderr, waiting for it at most TIMEOUT seconds."""
    assert process.stderr is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        assert selector.select(TIMEOUT), "no line on stderr in time"
    return process.stderr.readline()


@contextmanager
def holding_the_lock(project: Project) -> Iterator[None]:
    """Hold the build lock as a build does, with this process's pid in it."""
    project.state.mkdir(exist_ok=True)
    fd = os.open(project.state / "lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    project = make_project(tmp_path_factory.mktemp("clean") / "p", MINIMAL)
    build(project)
    return tree(project.docs), tree(project.site)


@pytest.mark.parametrize("commands", [("build", "build"), ("build", "generate")])
def test_a_second_build_waits_for_the_first(
    tmp_path: Path, clean: tuple[dict[str, bytes], dict[str, bytes]], commands: tuple[str, str]
) -> None:
    """Both start while the lock is held, so both must wait; then they run one after the other."""
    project = make_project(tmp_path / "p", MINIMAL)
    with holding_the_lock(project):
        processes = [demarche(project.root, command) for command in commands]
        for process in processes:
            assert first_line(process) == f"demarche: waiting for another build (pid {os.getpid()}) to finish\n"
    results = [process.communicate(timeout=TIMEOUT) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], results
    assert [err for _, err in results] == ["", ""]
    assert (tree(project.docs), tree(project.site)) == clean


def test_two_builds_started_at_once(tmp_path: Path, clean: tuple[dict[str, bytes], dict[str, bytes]]) -> None:
    project = make_project(tmp_path / "p", MINIMAL)
    processes = [demarche(project.root, "build") for _ in range(2)]
    results = [process.communicate(timeout=TIMEOUT) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], results
    pids = {str(process.pid) for process in processes}
    for _, err in results:
        # the holder writes its pid once it holds the lock: a build that asks in between is told of no pid
        assert err in ("", UNNAMED) or ((m := WAITING.fullmatch(err)) and m.group(1) in pids), err
    assert (tree(project.docs), tree(project.site)) == clean
    assert sorted(p.name for p in project.root.glob("site*")) == ["site"]


def test_a_build_killed_while_mkdocs_runs(tmp_path: Path, clean: tuple[dict[str, bytes], dict[str, bytes]]) -> None:
    """MkDocs outlives the killed build and holds the lock until it ends; the next build waits for it,
    then removes what it left and publishes a clean site. (MkDocs is paused while the next build starts,
    so that it is still running then.)"""
    project = make_project(tmp_path / "p", MINIMAL)
    first = demarche(project.root, "build")
    wait_for(lambda: any(p.is_dir() and any(p.iterdir()) for p in project.root.glob("site.*.partial")), "MkDocs to start writing")
    mkdocs = children(first.pid)
    assert len(mkdocs) == 1
    os.kill(mkdocs[0], signal.SIGSTOP)
    first.kill()
    first.communicate(timeout=TIMEOUT)
    second = demarche(project.root, "build")
    try:
        assert first_line(second) == f"demarche: waiting for another build (pid {first.pid}) to finish\n"
    finally:
        os.kill(mkdocs[0], signal.SIGCONT)
    out, err = second.communicate(timeout=TIMEOUT)
    assert (second.returncode, err) == (0, ""), out
    assert (tree(project.docs), tree(project.site)) == clean
    assert sorted(p.name for p in project.root.glob("site*")) == ["site"]


def children(pid: int) -> list[int]:
    """The processes whose parent is pid (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.parametrize("command", ["build", "generate"])
def test_ctrl_c_while_waiting_for_another_build_ends_in_one_line(tmp_path: Path, command: str) -> None:
    """Stopped while it waits for the lock, a build says so in one line, exits 130, and has changed nothing."""
    project = make_project(tmp_path / "p", MINIMAL)
    with holding_the_lock(project):
        waiting = demarche(project.root, command)
        assert WAITING.fullmatch(first_line(waiting))
        waiting.send_signal(signal.SIGINT)
        _, err = waiting.communicate(timeout=TIMEOUT)
    assert (waiting.returncode, err) == (130, "demarche: interrupted\n")
    assert not (project.docs / "sources").exists() and not project.site.exists()
