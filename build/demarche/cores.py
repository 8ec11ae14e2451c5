"""Two pieces of work at once, one of them in a forked copy of this process: generation on both processors.

The copy starts with everything this process has built (the archive's graph, the plan's keys), so
nothing is sent to it; only its result comes back, pickled, through a pipe. Work is shared this way
only where forking is safe and useful: os.fork exists, this process runs no other thread (a fork
copies no thread, and a lock another thread held would stay held in the copy: `demarche serve`
regenerates in a thread, so it works on one processor), and there is a second processor.

Whatever becomes of the copy (an exception, a crash, a kill, a result that does not unpickle), its
work is then done here: the result, and any exception, are those of doing both pieces here in turn.
The copy writes nothing but its result: what its work would have stored is part of that result.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

A = TypeVar("A")
B = TypeVar("B")
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


def in_halves(items: Sequence[T], work: Callable[[Sequence[T]], list[R]]) -> list[R]:
    """work(items), which gives one result per item: every other item (from the second) done by a forked copy of this
    process (both) when there are two items or more; the results in the items' order."""
    if len(items) < 2:
        return work(items)
    mine, theirs = both(lambda: work(items[::2]), lambda: work(items[1::2]))
    results = [*mine, *theirs]
    results[::2], results[1::2] = mine, theirs  # a result missing from either half is an error here
    return results


def _in_the_copy(work: Callable[[], object], write_end: int, parent: int) -> None:
    """The forked copy: do the work, send its result, and exit without running anything of the parent's at exit."""
    status = 1
    try:
        _die_with(parent)  # a killed build's copy does not hold its lock on
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C stops the copy as it stops a build
        data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
        with open(write_end, "wb") as pipe:
            pipe.write(data)
        status = 0
    except BaseException:
        pass
    finally:
        os._exit(status)


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


__all__ = ["both", "can_share", "in_halves"]
