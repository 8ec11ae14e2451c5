"""Generation redoes only what changed (issue 12, point 5): files are read again only when they changed, pages are
rendered again only when their context did, and nothing runs when no input changed, with the same bytes as a clean run.
"""

from __future__ import annotations

import datetime
import gc
import json
import os
import shutil
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from demarche import cache, cores, feeds, pipeline, record_pages, reuse
from demarche import validate as validate_module
from demarche.cache import SourceCache, cached_load_archive
from demarche.load import load_archive
from demarche.mentions import NameIndex
from demarche.pipeline import Project, build, build_lock, check, generate, generate_locked, generate_pages
from demarche.plan import Page
from demarche.problems import ContentError
from demarche.validate import validate
from demarche.write import MANIFEST
from tests.conftest import MINIMAL, ROOT, make_project
from tests.test_bad_input import CASES, case_project

GOLDEN = ROOT / "tests" / "golden" / "archive"
LAVROV = "sources/actors/sergei-lavrov.md"


def project_of(folder: Path, files: dict[str, str | bytes] | None = None) -> Project:
    return make_project(folder, dict(MINIMAL) if files is None else files)


def golden_project(folder: Path) -> Project:
    project = make_project(folder, {})
    shutil.rmtree(project.sources)
    shutil.copytree(GOLDEN / "sources", project.sources)
    return project


def in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generation's work all in this process (not shared with a forked one, cores.both), where its calls can be counted."""
    monkeypatch.setattr(cores, "SHARING", False)


def counting(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[Any]:
    """Wrap module.name so that each call's first argument is recorded (all the work done in this process)."""
    in_one_process(monkeypatch)
    calls: list[Any] = []
    original = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def docs_files(project: Project) -> dict[str, bytes]:
    """Every file of docs/ but the write's own (manifest, journal), by path."""
    return {
        p.relative_to(project.docs).as_posix(): p.read_bytes()
        for p in sorted(project.docs.rglob("*"))
        if p.is_file() and not p.name.startswith(".demarche-")
    }


def clean_docs(project: Project, folder: Path) -> dict[str, bytes]:
    """docs/ as a clean run of the same tree writes it: the tree copied without .demarche/ and generated pages."""
    clean = Project(folder)
    shutil.copytree(project.root, folder, ignore=shutil.ignore_patterns(".demarche"))
    shutil.rmtree(clean.docs)
    make_hand_written(project, clean)
    generate(clean)
    return docs_files(clean)


def make_hand_written(project: Project, clean: Project) -> None:
    generated = set(json.loads((project.docs / MANIFEST).read_text(encoding="utf-8")))
    for path in sorted(project.docs.rglob("*")):
        rel = path.relative_to(project.docs).as_posix()
        if path.is_file() and rel not in generated and not path.name.startswith(".demarche-"):
            (clean.docs / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, clean.docs / rel)


# -- 1. files are read again only when they changed -------------------------------------------------


def test_an_unchanged_file_is_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = project_of(tmp_path / "p")
    loaded = counting(monkeypatch, cache, "load_file")
    first = cached_load_archive(project.sources, project.root, project.state)
    assert len(loaded) == len(MINIMAL)
    assert first == load_archive(project.sources, project.root)
    loaded.clear()
    assert cached_load_archive(project.sources, project.root, project.state) == first
    assert loaded == []
    path = project.root / LAVROV
    path.write_text(path.read_text(encoding="utf-8").replace("since 2004", "since March 2004"), encoding="utf-8")
    again = cached_load_archive(project.sources, project.root, project.state)
    assert len(loaded) == 1 and again == load_archive(project.sources, project.root)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_every_bad_input_loads_from_the_cache_as_it_loads_from_its_files(tmp_path: Path, case: Path) -> None:
    """Records, positions, refused and hidden characters, problems: all come back from JSON as they were."""
    root = case_project(case, tmp_path / "p")
    fresh = load_archive(root / "sources", root)
    assert cached_load_archive(root / "sources", root, root / ".demarche") == fresh
    assert cached_load_archive(root / "sources", root, root / ".demarche") == fresh


def test_the_golden_sample_loads_from_the_cache_as_from_its_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = golden_project(tmp_path / "p")
    fresh = load_archive(project.sources, project.root)
    cached_load_archive(project.sources, project.root, project.state)
    loaded = counting(monkeypatch, cache, "load_file")
    assert cached_load_archive(project.sources, project.root, project.state) == fresh
    assert loaded == []


def checked_from_the_cache(root: Path) -> tuple[Any, list[Any]]:
    sources = SourceCache(root / "sources", root, root / ".demarche")
    raws, problems = sources.load()
    archive, found = validate(raws, sources)
    sources.save()
    return archive, sorted(problems + found)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_every_bad_input_is_checked_from_the_cache_as_from_its_files(tmp_path: Path, case: Path) -> None:
    """The statements and their problems kept with each file are those validate builds of it."""
    root = case_project(case, tmp_path / "p")
    fresh = check(Project(root))
    assert checked_from_the_cache(root) == fresh
    assert checked_from_the_cache(root) == fresh


def test_the_statements_of_an_unchanged_source_are_not_built_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = golden_project(tmp_path / "p")
    fresh = check(project)
    built = counting(monkeypatch, validate_module, "_build_statements")
    assert checked_from_the_cache(project.root) == fresh
    assert len(built) == len(fresh[0].sources)
    built.clear()
    assert checked_from_the_cache(project.root) == fresh
    assert built == []
    source = next(project.sources.glob("texts/*/*.md"))
    source.write_text(source.read_text(encoding="utf-8") + "\nAn added sentence.\n", encoding="utf-8")
    expected = check(project)
    built.clear()
    assert checked_from_the_cache(project.root) == expected
    assert [raw.path for raw in built] == [source.relative_to(project.root).as_posix()]


@pytest.mark.parametrize("days", [0, 1, 400])
def test_the_checks_of_an_unchanged_file_are_those_of_today(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, days: int) -> None:
    """A date more than a year ahead is a warning on the day it is checked: a later day checks the file again."""
    project = project_of(tmp_path / "p")

    def on(day: datetime.date) -> None:
        monkeypatch.setattr(validate_module.dt, "date", type("Day", (datetime.date,), {"today": staticmethod(lambda: day)}))

    on(datetime.date(2020, 6, 1))  # the source and its statement are dated December 2021
    assert [p.code for p in checked_from_the_cache(project.root)[1]] == ["future-date", "future-date"]
    on(datetime.date(2020, 6, 1) + datetime.timedelta(days=days))
    assert checked_from_the_cache(project.root) == check(project)
    assert [p.code for p in check(project)[1]] == (["future-date", "future-date"] if days < 400 else [])


def test_a_file_rewritten_within_one_tick_of_the_clock_is_read_again(tmp_path: Path) -> None:
    """Same size, same times: the file's times are not older than its entry, so its bytes are compared."""
    project = project_of(tmp_path / "p")
    cached_load_archive(project.sources, project.root, project.state)
    path = project.root / LAVROV
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Minister of Foreign", "Minister in Foreign"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert after.st_size == before.st_size and after.st_mtime_ns == before.st_mtime_ns
    shard = next(p for p in (project.state / "load").iterdir() if LAVROV in cache.unsealed(p.read_bytes())["files"])
    data = cache.unsealed(shard.read_bytes())
    data["files"][LAVROV]["file"] = list(cache.file_key(after))  # the clock did not tick: the key is the one recorded
    shard.write_bytes(cache.sealed(json.dumps(data).encode()))
    os.utime(shard, ns=(after.st_ctime_ns, after.st_ctime_ns))
    records, _ = cached_load_archive(project.sources, project.root, project.state)
    assert next(r for r in records if r.path == LAVROV).body.startswith("Minister in Foreign")
    assert (records, _) == load_archive(project.sources, project.root)


def test_an_entry_older_than_its_file_is_trusted_on_the_file_times(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other side of the rule above: a file whose times are older than its entry is not read at all."""
    project = project_of(tmp_path / "p")
    cached_load_archive(project.sources, project.root, project.state)
    future = (project.root / LAVROV).stat().st_ctime_ns + 10**9
    for entry in (project.state / "load").iterdir():
        os.utime(entry, ns=(future, future))
    read = counting(monkeypatch, Path, "read_bytes")
    cached_load_archive(project.sources, project.root, project.state)
    assert [p for p in read if p.is_relative_to(project.sources)] == []


def _resealed(change: Callable[[dict[str, Any]], Any]) -> Callable[[bytes], bytes]:
    """A corruption of an entry's content that keeps the entry well-formed: only what it holds says it is not usable."""
    return lambda b: cache.sealed(json.dumps(change(cache.unsealed(b))).encode())


def _each_entry(change: Callable[[dict[str, Any]], Any]) -> Callable[[bytes], bytes]:
    return _resealed(lambda d: {**d, "files": {rel: change(entry) for rel, entry in d["files"].items()}})


CORRUPTIONS: dict[str, Callable[[bytes], bytes]] = {
    "cut short (a killed write)": lambda b: b[: len(b) // 2],
    "not JSON": lambda b: b"\x00\xff garbage",
    "empty": lambda b: b"",
    "one byte changed": lambda b: b.replace(b"Lavrov", b"Lavrox").replace(b"NATO", b"NATQ"),
    "no seal (written by other code)": lambda b: b.partition(b"\n")[2],
    "a list": _resealed(lambda d: [d]),
    "no entries": _resealed(lambda d: {**d, "files": []}),
    "another version of the code": _resealed(lambda d: {**d, "code": "0" * 64}),
    "another kind of state": _resealed(lambda d: {**d, "kind": "rendered"}),
    "fields of the wrong type": _each_entry(lambda e: {**e, "record": {**e["record"], "positions": "ab", "body_line": None}}),
    "no record": _each_entry(lambda e: {k: v for k, v in e.items() if k != "record"}),
    "an entry that is not a mapping": _each_entry(lambda e: [e]),
    "an entry of another file": _each_entry(lambda e: {**e, "file": [0, 0, 0, 0]}),
}


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_corrupt_cache_is_taken_as_empty(tmp_path: Path, corrupt: Callable[[bytes], bytes]) -> None:
    project = project_of(tmp_path / "p")
    fresh = load_archive(project.sources, project.root)
    cached_load_archive(project.sources, project.root, project.state)
    for entry in (project.state / "load").iterdir():
        entry.write_bytes(corrupt(entry.read_bytes()))
    (project.state / "load" / ".demarche-tmp-1-dead-x.json").write_bytes(b'{"kind": "lo')
    assert cached_load_archive(project.sources, project.root, project.state) == fresh
    assert cached_load_archive(project.sources, project.root, project.state) == fresh
    assert [p.name for p in (project.state / "load").iterdir() if p.name.startswith(".")] == []


def test_the_cache_holds_json_only(tmp_path: Path) -> None:
    project = project_of(tmp_path / "p")
    cached_load_archive(project.sources, project.root, project.state)
    shards = [cache.unsealed(p.read_bytes()) for p in sorted((project.state / "load").iterdir())]
    assert all(shard["kind"] == "load" for shard in shards)
    assert sorted(rel for shard in shards for rel in shard["files"]) == sorted(MINIMAL)


# -- 2. pages are rendered again only when their context changed -------------------------------------


def test_editing_one_text_renders_only_the_pages_that_show_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = golden_project(tmp_path / "p")
    rendered: list[Page] = []
    original = reuse.render_page
    in_one_process(monkeypatch)
    monkeypatch.setattr(reuse, "render_page", lambda env, page: rendered.append(page) or original(env, page))
    generate(project)
    everything = len(rendered)
    assert everything == sum(isinstance(text, str) for text in generate_pages(project)[1].values())
    rendered.clear()
    source = next(project.sources.glob("texts/*/*.md"))
    source.write_text(source.read_text(encoding="utf-8").replace("\n\n", "\n\nAn added sentence.\n\n", 1), encoding="utf-8")
    generate(project)
    docs = {page.doc for page in rendered}
    assert f"sources/{source.stem}.md" in docs
    _, pages, _ = generate_pages(project)
    showing = {doc for doc, text in pages.items() if isinstance(text, str) and f"/{source.stem}/" in text}
    assert docs <= showing | {f"sources/{source.stem}.md"}, docs - showing
    assert 0 < len(docs) < everything
    assert docs_files(project) == clean_docs(project, tmp_path / "clean")


def test_a_template_change_renders_every_page_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = project_of(tmp_path / "p")
    generate(project)
    rendered = counting(monkeypatch, reuse, "render_page")
    generate(project)
    assert rendered == []
    template = project.templates / "actor.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    generate(project)
    pages = [doc for doc, text in generate_pages(project)[1].items() if isinstance(text, str)]
    assert len(rendered) == len(pages)
    assert docs_files(project) == clean_docs(project, tmp_path / "clean")


# -- 3. nothing changed: the stages do not run ---------------------------------------------------------


def test_with_nothing_changed_no_stage_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = project_of(tmp_path / "p")
    first = generate(project)
    ran = counting(monkeypatch, cache, "walk")
    again = generate(project)
    assert ran == [] and again.written == () and again.removed == ()
    assert again.unchanged == len(first.written)


def _edit_source(project: Project) -> None:
    path = project.root / LAVROV
    path.write_text(path.read_text(encoding="utf-8").replace("since 2004", "since March 2004"), encoding="utf-8")


def _same_size_same_time(project: Project) -> None:
    path = project.root / LAVROV
    before = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("Minister of", "Minister in"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _delete_page(project: Project) -> None:
    (project.docs / "actors" / "nato.md").unlink()


def _edit_page(project: Project) -> None:
    page = project.docs / "actors" / "nato.md"
    page.write_text(page.read_text(encoding="utf-8") + "An edit by hand.\n", encoding="utf-8")


def _edit_page_same_size(project: Project) -> None:
    page = project.docs / "actors" / "nato.md"
    before = page.stat()
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("NATO", "OTAN", 1), encoding="utf-8")
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))


def _add_source(project: Project) -> None:
    (project.sources / "actors" / "usa.md").write_text(
        "---\nname: United States\nkind: state\n---\nThe United States of America.\n", encoding="utf-8"
    )


def _add_named_actor(project: Project) -> None:
    """An actor whose name an unchanged text holds ("Lavrov at the OSCE"): that source now mentions it."""
    (project.sources / "actors" / "osce.md").write_text(
        "---\nname: OSCE\nkind: organization\n---\nThe Organization for Security and Co-operation in Europe.\n",
        encoding="utf-8",
    )


def _rename_speaker(project: Project) -> None:
    """A speaker's name, which the marks in an unchanged text show."""
    path = project.root / LAVROV
    path.write_text(path.read_text(encoding="utf-8").replace("name: Sergei Lavrov", "name: Sergey Lavrov"), encoding="utf-8")


def _rename_demand(project: Project) -> None:
    """A demand's title, which the pictures of unchanged actors (who make it) show."""
    path = project.sources / "demands" / "no-further-nato-enlargement.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title: No further NATO", "title: No more NATO"), encoding="utf-8")


def _add_report(project: Project) -> None:
    """Another source reporting the passage an unchanged one holds: both link to each other (`also`)."""
    (project.sources / "texts" / "2021" / "tass-lavrov.md").write_text(
        "---\ntitle: TASS on Lavrov\ndate: 2021-12-05\nkind: article\nstatements:\n  - speaker: sergei-lavrov\n"
        '    quote: "The further advance of NATO to the east will definitely affect Russia\'s security"\n'
        "    date: 2021-12-02\n---\nLavrov said: “The further advance of NATO to the east will definitely affect "
        "Russia’s security.”\n",
        encoding="utf-8",
    )


def _add_statement(project: Project) -> None:
    """A statement added to a text: the feed of its speaker, whose file is unchanged, gains it."""
    path = project.sources / "texts" / "2021" / "lavrov-osce.md"
    statement = (
        "  - speaker: sergei-lavrov\n    quote: He recalled the Bucharest decision\n    date: 2021-12-03\n    reported: true\n"
    )
    path.write_text(
        path.read_text(encoding="utf-8").replace("---\nLavrov warned", statement + "---\nLavrov warned"), encoding="utf-8"
    )


def _add_link(project: Project) -> None:
    path = project.sources / "actors" / "nato.md"
    path.write_text(path.read_text(encoding="utf-8") + "[Site](https://example.org/nato)\n", encoding="utf-8")


def _remove_source(project: Project) -> None:
    (project.sources / "texts" / "2021" / "lavrov-osce.md").unlink()


def _edit_template(project: Project) -> None:
    template = project.templates / "actor.md.j2"
    template.write_text(template.read_text(encoding="utf-8").replace("\n", "\n\n", 1), encoding="utf-8")


def _rename_site(project: Project) -> None:
    config = project.config_file
    config.write_text(
        config.read_text(encoding="utf-8").replace("site_name: Demarche", "site_name: Demarche X"), encoding="utf-8"
    )


def _move_site(project: Project) -> None:
    config = project.config_file
    config.write_text(
        config.read_text(encoding="utf-8").replace("https://demarche.github.io/demarche/", "https://example.org/archive/"),
        encoding="utf-8",
    )


def _move_repository(project: Project) -> None:
    """The repository that edit links point into: every record page's "Report a problem" form is in its front matter."""
    config = project.config_file
    config.write_text(
        config.read_text(encoding="utf-8").replace("github.com/demarche/demarche/", "gitlab.com/demarche/archive/-/"),
        encoding="utf-8",
    )


def _other_code(project: Project) -> None:
    pytest.MonkeyPatch().setattr(cache, "code_version", lambda: "another version")


def _journal_left(project: Project) -> None:
    (project.docs / ".demarche-journal.json").write_text(
        json.dumps({"staging": ".demarche-staging-x", "put": [], "remove": []}), encoding="utf-8"
    )


def _numbered_journal_with_pages_left(project: Project) -> None:
    """A killed build committed two pages it had staged, named by their place in the journal (as a write stages
    them), and had moved the first already."""
    staging = project.docs / ".demarche-staging-x"
    staging.mkdir()
    (project.docs / "actors" / "nato.md").write_text("What a killed build moved.\n", encoding="utf-8")
    (staging / "1").write_text("What a killed build staged.\n", encoding="utf-8")
    (project.docs / ".demarche-journal.json").write_text(
        json.dumps({"staging": staging.name, "put": ["actors/nato.md", "actors/russia.md"], "remove": [], "numbered": True}),
        encoding="utf-8",
    )


def _journal_with_a_page_left(project: Project) -> None:
    """A killed build committed a page it had staged at its own path, as earlier versions staged them (unlike the
    page docs/ holds, which the next run would keep)."""
    staged = project.docs / ".demarche-staging-x" / "actors" / "nato.md"
    staged.parent.mkdir(parents=True)
    staged.write_text("What a killed build staged.\n", encoding="utf-8")
    (project.docs / ".demarche-journal.json").write_text(
        json.dumps({"staging": ".demarche-staging-x", "put": ["actors/nato.md"], "remove": []}), encoding="utf-8"
    )


def _corrupt_stamp(project: Project) -> None:
    stamp = project.state / "generated.json"
    stamp.write_bytes(stamp.read_bytes()[:-10])


CHANGES: dict[str, Callable[[Project], None]] = {
    "a source's text edited": _edit_source,
    "a source rewritten with the same size and time": _same_size_same_time,
    "a source added": _add_source,
    "a source removed": _remove_source,
    "an actor added whose name an unchanged text holds": _add_named_actor,
    "a link added to a text": _add_link,
    "a speaker renamed": _rename_speaker,
    "a demand renamed": _rename_demand,
    "a statement added to a text": _add_statement,
    "a source added that reports an unchanged one's passage": _add_report,
    "a template edited": _edit_template,
    "the site's name changed in mkdocs.yml": _rename_site,
    "the site's address changed in mkdocs.yml": _move_site,
    "the repository's address changed in mkdocs.yml": _move_repository,
    "another version of the code": _other_code,
    "a generated page deleted by hand": _delete_page,
    "a generated page edited by hand": _edit_page,
    "a generated page edited by hand, same size and time": _edit_page_same_size,
    "a write's journal left by a killed build": _journal_left,
    "a write's journal with a page left by a killed build": _journal_with_a_page_left,
    "a write's journal with numbered pages left by a killed build": _numbered_journal_with_pages_left,
    "the stamp cut short": _corrupt_stamp,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_runs_the_stages_and_gives_what_a_clean_run_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Callable[[Project], None]
) -> None:
    project = project_of(tmp_path / "p")
    generate(project)
    monkeypatch.setattr(cache, "code_version", cache.code_version)  # undone after the test, whatever change did
    change(project)
    ran = counting(monkeypatch, cache, "walk")
    generate(project)
    assert len(ran) == 1
    assert docs_files(project) == clean_docs(project, tmp_path / "clean")
    ran.clear()
    assert generate(project).written == () and ran == []


OSCE = "sources/actors/osce.md"
OSCE_ACTOR = (
    "---\nname: Organization for Security and Co-operation in Europe\nkind: organization\n{aliases}---\nAn organisation.\n"
)


def test_an_alias_given_or_taken_changes_what_unchanged_texts_mention(tmp_path: Path) -> None:
    """What names a text holds is kept with its file for the names the archive had: a new alias is looked for again."""
    project = project_of(tmp_path / "p", {**MINIMAL, OSCE: OSCE_ACTOR.format(aliases="")})
    generate(project)
    source_page = project.docs / "sources" / "lavrov-osce.md"
    assert "(../actors/osce.md)" not in source_page.read_text(encoding="utf-8")
    for aliases, mentioned in (("aliases: [OSCE]\n", True), ("", False)):
        (project.root / OSCE).write_text(OSCE_ACTOR.format(aliases=aliases), encoding="utf-8")
        generate(project)
        assert ("(../actors/osce.md)" in source_page.read_text(encoding="utf-8")) == mentioned
        assert docs_files(project) == clean_docs(project, tmp_path / f"clean-{mentioned}")


def test_what_an_unchanged_file_gives_is_not_made_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = golden_project(tmp_path / "p")
    searched = counting(monkeypatch, NameIndex, "find")
    checked = counting(monkeypatch, validate_module, "_check_field_links")
    fields = counting(monkeypatch, validate_module, "_check_file_name")
    marked = counting(monkeypatch, record_pages, "body_markdown")
    drawn = counting(monkeypatch, record_pages.svg, "neighbourhood")
    feeds_made = counting(monkeypatch, feeds, "atom")
    generate(project)
    texts, records = len(list(project.sources.glob("texts/*/*.md"))), len(list(project.sources.rglob("*.md"))) - 1
    assert (len(searched), len(checked), len(fields), len(marked), len(drawn)) == (
        texts,
        records,
        records,
        records,
        records - texts,
    )
    source = next(project.sources.glob("texts/*/*.md"))
    source.write_text(source.read_text(encoding="utf-8") + "\nAn added sentence.\n", encoding="utf-8")
    actors = len(list(project.sources.glob("actors/*.md")))
    assert len(feeds_made) == 1 + actors  # the archive's feed, and each actor's
    for calls in (searched, checked, fields, marked, drawn, feeds_made):
        calls.clear()
    generate(project)
    edited = [source.relative_to(project.root).as_posix()]
    assert len(searched) == 1 and [raw.path for raw in checked] == [raw.path for raw in fields] == edited
    unchanged = {s.body for s in check(project)[0].sources if s.path not in edited}
    assert marked and not unchanged & set(marked)  # the edited text, and the prose of records whose page is planned
    assert len(marked) <= records - texts + 1
    assert drawn == []  # the pictures show records, not texts
    assert len(feeds_made) == 1  # the archive's feed; the actors' feeds show no text
    assert docs_files(project) == clean_docs(project, tmp_path / "clean")


def test_a_link_refused_in_an_edited_file_is_reported_as_check_reports_it(tmp_path: Path) -> None:
    project = project_of(tmp_path / "p")
    generate(project)
    path = project.sources / "actors" / "nato.md"
    path.write_text(path.read_text(encoding="utf-8") + "[Site](javascript:alert(1))\n", encoding="utf-8")
    with pytest.raises(ContentError) as failed:
        generate(project)
    assert [p.code for p in failed.value.problems] == ["unsafe-link"]
    assert failed.value.problems == check(project)[1]


def test_the_site_name_from_the_environment_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = project_of(tmp_path / "p")
    generate(project)
    monkeypatch.setenv("DEMARCHE_SITE_URL", "https://example.org/archive/")
    assert generate(project).written != ()


@pytest.mark.slow
def test_a_build_with_nothing_changed_runs_neither_generation_nor_mkdocs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = project_of(tmp_path / "p")
    build(project)
    ran = counting(monkeypatch, cache, "walk")
    report, published = build(project)
    assert (ran, report.written, published) == ([], (), False)
    _delete_page(project)
    report, published = build(project)
    assert (len(ran), report.written, published) == (1, ("actors/nato.md",), True)
    shutil.rmtree(project.site)
    ran.clear()
    report, published = build(project)  # generation is current, the site is not: the index needs the records
    assert (len(ran), report.written, published) == (1, (), True)
    assert (project.site / "actors" / "nato" / "index.html").exists()


def test_the_collector_walks_what_generation_made_once_it_is_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Generation runs without the cycle collector, and ends without a pass over the objects it made (set aside,
    gc.freeze); saving what it records for the next run (which a build does while MkDocs builds) gives them back and
    collects: a cycle made in generation is gone then."""
    project = golden_project(tmp_path / "p")
    made: list[weakref.ref[object]] = []
    linked = pipeline.link

    def making_a_cycle(*args: Any, **kwargs: Any) -> Any:
        passes.clear()  # those before generation began walked none of what it made
        cycle: list[object] = []
        cycle.append(cycle)
        holder = _Cycle(cycle)
        made.append(weakref.ref(holder))
        return linked(*args, **kwargs)

    monkeypatch.setattr(pipeline, "link", making_a_cycle)
    passes: list[int] = []

    def counted(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(info["generation"])

    gc.collect()
    gc.callbacks.append(counted)
    try:
        with build_lock(project):
            generated = generate_locked(project, deferred=True)
            assert passes == [] and gc.get_freeze_count() > 0  # none since
            assert made and made[0]() is not None  # not collected yet
            generated.save()
    finally:
        gc.callbacks.remove(counted)
    assert gc.get_freeze_count() == 0
    assert made[0]() is None


class _Cycle:
    def __init__(self, cycle: list[object]) -> None:
        self.cycle = cycle
        cycle.append(self)
