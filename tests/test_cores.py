"""Generation on both processors (cores.both): the forked copy's work is the work done in one process, whatever
becomes of the copy, and it never outlives its build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from bench.stages import build_end_to_end

from demarche import cores, record_pages
from demarche.cache import unsealed
from demarche.pipeline import Project, check, generate
from demarche.problems import ContentError, has_errors
from tests.test_bad_input import CASES, case_project
from tests.test_incremental import clean_docs, docs_files, golden_project, in_one_process
from tests.test_kept_pages import kept_counter

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or (os.cpu_count() or 1) < 2, reason="work is shared only by a fork on a machine of two processors"
)


@pytest.fixture(autouse=True)
def sharing() -> None:
    """Work is shared only where no other thread runs (cores.can_share): one an earlier test of this process left
    (a server's) is waited for, and one that does not end fails the test, named."""
    for thread in threading.enumerate():
        if thread is not threading.current_thread():
            thread.join(timeout=60)
    assert cores.can_share(), f"threads still running: {[t.name for t in threading.enumerate()]}"


def no_child_left() -> bool:
    """No child process, running or ended unreaped, is left."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_copy_does_its_work_in_another_process() -> None:
    here = os.getpid()
    mine, theirs = cores.both(os.getpid, os.getpid)
    assert mine == here and theirs != here
    assert no_child_left()


def _raises() -> int:
    raise ValueError("in the copy")


def _exits() -> int:
    os._exit(3)


def _killed() -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return 0


def _interrupted() -> int:
    raise KeyboardInterrupt


def _unpicklable() -> object:
    return lambda: None


FAILURES: dict[str, Callable[[], object]] = {
    "an exception": _raises,
    "an exit": _exits,
    "a kill": _killed,
    "an interrupt": _interrupted,
    "a result that does not pickle": _unpicklable,
}


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
def test_whatever_becomes_of_the_copy_its_work_is_done_here(failure: Callable[[], object]) -> None:
    """The work fails in the copy only (it runs there first): done again here, its result is this process's."""
    here = os.getpid()

    def work() -> object:
        return failure() if os.getpid() != here else ("done here", os.getpid())

    assert cores.both(lambda: "mine", work) == ("mine", ("done here", here))
    assert no_child_left()


def test_an_exception_of_the_work_is_raised_as_in_one_process() -> None:
    with pytest.raises(ValueError, match="in the copy"):
        cores.both(lambda: 1, _raises)
    assert no_child_left()


def test_when_this_side_fails_the_copy_is_stopped() -> None:
    with pytest.raises(ValueError, match="in the copy"):
        cores.both(_raises, threading.Event().wait)  # the copy would wait for ever
    assert no_child_left()


def test_no_work_is_shared_while_another_thread_runs() -> None:
    """A fork copies no thread, and a lock one held would stay held in the copy (demarche serve regenerates in a thread)."""
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not cores.can_share()
        assert cores.both(os.getpid, os.getpid) == (os.getpid(), os.getpid())
    finally:
        stop.set()
        other.join()


COPY_WAITS = """
import os, sys, threading
from pathlib import Path
from demarche import cores
def theirs():
    Path(sys.argv[1]).write_text(str(os.getpid()))
    threading.Event().wait()
cores.both(threading.Event().wait, theirs)
"""


def test_a_killed_build_leaves_no_copy_behind(tmp_path: Path) -> None:
    """Killed by the kernel with its parent: it holds nothing on (the build lock is among what it inherits)."""
    told = tmp_path / "copy"
    build = subprocess.Popen([sys.executable, "-c", COPY_WAITS, str(told)])
    try:
        deadline = time.monotonic() + 60
        while not told.exists() or not told.read_text():
            assert build.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        copy = int(told.read_text())
    finally:
        build.kill()
        build.wait()
    deadline = time.monotonic() + 60
    while _alive(copy):
        assert time.monotonic() < deadline, f"the copy {copy} outlived its build"
        time.sleep(0.01)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return status != "Z"  # a zombie has ended; only its parent (init, here) can reap it


# -- generation ---------------------------------------------------------------------------------------


def test_generation_on_both_processors_writes_what_one_process_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = golden_project(tmp_path / "shared")
    forks = _counting_forks(monkeypatch)
    generate(shared)
    assert len(forks) == 3  # loading, finding the names the texts hold, planning and rendering
    in_one_process(monkeypatch)
    alone = golden_project(tmp_path / "alone")
    generate(alone)
    assert docs_files(shared) == docs_files(alone)
    assert _state(shared, "rendered.json") == _state(alone, "rendered.json")
    assert _load_cache(shared) == _load_cache(alone)  # what the copy derived of its records' files came back


def test_a_copy_that_dies_in_generation_leaves_what_one_process_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = golden_project(tmp_path / "p")
    here = os.getpid()
    planned = record_pages.record_pages

    def dies_in_the_copy(*args: object, **kwargs: object) -> object:
        if os.getpid() != here:
            os.kill(os.getpid(), signal.SIGKILL)
        return planned(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("demarche.pipeline.record_pages", dies_in_the_copy)
    generate(project)
    monkeypatch.undo()
    assert docs_files(project) == clean_docs(project, tmp_path / "clean")
    assert no_child_left()


def _counting_forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    forks: list[int] = []
    fork = os.fork

    def counted() -> int:
        pid = fork()
        if pid:
            forks.append(1)
        return pid

    monkeypatch.setattr(os, "fork", counted)
    return forks


def _state(project: Project, name: str) -> object:
    return unsealed((project.state / name).read_bytes())


def _load_cache(project: Project) -> dict[str, object]:
    """What the load cache keeps of each file, but the file's times and inode."""
    entries = {}
    for shard in sorted((project.state / "load").glob("*.json")):
        for path, entry in unsealed(shard.read_bytes())["files"].items():
            entries[path] = {name: value for name, value in entry.items() if name != "file"}
    assert any(name.startswith("derived:") for entry in entries.values() for name in entry)
    return entries


_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_CHANGING = ("mkdir", "rename", "replace", "unlink", "remove", "rmdir", "symlink", "link", "truncate", "chmod")


def test_the_copy_changes_nothing_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every call that can change a file system (those tests/faults.py counts), made in a forked copy, is logged:
    none is, in a clean generation and in one after an edit. What it would have stored comes back with its result."""
    here = os.getpid()
    log = os.open(tmp_path / "copy.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    write = os.write

    def logged(name: str, call: Callable[..., object], changes: Callable[..., bool]) -> Callable[..., object]:
        def wrapped(*args: object, **kwargs: object) -> object:
            if os.getpid() != here and changes(*args, **kwargs):
                write(log, f"{name} {args[:2]!r}\n".encode())
            return call(*args, **kwargs)

        return wrapped

    def opening(path: object, mode: str = "r", *args: object, **kwargs: object) -> bool:
        return not isinstance(path, int) and any(c in mode for c in "wax+")

    for name in _CHANGING:
        monkeypatch.setattr(os, name, logged(name, getattr(os, name), lambda *a, **k: True))
    monkeypatch.setattr(os, "open", logged("open", os.open, lambda path, flags, *a, **k: bool(flags & _WRITING)))
    import builtins
    import io

    for module in (builtins, io):
        monkeypatch.setattr(module, "open", logged("open", module.open, opening))
    project = golden_project(tmp_path / "p")
    forks = _counting_forks(monkeypatch)
    generate(project)
    text = next(project.sources.glob("texts/*/*.md"))
    text.write_text(text.read_text(encoding="utf-8") + "\nAn added sentence.\n", encoding="utf-8")
    generate(project)
    os.close(log)
    assert len(forks) == 4  # files, names and pages in the first run; pages in the second (one file is read alone)
    assert (tmp_path / "copy.log").read_text() == ""


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_files_checked_on_both_processors_give_what_check_gives(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each bad-input case: the files are read and checked half in a forked copy, which keeps what it found for
    validate to recall (validate.checked_alone). The archive and the problems are those of a check in one process
    that keeps nothing, then again from the cache alone, and a failing build reports them."""
    project = Project(case_project(case, tmp_path / "p"))
    alone = check(project)
    forks = _counting_forks(monkeypatch)
    assert check(project, incremental=True) == alone
    assert forks  # the files were read on both processors
    assert check(project, incremental=True) == alone
    if has_errors(alone[1]):
        with pytest.raises(ContentError) as failed:
            generate(project)
        assert failed.value.problems == alone[1]


def test_the_bench_counts_the_pages_a_copy_keeps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """bench.stages.build_end_to_end (a `demarche build` of its own) counts the pages kept unplanned in a shared memory
    counter: after an edit that has pages planned on both processors, it counts those of one process."""
    shared, alone = golden_project(tmp_path / "shared"), golden_project(tmp_path / "alone")
    for project in (shared, alone):
        text = sorted(project.sources.glob("texts/*/*.md"))[0]  # one text of two: half the sources planned again
        generate(project)
        text.write_text(text.read_text(encoding="utf-8") + "\nAn added sentence.\n", encoding="utf-8")
    kept = kept_counter(monkeypatch)  # in one process
    generate(alone)
    assert kept
    assert build_end_to_end(shared.root).pages_kept == len(kept)
