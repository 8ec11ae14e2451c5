"""How much finding repeated texts adds to `demarche check`, on synthetic archives of growing size.

python -m bench.check_repeats                 # 100 and 1,000 sources
python -m bench.check_repeats --sizes 1000 5000

Each archive is bench/generate.py's (seeded pseudo-words, about a thousand words a source), plus one
copy of its middle source's text under another id and title. For each size the script times
overlap.repeated_texts on every body (in process, best of three), then the whole `demarche check` in a
child process as a contributor runs it, and checks that exactly the copy is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.generate import Shape, generate_project
from demarche.load import load_archive
from demarche.overlap import repeated_texts

COPY = "zz-copy-of-a-source"


def add_copy(root: Path) -> str:
    """Write a copy of the middle source's body as a new source, a day later; returns the copied source's path."""
    paths = sorted((root / "sources" / "texts").glob("*/*.md"))
    original = paths[len(paths) // 2]
    text = original.read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[1]
    year = original.parent.name
    front = f"---\ntitle: The same text under another title\ndate: {year}-12-31\nkind: article\n---\n"
    (root / "sources" / "texts" / year / f"{COPY}.md").write_text(front + body, encoding="utf-8")
    return original.relative_to(root).as_posix()


def run(size: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="demarche-repeats-") as tmp:
        project = generate_project(Path(tmp), Shape(sources=size))
        original = add_copy(project.root)
        raws = [r for r in load_archive(project.sources, project.root)[0] if r.kind == "source"]
        bodies = [r.body for r in raws]
        words = sum(len(b.split()) for b in bodies)
        index_seconds = min(_timed(lambda: repeated_texts(bodies)) for _ in range(3))
        command = [sys.executable, "-m", "demarche", "--root", str(project.root), "check", "--format", "json"]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)
        check_seconds = time.perf_counter() - start
    found = [p for p in json.loads(done.stdout or "[]") if p["code"] == "repeated-text"]
    if [(p["path"].rsplit("/", 1)[-1], original in p["message"]) for p in found] != [(f"{COPY}.md", True)]:
        sys.exit(f"expected one repeated-text warning on the copy of {original}, got {found} (exit {done.returncode})")
    print(
        f"{size + 1:>6} sources, {words:,} words: repeated texts found in {index_seconds:.2f} s; "
        f"`demarche check` in all {check_seconds:.2f} s"
    )
    return index_seconds, check_seconds


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    for size in args.sizes:
        run(size)


if __name__ == "__main__":
    main()
