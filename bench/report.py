"""The benchmark's report: the machine it ran on, the targets of issue #7 checked, and Markdown tables."""

from __future__ import annotations

import os
import platform
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.search_bytes import KINDS
from bench.stages import STAGES

RECORD_KINDS = ("source", "actor", "agreement", "demand")
SEARCH_BUDGET = 5_000_000  # bytes of gzipped search index a reader downloads before search works
FETCH_BUDGET = 400 * 1024  # issue #12: bytes (gzipped) a reader downloads from the home page to the first results
Row = dict[str, Any]
VERDICT = {True: "yes", False: "**no**", None: "not measured"}


def _proc_field(path: str, name: str) -> str:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return "unknown"
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(name)), "unknown")


def machine() -> dict[str, Any]:
    """What the numbers were measured on, read from the machine itself."""
    mem_kb = _proc_field("/proc/meminfo", "MemTotal").split()[0]
    return {
        "cpu": _proc_field("/proc/cpuinfo", "model name"),
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gib": round(int(mem_kb) / 1024 / 1024, 1) if mem_kb.isdigit() else None,
        "python": platform.python_version(),
        "mkdocs": version("mkdocs"),
        "mkdocs_material": version("mkdocs-material"),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }


def _lunr_gz_bytes(r: Row) -> float:
    """Material's gzipped lunr index: measured beside Pagefind's, or (in results from before Pagefind) the site's own."""
    return float(r["lunr_index"]["gz_bytes"]) if "lunr_index" in r else float(r["site"]["search_index_gz_kb"]) * 1024


def search_limit(sizes: dict[str, Row]) -> float | None:
    """Archive size (sources) at which Material's gzipped lunr index reaches SEARCH_BUDGET: a least-squares line through the measured points."""
    points = [(float(n), float(_lunr_gz_bytes(r))) for n, r in sizes.items()]
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)
    return (SEARCH_BUDGET - (mean_y - slope * mean_x)) / slope if slope > 0 else None


def _target(target: str, measured: str, met: bool | None) -> Row:
    return {"target": target, "measured": measured, "met": met}


def targets(sizes: dict[str, Row]) -> list[Row]:
    """Issue #7's targets, each with what was measured; met is None when a size it needs was not run."""
    small, mid, big = sizes.get("100"), sizes.get("1000"), sizes.get("5000")
    rows: list[Row] = []
    if mid:
        ratio = mid["generation_seconds"] / mid["mkdocs"]["seconds"]
        rows.append(_target("generation ≤ 10% of the MkDocs build at N = 1,000", f"{ratio:.1%}", ratio <= 0.10))
    if mid and big:
        for what in ("generation", "build"):
            ratio = big["per_source_ms"][what] / mid["per_source_ms"][what]
            rows.append(_target(f"{what} time per source at N = 5,000 ≤ 1.3× that at N = 1,000", f"{ratio:.2f}×", ratio <= 1.3))
    if big:
        largest = big["site"]["largest_page_kb"]
        rows.append(
            _target("largest page at N = 5,000 < 300 KB", f"{largest:.0f} KB ({big['site']['largest_page']})", largest < 300)
        )
    if small and big:
        ratio = big["site"]["median_page_kb"] / small["site"]["median_page_kb"]
        rows.append(_target("median page at N = 5,000 within 20% of N = 100", f"{ratio - 1:+.1%}", abs(ratio - 1) <= 0.2))
        kinds = {k: big["site"]["median_record_page_kb"][k] / v - 1 for k, v in small["site"]["median_record_page_kb"].items()}
        rows.append(
            _target(
                "(the same, for the page of one record of each kind)",
                ", ".join(f"{k} {d:+.1%}" for k, d in kinds.items()),
                all(abs(d) <= 0.2 for d in kinds.values()),
            )
        )
    rows += search_targets(sizes)
    rows += rebuild_targets(sizes)
    for n, r in sizes.items():
        again = r["second_run"]
        rows.append(
            _target(
                f"N = {int(n):,}: a second run writes no file", f"{again['files_written']} written", again["files_written"] == 0
            )
        )
        rows.append(
            _target(
                f"N = {int(n):,}: a second whole build is faster than the first",
                f"{again['build_seconds']:.1f} s vs {r['build_seconds']:.1f} s",
                again["build_seconds"] < r["build_seconds"],
            )
        )
        edit = r["edit_one_source"]
        rows.append(
            _target(
                f"N = {int(n):,}: editing one source's text rewrites only pages that show it",
                f"{len(edit['files_written'])} written, {edit['pages_showing_it']} pages show it",
                edit["only_pages_showing_it"],
            )
        )
    return rows


REBUILD_BUDGETS = {  # issue 12, point 5: seconds of `demarche build`, end to end, by archive size
    "nothing_changed": {"1000": 2.0, "5000": 5.0},
    "one_source_edited": {"1000": 5.0, "5000": 20.0},
}
REBUILD_WHAT = {"nothing_changed": "nothing changed", "one_source_edited": "one source's text edited"}


def rebuild_targets(sizes: dict[str, Row]) -> list[Row]:
    """Issue 12's budgets for a rebuild, at the sizes that were run with the end-to-end builds."""
    rows: list[Row] = []
    for n, r in sizes.items():
        rebuild = r.get("rebuild")
        if not rebuild:
            continue
        clean = rebuild["clean"]
        share = clean["generation_seconds"] / clean["mkdocs_seconds"]
        rows.append(
            _target(f"N = {int(n):,}: a clean build's generation ≤ 10% of its MkDocs build", f"{share:.1%}", share <= 0.10)
        )
        for name, budgets in REBUILD_BUDGETS.items():
            if n in budgets:
                seconds = rebuild[name]["seconds"]
                rows.append(
                    _target(
                        f"N = {int(n):,}: {REBUILD_WHAT[name]}, demarche build end to end ≤ {budgets[n]:.0f} s",
                        f"{seconds:.1f} s",
                        seconds <= budgets[n],
                    )
                )
    return rows


def rebuild_rows(sizes: dict[str, Row]) -> list[list[str]]:
    """`demarche build` end to end (issue 12, point 5): from a fresh checkout, with nothing changed, after one edit."""
    if not all("rebuild" in r for r in sizes.values()):
        return []
    builds = [r["rebuild"] for r in sizes.values()]

    def clean(b: Row) -> str:
        c = b["clean"]
        share = c["generation_seconds"] / c["mkdocs_seconds"]
        return f"{c['generation_seconds']:.1f} · {c['mkdocs_seconds']:.1f} · {c['index_seconds']:.1f} s · **{share:.1%}**"

    def again(b: Row, name: str) -> str:
        a = b[name]
        ran = f"MkDocs wrote {a['html_written']:,} HTML files" if a["published"] else "MkDocs did not run"
        runs = a.get("all_seconds", [])  # results written before builds were repeated have one run
        spread = f", the median of {len(runs)} runs: {' · '.join(f'{x:.1f}' for x in runs)} s" if len(runs) > 1 else ""
        return (
            f"**{a['seconds']:.1f} s**{spread} ({a['generation_seconds']:.2f} s generation · {a['mkdocs_seconds']:.1f} s publish · "
            f"{a['index_seconds']:.1f} s index); {a['files_written']} docs files written, {a.get('pages_kept', 0):,} pages kept "
            f"unplanned; {ran}"
        )

    return [
        [
            "load average (1 min) when each build began: clean · nothing changed · one edit",
            *(" · ".join(str(b[k]["load_average"]) for k in ("clean", "nothing_changed", "one_source_edited")) for b in builds),
        ],
        ["clean build: generation · MkDocs · Pagefind's index · generation as % of MkDocs", *(clean(b) for b in builds)],
        ["`demarche build` again, nothing changed: end to end", *(again(b, "nothing_changed") for b in builds)],
        ["`demarche build` after one source's text is edited: end to end", *(again(b, "one_source_edited") for b in builds)],
    ]


def search_targets(sizes: dict[str, Row]) -> list[Row]:
    """Issue #12's budget for what a reader downloads to search; "not run" without N = 5,000."""
    big = sizes.get("5000")
    target = "search: bytes fetched to first results ≤ 400 KB at N = 5,000"
    largest = big.get("search_bytes", {}).get("largest") if big else None
    if largest is None:
        return [_target(target, "not run", None)]
    return [_target(target, f"{largest['gz_bytes'] / 1024:.0f} KB", largest["gz_bytes"] <= FETCH_BUDGET)]


def _size(kb: float) -> str:
    return f"{kb / 1024:.1f} MB" if kb >= 1024 else f"{kb:.0f} KB"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} s"  # "–": measured before the bench had this measure


def _time_rows(sizes: dict[str, Row]) -> list[list[str]]:
    def stage(r: Row, name: str) -> str:
        s = r["stages"].get(name)
        if s is None:
            return "–"  # measured before the pipeline had this stage
        return f"{s['seconds']:.2f} s · {s['peak_mb']:.0f} MB"

    rows = [["load average (1 min) when the size began", *(str(r.get("load_average_at_start", "?")) for r in sizes.values())]]
    rows += [[name, *(stage(r, name) for r in sizes.values())] for name in STAGES]
    rows.append(["**generation** (all of the above)", *(f"**{r['generation_seconds']:.1f} s**" for r in sizes.values())])
    rows.append(
        ["MkDocs build", *(f"{r['mkdocs']['seconds']:.1f} s · {r['mkdocs']['max_rss_mb']:.0f} MB" for r in sizes.values())]
    )
    rows.append(["of which Pagefind's index", *(_seconds(r["mkdocs"].get("index_seconds")) for r in sizes.values())])
    rows.append(["**whole build**", *(f"**{r['build_seconds']:.1f} s**" for r in sizes.values())])
    rows.append(
        [
            "per source: generation / whole build",
            *(f"{p['generation']:.1f} / {p['build']:.1f} ms" for p in (r["per_source_ms"] for r in sizes.values())),
        ]
    )
    rows.append(
        [
            "second run, nothing changed: files written · generation · whole build",
            *(
                f"{a['files_written']} · {a['generation_seconds']:.1f} s · {a['build_seconds']:.1f} s"
                for a in (r["second_run"] for r in sizes.values())
            ),
        ]
    )
    rows.append(
        [
            "one source's text edited: files written / pages that show it",
            *(f"{len(e['files_written'])} / {e['pages_showing_it']}" for e in (r["edit_one_source"] for r in sizes.values())),
        ]
    )
    rows.append(["one newest source added: files written", *(str(r["add_one_source"]["files_written"]) for r in sizes.values())])
    return rows


def _site_rows(sizes: dict[str, Row]) -> list[list[str]]:
    site = [r["site"] for r in sizes.values()]
    return [
        [
            "records: actors · agreements · demands · statements · words per source",
            *(
                f"{r['actors']} · {r['agreements']} · {r['demands']} · {r['statements']:,} · {r['words_per_source']:,}"
                for r in sizes.values()
            ),
        ],
        ["pages (HTML files)", *(f"{s['pages']:,}" for s in site)],
        ["site size: all files · HTML", *(f"{s['total_mb']:.0f} MB · {s['html_mb']:.0f} MB" for s in site)],
        ["median page", *(f"{s['median_page_kb']:.1f} KB" for s in site)],
        [
            "median page of one " + " · ".join(RECORD_KINDS),
            *(" · ".join(f"{s['median_record_page_kb'].get(k, 0):.1f}" for k in RECORD_KINDS) + " KB" for s in site),
        ],
        ["largest page", *(f"{s['largest_page_kb']:.0f} KB ({s['largest_page']})" for s in site)],
        [
            "search files in site/, all of them (Pagefind's: never fetched whole): raw · gzipped",
            *(f"{_size(s['search_index_kb'])} · {_size(s['search_index_gz_kb'])}" for s in site),
        ],
        ["(the same gzipped, per source)", *(f"{r['search_index_gz_bytes_per_source'] / 1024:.1f} KB" for r in sizes.values())],
        *search_rows(sizes),
    ]


def search_rows(sizes: dict[str, Row]) -> list[list[str]]:
    """What one search costs a reader (the largest of the searches made), beside what Material's index would have."""
    largest = [r.get("search_bytes", {}).get("largest") for r in sizes.values()]
    lunr = [r.get("lunr_index") for r in sizes.values()]

    def fetched(f: Row | None) -> str:
        return "–" if f is None else f"**{f['gz_bytes'] / 1024:.0f} KB** · {f['requests']} requests"

    def kinds(f: Row | None) -> str:
        return "–" if f is None else " · ".join(f"{f['gz_by_kind'][k] / 1024:.0f}" for k in KINDS) + " KB"

    return [
        ["search: bytes fetched to first results, gzipped · requests", *(fetched(f) for f in largest)],
        ["(the same by kind: " + " · ".join(KINDS) + ")", *(kinds(f) for f in largest)],
        ["Material lunr index, gzipped, same archive", *("–" if x is None else _size(x["gz_bytes"] / 1024) for x in lunr)],
    ]


def markdown(results: dict[str, Any]) -> str:
    """The results as Markdown: the machine, time and memory per stage, the site, the targets."""
    m = results["machine"]
    sizes: dict[str, Row] = results["sizes"]
    header = ["", *(f"N = {int(n):,}" for n in sizes)]
    parts = [
        f"Measured {m['date']} on {m['cpu']}, {m['nproc']} cores, {m['memory_gib']} GiB, Python {m['python']}, "
        f"MkDocs {m['mkdocs']}, Material {m['mkdocs_material']}; load average {m['load_average_before'][0]} before, "
        f"{m.get('load_average_after', ['?'])[0]} after.",
        "Time and peak memory (tracemalloc's peak of the Python heap during each in-process stage; the maximum "
        "resident set of the MkDocs process):",
        _table(header, _time_rows(sizes)),
        "The site:",
        _table(header, _site_rows(sizes)),
    ]
    rebuilt = rebuild_rows(sizes)
    if rebuilt:
        parts += [
            "A rebuild (`demarche build`, each in a process of its own, Python's start included; MkDocs is the "
            "publish step without Pagefind's index; HTML files written: new or with a new modification time):",
            _table(header, rebuilt),
        ]
    parts += _search_note(sizes)
    limit = search_limit(sizes)
    if limit is not None:
        parts.append(
            f"Extrapolated from these points (a straight line through them): Material's gzipped lunr index reaches "
            f"{SEARCH_BUDGET / 1e6:.0f} MB at about {limit:,.0f} sources."
        )
    parts.append(
        _table(
            ["target", "measured", "met"], [[t["target"], t["measured"], VERDICT[t["met"]]] for t in results.get("targets", [])]
        )
    )
    return "\n\n".join(parts) + "\n"


def _search_note(sizes: dict[str, Row]) -> list[str]:
    searched = next((r["search_bytes"] for r in sizes.values() if "search_bytes" in r), None)
    if not searched:
        return []
    return [
        "Search: everything Chromium fetched from opening the home page to the first results of a query (a word "
        "of a quote and that quote's speaker's name, each pasted and typed key by key, each with an empty cache; "
        f"the largest of the four is shown), every body gzipped by the bench at level {searched['gzip_level']}; no "
        "request went to another host. Material's lunr index: search/search_index.json of a second MkDocs build "
        "of the same docs with Material's search plugin on."
    ]


def search_markdown(results: dict[str, Any]) -> str:
    """The tables of a --search-only run: search's rows, the index's time, the target."""
    m = results["machine"]
    sizes: dict[str, Row] = results["sizes"]
    header = ["", *(f"N = {int(n):,}" for n in sizes)]
    rows = [
        ["load average (1 min) when the size began", *(str(r["load_average_at_start"]) for r in sizes.values())],
        ["MkDocs build (with Pagefind's index)", *(_seconds(r["mkdocs"]["seconds"]) for r in sizes.values())],
        ["of which Pagefind's index", *(_seconds(r["mkdocs"]["index_seconds"]) for r in sizes.values())],
        *search_rows(sizes),
    ]
    checked = [[t["target"], t["measured"], VERDICT[t["met"]]] for t in results.get("targets", [])]
    parts = [
        f"Measured {m['date']} on {m['cpu']}, {m['nproc']} cores, {m['memory_gib']} GiB, Python {m['python']}.",
        _table(header, rows),
        *_search_note(sizes),
        _table(["target", "measured", "met"], checked),
    ]
    return "\n\n".join(parts) + "\n"


def rebuild_markdown(results: dict[str, Any]) -> str:
    """The tables of a --rebuild-only run: the rebuild rows and their targets."""
    m = results["machine"]
    sizes: dict[str, Row] = results["sizes"]
    header = ["", *(f"N = {int(n):,}" for n in sizes)]
    checked = [[t["target"], t["measured"], VERDICT[t["met"]]] for t in results.get("targets", [])]
    parts = [
        f"Measured {m['date']} on {m['cpu']}, {m['nproc']} cores, {m['memory_gib']} GiB, Python {m['python']}, "
        f"MkDocs {m['mkdocs']}, Material {m['mkdocs_material']}; load average {m['load_average_before'][0]} before, "
        f"{m.get('load_average_after', ['?'])[0]} after.",
        _table(header, rebuild_rows(sizes)),
        _table(["target", "measured", "met"], checked),
    ]
    return "\n\n".join(parts) + "\n"


BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def into_readme(readme: str, tables: str) -> str:
    """The README with the tables put between its bench markers, in place of what stood there."""
    head, begin, rest = readme.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not (begin and end):
        raise ValueError(f"the README has no {BEGIN} ... {END} markers")
    return f"{head}{BEGIN}\n{tables.strip()}\n{END}{tail}"
