"""Generation on both processors (cores.both): the forked copy's work is the work done in one process, whatever
becomes of the copy, and it never outlives its build."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from bench.generate import Shape, edit_one_source, generate_project
from bench.stages import build_end_to_end

from demarche import cores, pipeline, record_pages, reuse
from demarche.cache import unsealed
from demarche.pipeline import Project, build_lock, check, generate, generate_locked
from demarche.problems import ContentError, has_errors
from demarche.schema_doc import field_reference_file
from demarche.write import read_manifest
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


# -- both_then: the copy sends its result, then does the rest of its work --------------------------------


def test_the_rest_of_the_copys_work_waits_to_be_asked_for(tmp_path: Path) -> None:
    """The rest reads a word this process writes only after both_then has returned: had the copy gone on before it
    was asked, it would have found no word. Its value comes back once."""
    word = tmp_path / "word"

    def theirs() -> tuple[int, Callable[[], tuple[int, str]]]:
        return os.getpid(), lambda: (os.getpid(), word.read_text())

    mine, copy, rest = cores.both_then(os.getpid, theirs)
    assert copy != mine == os.getpid()
    word.write_text("go on")
    assert rest.get() == (copy, "go on")
    assert rest.get() is None  # got once
    assert no_child_left()


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
def test_a_copy_that_fails_before_its_result_leaves_all_of_it_to_be_done_here(failure: Callable[[], object]) -> None:
    here = os.getpid()

    def theirs() -> tuple[object, Callable[[], object]]:
        result = failure() if os.getpid() != here else "result here"
        return result, lambda: ("rest", os.getpid())

    mine, result, rest = cores.both_then(lambda: "mine", theirs)
    assert (mine, result) == ("mine", "result here")
    assert no_child_left()
    assert rest.get() == ("rest", here)


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
def test_a_copy_that_fails_after_its_result_loses_the_rest(failure: Callable[[], object]) -> None:
    """The rest is the copy's alone (it holds what the rest needs): lost, it is None, and the copy is reaped."""
    mine, result, rest = cores.both_then(lambda: "mine", lambda: ("result", failure))
    assert (mine, result) == ("mine", "result")
    assert rest.get() is None
    assert no_child_left()


def test_a_rest_let_go_stops_the_copy() -> None:
    _, _, rest = cores.both_then(lambda: 1, lambda: (2, threading.Event().wait))  # the rest would wait for ever
    rest.drop()
    assert rest.get() is None
    assert no_child_left()


def test_a_rest_forgotten_stops_the_copy() -> None:
    """A rest nobody gets (the stage after failed): once nothing holds it, the copy is stopped and reaped."""
    _, _, rest = cores.both_then(lambda: 1, lambda: (2, threading.Event().wait))
    del rest
    assert no_child_left()


def test_without_a_copy_the_rest_is_done_here_when_asked_for() -> None:
    done: list[str] = []
    mine, result, rest = cores.both_then(lambda: "mine", lambda: ("result", lambda: done.append("rest") or "rest"), share=False)
    assert (mine, result, done) == ("mine", "result", [])
    assert rest.get() == "rest" and done == ["rest"]


def test_the_copy_holds_no_file_this_process_lets_go(tmp_path: Path) -> None:
    """A copy still at its rest holds none of what it inherited open: the build lock is free once this process lets
    it go (as a pipe to MkDocs is closed: MkDocs sees its end)."""
    lock = os.open(tmp_path / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(lock, fcntl.LOCK_EX)
    _, _, rest = cores.both_then(lambda: 1, lambda: (2, threading.Event().wait))
    try:
        os.close(lock)
        again = os.open(tmp_path / "lock", os.O_RDWR)
        try:
            fcntl.flock(again, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if the copy held it
        finally:
            os.close(again)
    finally:
        rest.drop()
    assert no_child_left()


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


def test_a_copy_that_dies_finding_its_digests_leaves_its_pages_unrecorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy sends its pages, then finds the digests of their contexts while they are written (reuse.Rendered).
    Killed then: docs/ is whole, the record lacks those digests (a keyed page is recorded with ''), so the next run
    renders those pages again, and gives what a clean run gives."""
    project = golden_project(tmp_path / "p")
    here = os.getpid()
    digest = reuse.context_digest

    def dies_in_the_copy(page: object) -> object:
        if os.getpid() != here:
            os.kill(os.getpid(), signal.SIGKILL)
        return digest(page)  # type: ignore[arg-type]

    monkeypatch.setattr(reuse, "context_digest", dies_in_the_copy)
    generate(project)
    monkeypatch.undo()
    clean = clean_docs(project, tmp_path / "clean")
    assert docs_files(project) == clean
    assert no_child_left()
    record = _state(project, "rendered.json")["pages"]  # type: ignore[index]
    assert 0 < len(record) < len(docs_files(project))
    assert any(entry[0] == "" and entry[2] for entry in record.values())  # keyed, its digest lost
    assert all(entry[0] or entry[2] for entry in record.values())  # an unkeyed page without a digest is not recorded
    pages = {doc for doc in read_manifest(project.docs) if doc.endswith(".md")} - {field_reference_file().doc}  # not a page
    lost = {doc for doc in pages if not record.get(doc, [""])[0]}
    in_one_process(monkeypatch)
    rendered: list[str] = []
    render_page = reuse.render_page
    monkeypatch.setattr(reuse, "render_page", lambda env, page: rendered.append(page.doc) or render_page(env, page))
    with build_lock(project):
        generate_locked(project, force=True)
    monkeypatch.undo()
    assert set(rendered) == lost
    assert docs_files(project) == clean
    assert _state(project, "rendered.json") == _state(Project(tmp_path / "clean"), "rendered.json")


@pytest.mark.parametrize(("sources_from", "forks"), [(8, 1), (9, 0)], ids=["as large", "smaller"])
def test_in_an_archive_as_large_as_it_takes_one_edit_is_planned_on_both_processors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sources_from: int, forks: int
) -> None:
    """One source of eight edited: its pages are planned on both processors when the archive has at least
    SHARED_WHATEVER_CHANGED sources (one fork: the one file edited is read, and its names found, here), not
    otherwise; either way docs/ is what a clean run writes."""
    shape = Shape(sources=8)
    project = generate_project(tmp_path / "p", shape)
    generate(project)
    edit_one_source(project, shape)
    monkeypatch.setattr(pipeline, "SHARED_WHATEVER_CHANGED", sources_from)
    counted = _counting_forks(monkeypatch)
    generate(project)
    monkeypatch.undo()
    assert len(counted) == forks
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
