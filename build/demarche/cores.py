"""Two pieces of work at once, one of them in a forked copy of this process: generation on both processors.

The copy starts with everything this process has built (the archive's graph, the plan's keys), so
nothing is sent to it; only its result comes back, pickled, through a pipe. Work is shared this way
only where forking is safe and useful: os.fork exists, this process runs no other thread (a fork
copies no thread, and a lock another thread held would stay held in the copy: `demarche serve`
regenerates in a thread, so it works on one processor), and there is a second processor.

Whatever becomes of the copy (an exception, a crash, a kill, a result that does not unpickle), its
work is then done here: the result, and any exception, are those of doing both pieces here in turn.
The copy writes nothing but its result: what its work would have stored is part of that result.
It closes every file it inherited (the build lock, the pipes to a MkDocs started ahead) and opens
what it reads.

both_then lets the copy keep part of its work for later: it sends its result, then waits until that
part is asked for (generation's copy finds the digests of its pages' contexts, which only the next
run reads, while MkDocs builds). A copy lost after its result loses only that part.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import pickle
import signal
import struct
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar, cast

A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1  # prctl(2)
SHARING = True  # tests turn it off to compare with the work done in one process


def can_share() -> bool:
    """Whether work can be shared with a forked copy of this process now."""
    return SHARING and hasattr(os, "fork") and threading.active_count() == 1 and (os.cpu_count() or 1) > 1


def both(mine: Callable[[], A], theirs: Callable[[], B], share: bool = True) -> tuple[A, B]:
    """(mine(), theirs()), theirs() done by a forked copy of this process meanwhile, when it can be (can_share) and
    share is true (the caller's judgement that the work is worth a fork)."""
    if not share or not can_share():
        return mine(), theirs()
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        _in_the_copy(theirs, write_end, parent)
    os.close(write_end)
    try:
        with open(read_end, "rb") as pipe:
            own = mine()
            data = pipe.read()
    except BaseException:
        _stop(pid)
        raise
    _, status = os.waitpid(pid, 0)
    if status == 0:
        try:
            return own, pickle.loads(data)
        except Exception:
            pass
    return own, theirs()


class Later(Generic[C]):
    """The rest of a forked copy's work (both_then): the copy waits to be asked for it; get() asks, and waits for it."""

    def __init__(self, copy: tuple[int, io.BufferedReader, int] | None, here: Callable[[], C] | None) -> None:
        self._here = here  # the work, to be done here: the copy was not forked, or did not send its result
        self._copy = copy  # the copy's process id, the pipe its value comes by, and the pipe that tells it to go on
        self._stop = weakref.finalize(self, _stop_copy, *copy) if copy is not None else None
        self._asked = False

    def ask(self) -> None:
        """Tell the copy to do the work now, not waiting for it (get waits)."""
        if self._copy is not None and not self._asked:
            self._asked = True
            with contextlib.suppress(OSError):  # a copy that has ended reads no word
                os.write(self._copy[2], b"\n")

    def get(self) -> C | None:
        """The value of the work, or None when the copy ended before sending it (or get was called before)."""
        if self._here is not None:
            here, self._here = self._here, None
            return here()
        if self._copy is None or self._stop is None:
            return None
        self.ask()
        (pid, pipe, go), self._copy = self._copy, None
        self._stop.detach()
        try:
            os.close(go)
            with pipe:
                data = pipe.read()
        finally:
            _, status = os.waitpid(pid, 0)
        try:
            return pickle.loads(data) if status == 0 else None
        except Exception:
            return None

    def drop(self) -> None:
        """Let the work go: the copy is stopped."""
        self._here = None
        self._copy = None
        if self._stop is not None:
            self._stop()


def both_then(
    mine: Callable[[], A], theirs: Callable[[], tuple[B, Callable[[], C]]], share: bool = True
) -> tuple[A, B, Later[C]]:
    """both(mine, theirs) for a theirs that gives its result and the rest of its work, to be done only when asked for
    (Later.get): the copy sends its result, then waits. What is not needed before then (build_site asks while MkDocs
    builds, on one processor) takes no processor from the work that is.

    If the copy ends before sending its result, theirs() is done here, and its rest when it is asked for; if it ends
    after, the rest is lost (Later.get gives None). Get or drop it: until then the copy waits.
    """
    if not share or not can_share():
        own = mine()
        result, rest = theirs()
        return own, result, Later(None, rest)
    read_end, write_end = os.pipe()
    told, go = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        _in_the_copy(lambda: _sent_first(theirs(), write_end, told), write_end, parent, keep=(told,))
    os.close(write_end)
    os.close(told)
    pipe = open(read_end, "rb")  # noqa: SIM115 (Later closes it)
    try:
        own = mine()
        first = _first(pipe)
    except BaseException:
        _stop_copy(pid, pipe, go)
        raise
    if first is None:
        _stop_copy(pid, pipe, go)
        result, rest = theirs()
        return own, result, Later(None, rest)
    return own, cast(B, first[0]), Later((pid, pipe, go), None)


_LENGTH = struct.Struct("<Q")


def _sent_first(done: tuple[object, Callable[[], object]], write_end: int, told: int) -> object:
    """In the copy: send the result, framed by its length; wait to be told to go on, then return the rest's value,
    which _in_the_copy sends. Not told (the pipe closed without a word): end, as a copy that failed."""
    result, rest = done
    data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(write_end, view) :]
    if os.read(told, 1) != b"\n":
        raise EOFError("the rest was not asked for")
    return rest()


def _first(pipe: io.BufferedReader) -> tuple[object] | None:
    """The result a copy sent first (_sent_first), in a 1-tuple; None when the copy ended before it was whole."""
    head = pipe.read(_LENGTH.size)
    if len(head) != _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(head)
    data = pipe.read(length)
    if len(data) != length:
        return None
    try:
        return (pickle.loads(data),)
    except Exception:
        return None


def _stop_copy(pid: int, pipe: io.BufferedReader, go: int) -> None:
    pipe.close()
    with contextlib.suppress(OSError):
        os.close(go)
    _stop(pid)


def in_halves(items: Sequence[T], work: Callable[[Sequence[T]], list[R]]) -> list[R]:
    """work(items), which gives one result per item: every other item (from the second) done by a forked copy of this
    process (both) when there are two items or more; the results in the items' order."""
    if len(items) < 2:
        return work(items)
    mine, theirs = both(lambda: work(items[::2]), lambda: work(items[1::2]))
    results = [*mine, *theirs]
    results[::2], results[1::2] = mine, theirs  # a result missing from either half is an error here
    return results


def _in_the_copy(work: Callable[[], object], write_end: int, parent: int, keep: Sequence[int] = ()) -> None:
    """The forked copy: do the work, send its result, and exit without running anything of the parent's at exit.
    keep: the file descriptors it uses besides write_end; it closes every other it inherited but 0 to 2."""
    status = 1
    try:
        _die_with(parent)  # a killed build's copy does not hold its lock on
        _close_inherited({write_end, *keep})  # nor the lock, nor the pipes to MkDocs, once this process lets them go
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C stops the copy as it stops a build
        data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
        with open(write_end, "wb") as pipe:
            pipe.write(data)
        status = 0
    except BaseException:
        pass
    finally:
        os._exit(status)


def _close_inherited(keep: set[int]) -> None:
    """Close every file descriptor but standard input, output and error, and those in keep: the copy opens what it reads."""
    limit = os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1024
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, max(limit, low))


def _die_with(parent: int) -> None:
    """Have the kernel kill this process when its parent ends (Linux: PR_SET_PDEATHSIG), and end now if it has."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _stop(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.waitpid(pid, 0)


__all__ = ["Later", "both", "both_then", "can_share", "in_halves"]
