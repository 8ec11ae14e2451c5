"""Fault injection for the build: a child process that counts every change it makes to the file system,
and at the k-th one kills itself (SIGKILL) or fails that change and every later one (ENOSPC, EACCES).

The child is forked from a clean multiprocessing fork server, which has imported demarche already, so
each run costs a fork, not an interpreter start. Every call that can change a file system is wrapped:
os.open for writing, os.write, os.pwrite, os.ftruncate, os.mkdir, os.rename, os.replace, os.unlink,
os.remove, os.rmdir, the site swap (demarche.publish.exchange) and builtins.open for writing. Each
step is logged, as it happens, to a file the parent reads: the kind of change, its path(s), whether
it takes space, and which `shutil.rmtree` call it belongs to (0 for none).
"""

from __future__ import annotations

import builtins
import errno
import io
import json
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


@dataclass(frozen=True)
class Step:
    number: int
    op: str
    paths: tuple[str, ...]
    space: bool  # the change takes space (a full disk refuses it); removals and renames do not
    rmtree: int  # the shutil.rmtree call it is part of, numbered from 1; 0 for none
    faulted: bool


@dataclass(frozen=True)
class Run:
    exitcode: int  # negative: killed by that signal
    stdout: str
    stderr: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Fault:
    at: int  # the step it strikes first (1-based); 0 for none
    kind: str = "kill"  # kill | ENOSPC | EACCES


def run(root: Path, argv: list[str], fault: Fault, scratch: Path) -> Run:
    """Run `demarche --root root *argv` in a child with fault; its outputs go to files in scratch."""
    scratch.mkdir(parents=True, exist_ok=True)
    names = [str(scratch / name) for name in ("steps", "stdout", "stderr")]
    child = _context().Process(target=_child, args=(str(root), argv, fault, *names))
    with _PROCESSES:
        child.start()
    multiprocessing.connection.wait([child.sentinel])
    with _PROCESSES:
        child.join()
    assert child.exitcode is not None
    steps = tuple(_step(json.loads(line)) for line in Path(names[0]).read_text(encoding="utf-8").splitlines())
    return Run(child.exitcode, Path(names[1]).read_text(encoding="utf-8"), Path(names[2]).read_text(encoding="utf-8"), steps)


def _step(record: dict[str, Any]) -> Step:
    return Step(record["number"], record["op"], tuple(record["paths"]), record["space"], record["rmtree"], record["faulted"])


# Process.start() reads the exit status of every finished child, and Process.join() that of its own:
# done by two threads at once, one of them reads nothing (and takes 255 for the status).
_PROCESSES = threading.Lock()
_CONTEXT: list[multiprocessing.context.ForkServerContext] = []


def _context() -> multiprocessing.context.ForkServerContext:
    """A fork server started once, with demarche imported: no thread of the test process is forked with it."""
    if not _CONTEXT:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["demarche.cli", "demarche.serve", "tests.faults"])
        _CONTEXT.append(context)
    return _CONTEXT[0]


def _child(root: str, argv: list[str], fault: Fault, steps: str, stdout: str, stderr: str) -> None:
    log = os.open(steps, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    sys.stdout = open(stdout, "w", encoding="utf-8", buffering=1)  # noqa: SIM115 (the child ends with os._exit)
    sys.stderr = open(stderr, "w", encoding="utf-8", buffering=1)  # noqa: SIM115
    _Injector(fault, log).install()
    from demarche import cores
    from demarche.cli import main

    cores.SHARING = False  # steps are numbered in one process; the copy changes nothing but its pipe (test_cores)

    try:
        code = main(["--root", root, *argv])
    except BaseException:  # a traceback is a failure the test reports: exit 70 with it in stderr
        traceback.print_exc()
        code = 70
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class _Injector:
    def __init__(self, fault: Fault, log: int) -> None:
        self.fault = fault
        self.log = log
        self.count = 0
        self.counting = threading.Lock()  # the index stage writes its files from several threads
        self.fds: dict[int, str] = {}  # descriptors opened for writing -> their path
        self.rmtree = 0  # the number of the rmtree call under way
        self.rmtrees = 0
        self.write = os.write  # the real one, for the log

    def step(self, op: str, paths: tuple[object, ...], space: bool) -> bool:
        """Count one change; kill here, or return whether it must fail.

        Steps taken by several threads at once are numbered one at a time, so every number is taken
        once (which file a number falls on may differ from the undisturbed run's)."""
        with self.counting:
            self.count += 1
            number = self.count
        at, kind = self.fault.at, self.fault.kind
        faulted = bool(at) and number >= at and kind != "kill" and (space or kind != "ENOSPC")
        shown = [os.fsdecode(p) if isinstance(p, str | bytes) else str(p) for p in paths]
        record = {"number": number, "op": op, "paths": shown, "space": space, "rmtree": self.rmtree, "faulted": faulted}
        self.write(self.log, (json.dumps(record) + "\n").encode("utf-8"))
        if at and number == at and kind == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        return faulted

    def error(self, *paths: object) -> OSError:
        code = errno.ENOSPC if self.fault.kind == "ENOSPC" else errno.EACCES
        return OSError(code, os.strerror(code), *(paths[:1]), *((None, paths[1]) if len(paths) > 1 else ()))

    def install(self) -> None:
        import demarche.publish

        for name in ("rename", "replace"):
            setattr(os, name, self._path_call(getattr(os, name), name, space=False, arity=2))
        for name in ("unlink", "remove", "rmdir"):
            setattr(os, name, self._path_call(getattr(os, name), name, space=False, arity=1))
        os.mkdir = self._path_call(os.mkdir, "mkdir", space=True, arity=1)
        demarche.publish.exchange = self._path_call(demarche.publish.exchange, "exchange", space=False, arity=2)
        for name in ("write", "pwrite", "ftruncate"):
            setattr(os, name, self._fd_call(getattr(os, name), name))
        os.open = self._open(os.open)
        os.close = self._close(os.close)  # type: ignore[assignment]
        builtins.open = io.open = self._builtin_open(builtins.open)
        shutil.rmtree = self._rmtree(shutil.rmtree)  # type: ignore[assignment]

    def _path_call(self, real: Callable[..., Any], op: str, space: bool, arity: int) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if self.step(op, args[:arity], space):
                raise self.error(*args[:arity])
            return real(*args, **kwargs)

        return call

    def _fd_call(self, real: Callable[..., Any], op: str) -> Callable[..., Any]:
        def call(fd: int, *args: Any) -> Any:
            if fd in self.fds and self.step(op, (self.fds[fd],), space=op != "ftruncate"):
                raise self.error()  # as the kernel does: os.write's error names no file
            return real(fd, *args)

        return call

    def _open(self, real: Callable[..., int]) -> Callable[..., int]:
        def call(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            writing = bool(flags & _WRITING)
            if writing and self.step("open", (path,), space=bool(flags & os.O_CREAT)):
                raise self.error(path)
            fd = real(path, flags, *args, **kwargs)
            if writing:
                self.fds[fd] = os.fsdecode(path)
            return fd

        return call

    def _close(self, real: Callable[[int], None]) -> Callable[[int], None]:
        def call(fd: int) -> None:
            self.fds.pop(fd, None)
            real(fd)

        return call

    def _builtin_open(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            if set(mode) & set("wax+") and not isinstance(file, int) and self.step("open-builtin", (file,), space=True):
                raise self.error(file)
            return real(file, mode, *args, **kwargs)

        return call

    def _rmtree(self, real: Callable[..., None]) -> Callable[..., None]:
        def call(*args: Any, **kwargs: Any) -> None:
            self.rmtrees += 1
            outer, self.rmtree = self.rmtree, self.rmtrees
            try:
                real(*args, **kwargs)
            finally:
                self.rmtree = outer

        return call


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under folder (hidden ones too), by its path relative to folder."""
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def visible(files: dict[str, bytes]) -> dict[str, bytes]:
    """The files MkDocs reads: none whose path has a part starting with a dot."""
    return {rel: data for rel, data in files.items() if not any(part.startswith(".") for part in rel.split("/"))}
