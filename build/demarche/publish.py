"""Stage 6, publish: `mkdocs build --strict` into a folder of its own, then the index stage on it, then that
folder is swapped with site/ in one step. MkDocs may be started (`start`) well before it is told to
build (`build`): the pipeline starts it during generation, so that it loads meanwhile.

MkDocs builds (through sitebuild.py, in a process of its own) into `site.<unique>.partial` beside site/:
the whole site, or, given a plan, only what changed on a copy of site/ made of hard links, whose files
are replaced and never written into (sitebuild.py says how), and `finish` (the index stage, index.py) adds
the search index to it there, so the index is published together with the pages it indexes, or not
at all. Only a folder whose build and index both succeeded is swapped with site/, by Linux's
renameat2(RENAME_EXCHANGE), so site/ is at every moment the previous site or the new one, whole.
(Where the kernel or file system cannot exchange, two renames leave a moment with no site/, never a
mixed one.) The previous site, now under the partial name, is then removed, here or (for `demarche build`,
which then ends at once) by a process of its own that nothing waits for, started once the build is
done; partial folders that a killed build or a cut-short removal left are removed by the next
publish, which holds the build lock.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import demarche
from demarche.sitebuild import Plan, go_line, start_line

PARTIAL = ".partial"  # the suffix of the folder MkDocs builds into; never published


class PublishError(Exception):
    pass


@dataclass(frozen=True)
class Published:
    """A site put in place: where, whether MkDocs built only what changed, how many pages it has, which it rendered."""

    site: Path
    dirty: bool
    pages: int
    rendered: tuple[str, ...]  # by path in docs/
    previous: Path | None = None  # the previous site under a partial name, left to the caller to remove (leave_previous)


@dataclass(frozen=True)
class Started:
    """MkDocs started on a staging folder beside site/ (sitebuild.py), waiting to be told what changed."""

    site: Path
    staging: Path
    dirty: bool  # it builds on a copy of site/, which it makes meanwhile
    environ: dict[str, str]  # its environment, but for the variables the word to build changes
    process: subprocess.Popen[str]


def start(
    root: Path,
    site_dir: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    pass_fds: Sequence[int] = (),
    previous: Path | None = None,
) -> Started:
    """Start MkDocs, which loads itself and the config (and, given the previous site, copies it) until `build` or
    `abandon` is called: started before generation, that costs nothing but a processor of its own.

    environ is MkDocs' environment (default: this process's); pass_fds are handed to it, so that
    the build lock stays held until MkDocs ends even if this process is killed first. The caller, under
    the build lock, has removed the partial folders killed builds left (remove_partial_sites).
    """
    site = site_dir or root / "site"
    staging = Path(tempfile.mkdtemp(prefix=f"{site.name}.", suffix=PARTIAL, dir=site.parent))
    environ = dict(os.environ if environ is None else environ)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "demarche.sitebuild", str(root / "mkdocs.yml"), str(staging)],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_driver_environ(environ),
            pass_fds=tuple(pass_fds),
        )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    started = Started(site, staging, previous is not None, environ, process)
    try:
        assert process.stdin is not None
        process.stdin.write(start_line(previous))
        process.stdin.flush()
    except BaseException:
        abandon(started)
        raise
    return started


def build(
    started: Started,
    plan: Plan | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    finish: Callable[[Path], object] | None = None,
    leave_previous: bool = False,
    meanwhile: Callable[[], object] | None = None,
) -> Published:
    """Tell the started MkDocs to build, call `finish` on the staged site (the index stage), and put it in place;
    the previous site/ stays as it was if either fails.

    With a plan (given to a build started with its plan.previous), MkDocs builds only what changed
    since the build that made site/, on a copy of it (sitebuild.py); the caller knows that site/ is as
    that build left it. environ: MkDocs' environment now (default: as it started). An OSError of
    `finish` (a full disk...) is raised as it is, naming its path; any other failure is a PublishError.
    leave_previous: the previous site is not removed here but left, under its partial name, to the caller
    (Published.previous), which can hand it to remove_in_background once it is done. meanwhile: called
    while MkDocs builds, on the processor it leaves free; if it fails, the build is stopped.
    """
    now = started.environ if environ is None else environ
    changed = {name: now.get(name) for name in started.environ.keys() | now.keys() if started.environ.get(name) != now.get(name)}
    staging = started.staging
    try:
        if (plan is not None) != started.dirty:
            raise ValueError("a dirty build needs a plan, and a full one none")
        out, err = _communicated(started.process, go_line(plan, changed), meanwhile)
        if started.process.returncode != 0:
            raise PublishError((err or out).strip())
        report = json.loads(out.splitlines()[-1])
        if finish is not None:
            _finish(finish, staging)
        _swap(staging, started.site)
    except BaseException:
        abandon(started)  # the failed build
        raise
    previous = staging if staging.exists() else None  # the previous site, after the swap
    if previous is not None and not leave_previous:
        shutil.rmtree(previous, ignore_errors=True)
        previous = None
    return Published(started.site, bool(report["dirty"]), int(report["pages"]), tuple(report["rendered"]), previous)


def _communicated(process: subprocess.Popen[str], line: str, meanwhile: Callable[[], object] | None) -> tuple[str, str]:
    """process.communicate(line), while meanwhile runs in this thread; the process is killed if meanwhile fails.

    meanwhile starts once the line is written whole: while it runs, this thread holds Python's lock for long
    stretches (a JSON dump), and communicate, writing the line a few hundred bytes at a time, would wait for
    the lock at each (the line of a dirty build names every unchanged page). The process reads nothing but
    that line until it is whole, and writes little before it (sitebuild.py), so the write cannot wait on it.
    """
    if meanwhile is None:
        return process.communicate(line)
    talked: list[tuple[str, str] | BaseException] = []
    written = threading.Event()

    def talk() -> None:
        try:
            try:
                if process.stdin is not None:
                    process.stdin.write(line)
                    process.stdin.flush()
            except BrokenPipeError:  # it ended: communicate gives what it said
                pass
            finally:
                written.set()
            talked.append(process.communicate())
        except BaseException as exc:  # raised below, in the caller's thread
            talked.append(exc)
            written.set()

    talking = threading.Thread(target=talk, name="mkdocs-communicate", daemon=True)
    talking.start()
    written.wait()
    try:
        meanwhile()
    except BaseException:
        process.kill()
        raise
    finally:
        talking.join()
    if isinstance(talked[0], BaseException):
        raise talked[0]
    return talked[0]


def abandon(started: Started) -> None:
    """Stop the started MkDocs (if it still runs) and remove its staging folder."""
    process = started.process
    if process.poll() is None:
        process.kill()
    process.wait()  # it no longer writes into the staging folder
    for pipe in (process.stdin, process.stdout, process.stderr):
        with contextlib.suppress(OSError):
            if pipe is not None:
                pipe.close()
    shutil.rmtree(started.staging, ignore_errors=True)


def publish(
    root: Path,
    site_dir: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    pass_fds: Sequence[int] = (),
    finish: Callable[[Path], object] | None = None,
    plan: Plan | None = None,
) -> Published:
    """Build the site with MkDocs in strict mode (only what changed, given a plan), call `finish` on the staged
    site, and put it in place: `start`, then `build`, at once."""
    remove_partial_sites(site_dir or root / "site")
    started = start(root, site_dir, environ=environ, pass_fds=pass_fds, previous=plan.previous if plan else None)
    return build(started, plan, finish=finish)


def _driver_environ(environ: Mapping[str, str] | None) -> dict[str, str]:
    """MkDocs' environment, where this demarche package can be imported (it runs sitebuild.py)."""
    env = dict(os.environ if environ is None else environ)
    package_root = str(Path(demarche.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([package_root, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))])
    return env


def _finish(finish: Callable[[Path], object], staging: Path) -> None:
    try:
        finish(staging)
    except OSError:
        raise
    except Exception as error:
        raise PublishError(f"{type(error).__name__}: {error}") from error


def remove_partial_sites(site: Path, background: bool = False) -> None:
    """Remove the folders killed builds (or a cut-short removal) left beside site/, here or in the background
    (remove_in_background); only under the build lock: a live build uses one."""
    for leftover in sorted(site.parent.glob(f"{site.name}.*{PARTIAL}")):
        if background:
            remove_in_background(leftover)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


_REMOVER = "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)"
_REMOVERS: list[subprocess.Popen[bytes]] = []  # held until they end (a long-lived `serve` reaps them here)


def remove_in_background(folder: Path) -> None:
    """Remove folder (a previous site under a partial name) in a process of its own that nobody waits for.

    No reader takes a partial folder for a site, and no build writes into one. The remover holds no
    descriptor of this process (so not the build lock): if it is cut short, the next publish removes
    what is left; if it still runs when the next publish removes leftovers, both remove, and each one's
    pass alone removes the whole folder (nothing is ever added to it), so the later to end leaves nothing.
    Where no process can be started, the folder is removed here.
    """
    _REMOVERS[:] = [remover for remover in _REMOVERS if remover.poll() is None]
    try:
        remover = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _REMOVER, os.fspath(folder)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the terminal that ran the build does not stop it
        )
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return
    _REMOVERS.append(remover)


def _swap(new: Path, site: Path) -> None:
    """Put new at site; afterwards new holds the previous site, if there was one."""
    if not site.exists():
        os.rename(new, site)
    elif not exchange(new, site):
        old = new.with_name(new.name.removesuffix(PARTIAL) + ".previous" + PARTIAL)
        os.rename(site, old)
        try:
            os.rename(new, site)
        except OSError:
            with contextlib.suppress(OSError):
                os.rename(old, site)
            raise
        os.rename(old, new)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 with RENAME_EXCHANGE); False where that is not available."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    try:
        function: Callable[..., int] = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]  # type: ignore[attr-defined]
    function.restype = ctypes.c_int  # type: ignore[attr-defined]
    return function
