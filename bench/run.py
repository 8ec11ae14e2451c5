"""`make bench`: build synthetic archives of several sizes, measure every stage and the site, check the targets.

python -m bench.run                       # N = 100, 1,000 and 5,000; writes bench/results/latest.json
python -m bench.run --sizes 100 1000      # (make bench SIZES="100 1000")
python -m bench.run --profile 1000        # cProfile of generation at N = 1,000
python -m bench.run --table bench/results/latest.json   # the tables again, from a results file
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.generate import Shape, add_one_source, edit_one_source, generate_project
from bench.report import machine, markdown, targets
from bench.stages import STAGES, Generation, generate, pages_showing, publish_measured, site_stats, traced_generate

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SIZES = (100, 1000, 5000)


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _section(doc: str) -> str:
    """What kind of page a docs path is, for counting the pages a change rewrites."""
    if "/page-" in doc:
        return "continuation pages of long lists"
    if doc in ("index.md", "timeline.md") or doc.endswith("/index.md"):
        return "index pages"
    if doc.startswith(("sources/by-year/", "timeline/")):
        return "year pages"
    return f"{doc.split('/')[0]} pages"


def _by_section(docs: tuple[str, ...]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for doc in docs:
        counts[_section(doc)] = counts.get(_section(doc), 0) + 1
    return dict(sorted(counts.items()))


def _stages(run: Generation, memory: Generation) -> dict[str, dict[str, float | None]]:
    return {name: {"seconds": run.measures[name].seconds, "peak_mb": memory.measures[name].peak_mb} for name in STAGES}


def bench_size(shape: Shape, work: Path) -> dict[str, Any]:
    """Every measure for one archive shape, from a fresh synthetic project."""
    n = shape.sources
    folder = work / f"n{n}"
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    project = generate_project(folder, shape)
    synthesis = time.perf_counter() - start
    _say(f"N={n}: synthetic archive written in {synthesis:.1f} s")
    first = generate(project, project.docs)
    _say(f"N={n}: generation {first.seconds:.1f} s, {len(first.report.written)} files written; MkDocs build ...")
    build = publish_measured(project.root)
    stats = site_stats(project.root / "site")
    _say(f"N={n}: MkDocs {build.seconds:.1f} s, {stats.pages} pages; second run ...")
    second = generate(project, project.docs)
    second_build = publish_measured(project.root)
    memory = traced_generate(project)
    edited = edit_one_source(project, shape)
    after_edit = generate(project, project.docs)
    showing = pages_showing(after_edit.pages, edited)
    added = add_one_source(project, shape)
    after_add = generate(project, project.docs)
    _say(f"N={n}: done")
    archive = first.archive
    return {
        "sources": len(archive.sources),
        "actors": len(archive.actors),
        "agreements": len(archive.agreements),
        "demands": len(archive.demands),
        "statements": sum(len(s.statements) for s in archive.sources),
        "words_per_source": round(sum(len(s.body.split()) for s in archive.sources) / max(1, len(archive.sources))),
        "synthesis_seconds": synthesis,
        "stages": _stages(first, memory),
        "generation_seconds": first.seconds,
        "files_written": len(first.report.written),
        "mkdocs": asdict(build),
        "build_seconds": first.seconds + build.seconds,
        "per_source_ms": {"generation": 1000 * first.seconds / n, "build": 1000 * (first.seconds + build.seconds) / n},
        "site": asdict(stats),
        "search_index_gz_bytes_per_source": stats.search_index_gz_kb * 1024 / n,
        "second_run": {
            "files_written": len(second.report.written),
            "generation_seconds": second.seconds,
            "mkdocs_seconds": second_build.seconds,
            "build_seconds": second.seconds + second_build.seconds,
        },
        "edit_one_source": {
            "source": edited,
            "files_written": list(after_edit.report.written),
            "pages_showing_it": len(showing),
            "only_pages_showing_it": set(after_edit.report.written) <= showing,
        },
        "add_one_source": {
            "source": added,
            "files_written": len(after_add.report.written),
            "by_section": _by_section(after_add.report.written),
        },
    }


def profile(n: int, work: Path, out: Path | None) -> str:
    """cProfile of one generation run at size n: the functions that take the most time, own and cumulative."""
    project = generate_project(work / f"profile-n{n}", Shape(n))
    profiler = cProfile.Profile()
    profiler.enable()
    generate(project, project.docs)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)
    if out:
        out.write_text(text.getvalue(), encoding="utf-8")
    return text.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="archive sizes (sources)")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json", help="where to write the results as JSON")
    parser.add_argument("--work", type=Path, help="where to build the synthetic projects (default: a temporary folder)")
    parser.add_argument("--profile", type=int, metavar="N", help="profile generation at size N instead of benchmarking")
    parser.add_argument("--table", type=Path, metavar="JSON", help="print the tables of a results file and stop")
    args = parser.parse_args(argv)
    if args.table:
        print(markdown(json.loads(args.table.read_text(encoding="utf-8"))))
        return 0
    with tempfile.TemporaryDirectory(prefix="demarche-bench-") as tmp:
        work = args.work or Path(tmp)
        if args.profile:
            print(profile(args.profile, work, RESULTS / f"profile-{args.profile}.txt"))
            return 0
        results: dict[str, Any] = {"machine": machine(), "sizes": {}}
        for n in args.sizes:
            results["sizes"][str(n)] = bench_size(Shape(n), work)
            if not args.work:
                shutil.rmtree(work / f"n{n}", ignore_errors=True)
    results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["targets"] = targets(results["sizes"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
