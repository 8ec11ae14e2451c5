"""`make bench`: build synthetic archives of several sizes, measure every stage and the site, check the targets.

python -m bench.run                       # N = 100, 1,000 and 5,000; writes bench/results/latest.json
python -m bench.run --sizes 100 1000      # (make bench SIZES="100 1000")
python -m bench.run --search-only --sizes 5000   # only what search costs: bytes to first results, lunr, index time
python -m bench.run --rebuild-only --sizes 1000  # only `demarche build` end to end: clean, nothing changed, one edit
python -m bench.run --profile 1000        # cProfile of generation at N = 1,000
python -m bench.run --table bench/results/latest.json   # the tables again, from a results file
python -m bench.run --table bench/results/latest.json --readme README.md   # and into the README's section
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
from bench.report import (
    into_readme,
    machine,
    markdown,
    rebuild_markdown,
    rebuild_targets,
    search_markdown,
    search_targets,
    targets,
)
from bench.search_bytes import lunr_index, queries, search_bytes_row
from bench.stages import (
    STAGES,
    EndToEnd,
    build_end_to_end,
    generate,
    pages_showing,
    publish_measured,
    remove_build_output,
    site_stats,
    traced_generate,
)
from demarche.pipeline import Project
from demarche.records import Archive

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


def _records(archive: Archive) -> dict[str, int]:
    return {
        "sources": len(archive.sources),
        "actors": len(archive.actors),
        "agreements": len(archive.agreements),
        "demands": len(archive.demands),
        "statements": sum(len(s.statements) for s in archive.sources),
        "words_per_source": round(sum(len(s.body.split()) for s in archive.sources) / max(1, len(archive.sources))),
    }


def _edit_one(project: Project, shape: Shape) -> dict[str, Any]:
    edited = edit_one_source(project, shape)
    run = generate(project, project.docs)
    showing = pages_showing(run.pages, edited)
    return {
        "source": edited,
        "files_written": list(run.report.written),
        "pages_showing_it": len(showing),
        "only_pages_showing_it": set(run.report.written) <= showing,
    }


def _add_one(project: Project, shape: Shape) -> dict[str, Any]:
    added = add_one_source(project, shape)
    written = generate(project, project.docs).report.written
    return {"source": added, "files_written": len(written), "by_section": _by_section(written)}


def bench_size(shape: Shape, work: Path) -> dict[str, Any]:
    """Every measure for one archive shape, from a fresh synthetic project.

    No run's pages or records are kept while the next one is measured: `make site` starts each
    build in a fresh process, and a heap still holding the last run makes every collection slower.
    `demarche build` end to end is measured first, on a project of its own (see bench_rebuild).
    """
    n = shape.sources
    load_average = round(os.getloadavg()[0], 2)  # other work on the machine slows every number down
    rebuild = bench_rebuild(shape, work)["rebuild"]
    folder = work / f"n{n}"
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    project = generate_project(folder, shape)
    synthesis = time.perf_counter() - start
    _say(f"N={n}: synthetic archive written in {synthesis:.1f} s")
    first = generate(project, project.docs)
    records, seconds, written = _records(first.archive), first.seconds, len(first.report.written)
    times = {name: m.seconds for name, m in first.measures.items()}
    asked = queries(first.archive)
    del first
    _say(f"N={n}: generation {seconds:.1f} s, {written} files written; MkDocs build ...")
    build = publish_measured(project.root)
    stats = site_stats(project.root / "site")
    _say(
        f"N={n}: MkDocs {build.seconds:.1f} s (Pagefind {build.index_seconds:.1f} s), {stats.pages} pages; search in Chromium ..."
    )
    search = search_bytes_row(project.root / "site", asked)
    _say(f"N={n}: Material's lunr index of the same docs (a second MkDocs build) ...")
    lunr = lunr_index(project.root)
    _say(f"N={n}: second run ...")
    second = generate(project, project.docs)
    second_seconds, second_written = second.seconds, len(second.report.written)
    del second
    peaks = {name: m.peak_mb for name, m in traced_generate(project).measures.items()}
    _say(f"N={n}: one source edited, one added ...")
    edit, add = _edit_one(project, shape), _add_one(project, shape)
    _say(f"N={n}: done")
    return {
        "load_average_at_start": load_average,
        **records,
        "synthesis_seconds": synthesis,
        "stages": {name: {"seconds": times[name], "peak_mb": peaks[name]} for name in STAGES},
        "generation_seconds": seconds,
        "files_written": written,
        "mkdocs": asdict(build),
        "build_seconds": seconds + build.seconds,
        "per_source_ms": {"generation": 1000 * seconds / n, "build": 1000 * (seconds + build.seconds) / n},
        "site": asdict(stats),
        "search_index_gz_bytes_per_source": stats.search_index_gz_kb * 1024 / n,
        "search_queries": list(asked),
        "search_bytes": search,
        "lunr_index": asdict(lunr),
        "second_run": {
            "files_written": second_written,
            "generation_seconds": second_seconds,
            "mkdocs_seconds": rebuild["nothing_changed"]["publish_seconds"],
            "build_seconds": rebuild["nothing_changed"]["seconds"],
        },
        "edit_one_source": edit,
        "add_one_source": add,
        "rebuild": rebuild,
    }


REPEATS = 3  # builds with nothing changed, and edits, measured at each size: the one of median time is reported


def rebuilds(project: Project, shape: Shape, repeats: int = REPEATS) -> dict[str, Any]:
    """`demarche build` end to end, each in a process of its own: from a fresh checkout (no generated page, no
    site/, no .demarche/), then `repeats` times again with nothing changed, then `repeats` times after one
    source's text is edited (a paragraph more each time). Of the repeated builds, the one of median time is
    reported, with the times of all (`all_seconds`): on this machine the same build's time varies by a quarter
    from one run to the next, more than a change to the code often saves."""
    remove_build_output(project)
    clean = build_end_to_end(project.root)
    again = [build_end_to_end(project.root) for _ in range(repeats)]
    edits = []
    for _ in range(repeats):
        edited = edit_one_source(project, shape)
        edits.append(build_end_to_end(project.root))
    result = {"clean": _reported([clean]), "nothing_changed": _reported(again), "one_source_edited": _reported(edits)}
    result["one_source_edited"]["source"] = edited
    return result


def _reported(runs: list[EndToEnd]) -> dict[str, Any]:
    """The run of median time (of an even number, the slower of the middle two), with every run's time."""
    ordered = sorted(runs, key=lambda run: run.seconds)
    median = ordered[len(ordered) // 2]
    return asdict(median) | {"mkdocs_seconds": median.mkdocs_seconds, "all_seconds": [run.seconds for run in ordered]}


def bench_search(shape: Shape, work: Path) -> dict[str, Any]:
    """Only what search costs at one size: the site built once, the searches in Chromium, Material's lunr index.

    For sizes where the whole of bench_size would take too long; its rows are those of bench_size.
    """
    n = shape.sources
    folder = work / f"n{n}"
    shutil.rmtree(folder, ignore_errors=True)
    load_average = round(os.getloadavg()[0], 2)
    project = generate_project(folder, shape)
    first = generate(project, project.docs)
    asked, seconds = queries(first.archive), first.seconds
    del first
    _say(f"N={n}: generation {seconds:.1f} s; MkDocs build ...")
    build = publish_measured(project.root)
    _say(f"N={n}: MkDocs {build.seconds:.1f} s (Pagefind {build.index_seconds:.1f} s); search in Chromium ...")
    search = search_bytes_row(project.root / "site", asked)
    _say(f"N={n}: Material's lunr index of the same docs (a second MkDocs build) ...")
    lunr = lunr_index(project.root)
    return {
        "load_average_at_start": load_average,
        "sources": n,
        "generation_seconds": seconds,
        "mkdocs": asdict(build),
        "search_queries": list(asked),
        "search_bytes": search,
        "lunr_index": asdict(lunr),
    }


def bench_rebuild(shape: Shape, work: Path) -> dict[str, Any]:
    """`demarche build` end to end at one size (see rebuilds), on a fresh project of its own (alone: for when the
    whole of bench_size would take too long).

    It runs before anything else at its size, and no size's project is removed before the end of the run
    (main): where ext4 has no journal, as on the machine of README's figures, a file created within minutes
    of many removals waits while the kernel skips each inode freed in that time (`recently_deleted`, in
    `perf`), 0.3 to 1 ms a file against 20 to 45 microseconds otherwise, so the tens of thousands of files
    the previous measure removed would slow each file generation, MkDocs and Pagefind create."""
    folder = work / f"n{shape.sources}-rebuild"
    shutil.rmtree(folder, ignore_errors=True)
    load_average = round(os.getloadavg()[0], 2)
    project = generate_project(folder, shape)
    _say(f"N={shape.sources}: demarche build end to end: clean, nothing changed, one source edited ...")
    return {"load_average_at_start": load_average, "sources": shape.sources, "rebuild": rebuilds(project, shape)}


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
        out.parent.mkdir(parents=True, exist_ok=True)
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
    parser.add_argument("--search-only", action="store_true", help="measure only what search costs (bytes, lunr, index time)")
    parser.add_argument(
        "--rebuild-only", action="store_true", help="measure only `demarche build` end to end (clean, again, one edit)"
    )
    parser.add_argument("--table", type=Path, metavar="JSON", help="print the tables of a results file and stop")
    parser.add_argument("--readme", type=Path, metavar="README", help="with --table: put the tables into README's bench section")
    args = parser.parse_args(argv)
    if args.table:
        tables = markdown(json.loads(args.table.read_text(encoding="utf-8")))
        if args.readme:
            args.readme.write_text(into_readme(args.readme.read_text(encoding="utf-8"), tables), encoding="utf-8")
        print(tables)
        return 0
    with tempfile.TemporaryDirectory(prefix="demarche-bench-") as tmp:
        work = args.work or Path(tmp)
        if args.profile:
            print(profile(args.profile, work, RESULTS / f"profile-{args.profile}.txt"))
            return 0
        results: dict[str, Any] = {"machine": machine(), "sizes": {}}
        for n in args.sizes:  # each size's projects are kept until the end (see bench_rebuild)
            measure = bench_rebuild if args.rebuild_only else bench_search if args.search_only else bench_size
            results["sizes"][str(n)] = measure(Shape(n), work)
    results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    if args.rebuild_only:
        results["targets"] = rebuild_targets(results["sizes"])
    else:
        results["targets"] = search_targets(results["sizes"]) if args.search_only else targets(results["sizes"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.rebuild_only:
        print(rebuild_markdown(results))
    else:
        print(search_markdown(results) if args.search_only else markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
