"""Pages kept unplanned (issue 12, point 5): a source's pages, and each further page of a long list, are planned again
only when their key changes (plan.Keys); for every kind of change the pages are what a clean run gives, byte for byte.

A synthetic archive (bench/generate.py) with lists cut every 4 items (3 for a source's statements) has further pages
of every kind: an actor's statements, statements about it and sources that mention it, an agreement's citations and
sources, a demand's positions, each year's sources and statements, a source's statements.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from bench.generate import Shape, add_one_source, edit_one_source, generate_project

from demarche import plan, record_pages, reuse
from demarche.pipeline import Project, generate, generate_pages
from tests.test_incremental import clean_docs, docs_files, in_one_process

SHAPE = Shape(sources=36, actors=7, agreements=4, demands=3, words=120, statements=5, seed=12)


@pytest.fixture(autouse=True)
def short_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan, "PAGE_SIZE", 4)
    monkeypatch.setattr(record_pages, "STATEMENTS_PAGE_SIZE", 3)


def texts(project: Project) -> list[Path]:
    return sorted(project.sources.glob("texts/*/*.md"))


def rewrite(path: Path, change: Callable[[str], str]) -> None:
    before = path.read_text(encoding="utf-8")
    after = change(before)
    assert after != before, f"the change did not apply to {path}"
    path.write_text(after, encoding="utf-8")


def first(pattern: str, replace: str) -> Callable[[str], str]:
    return lambda text: re.sub(pattern, replace, text, count=1, flags=re.MULTILINE)


def _edit_text(project: Project) -> None:
    edit_one_source(project, SHAPE)


def _redate_source(project: Project) -> None:
    """Moves it in every list ordered by date: the newest sources, the timeline, each year's pages."""
    rewrite(texts(project)[3], first(r"^date: (\d{4})-\d\d-\d\d$", r"date: \1-12-30"))  # its folder is its year


def _retitle_source(project: Project) -> None:
    """Its title labels its statements in every list ('in ...') and names it where others report the same passage."""
    rewrite(texts(project)[5], first(r'^title: ".*"$', 'title: "A retitled source"'))


def _new_publisher(project: Project) -> None:
    rewrite(texts(project)[7], first(r'^publisher: ".*"$', 'publisher: "Another Courier"'))


def _new_occasion(project: Project) -> None:
    rewrite(texts(project)[9], first(r"^(    quote: .*)$", r'\1\n    occasion: "A new occasion"'))


def _statement_removed(project: Project) -> None:
    rewrite(texts(project)[11], first(r"^  - speaker: .*\n(    .*\n)+", ""))


def _source_removed(project: Project) -> None:
    texts(project)[13].unlink()


def _source_added(project: Project) -> None:
    add_one_source(project, SHAPE)


def _passage_reported_elsewhere(project: Project) -> None:
    """A statement of one source added to another with its passage: each now links to the other (`also`)."""
    found = re.search(r'^  - speaker: (".*")\n    quote: (".*")$', texts(project)[2].read_text(encoding="utf-8"), re.MULTILINE)
    assert found is not None
    speaker, quote = found.groups()
    statement = f"  - speaker: {speaker}\n    quote: {quote}\n"
    rewrite(texts(project)[20], lambda text: text.replace("statements:\n", "statements:\n" + statement, 1))
    rewrite(texts(project)[20], lambda text: text.rstrip("\n") + f"\n\nAs was said: {quote[1:-1]}.\n")


def _alias_found_in_a_text(project: Project) -> None:
    """An actor given an alias that an unchanged text holds: that text now mentions the actor."""
    body = texts(project)[4].read_text(encoding="utf-8").split("---\n", 2)[2]
    alias = " ".join(re.findall(r"[A-Za-z]+", body)[1:3])
    actor = next(p for p in sorted(project.sources.glob("actors/*.md")) if "aliases:" not in p.read_text(encoding="utf-8"))
    rewrite(actor, first(r"^(name: .*)$", rf"\1\naliases: [{alias}]"))


def _report_takes_a_stance(project: Project) -> None:
    """A second source's report of a passage comes to make a demand: the speaker's stances count it (built first)."""
    _passage_reported_elsewhere(project)
    generate(project)
    demand = sorted(project.sources.glob("demands/*.md"))[0].stem
    rewrite(
        texts(project)[20], lambda text: re.sub(r"^(    quote: .*)$", rf"\1\n    makes: [{demand}]", text, count=1, flags=re.M)
    )


def _demand_makers_changed(project: Project) -> None:
    """Who a demand is by: their pages list it among the demands they make."""
    demand = sorted(project.sources.glob("demands/*.md"))[1]
    rewrite(demand, first(r"^by: \[(.*)\]$", rf"by: [\1, {_apart_from(project, demand)}]"))


def _apart_from(project: Project, demand: Path) -> str:
    """An actor the demand does not name and that makes it in no statement (else its page lists it already)."""
    statements = "".join(t.read_text(encoding="utf-8") for t in texts(project))
    makers = set(re.findall(rf'^  - speaker: "(.*)"\n(?:    .*\n)*?    makes: \[[^]]*{demand.stem}', statements, re.MULTILINE))
    named = demand.read_text(encoding="utf-8")
    return next(a.stem for a in sorted(project.sources.glob("actors/*.md")) if a.stem not in named and a.stem not in makers)


def _demand_addressed_to_another(project: Project) -> None:
    """Of whom a demand is made: their pages list it among the demands made of them."""
    demand = sorted(project.sources.glob("demands/*.md"))[2]
    rewrite(demand, first(r"^of: \[(.*)\]$", rf"of: [\1, {_apart_from(project, demand)}]"))


def _text_names_an_actor(project: Project) -> None:
    """A text that comes to name an actor: the actor's page lists it among the sources that mention it."""
    actor = sorted(project.sources.glob("actors/*.md"))[5]
    name = re.search(r'^name: "(.*)"$', actor.read_text(encoding="utf-8"), re.MULTILINE)
    assert name is not None
    text = next(
        t
        for t in texts(project)
        if name.group(1) not in t.read_text(encoding="utf-8") and actor.stem not in t.read_text(encoding="utf-8")
    )
    rewrite(text, lambda body: body.rstrip("\n") + f"\n\nIt was also said to concern {name.group(1)}.\n")


def _part_of_changed(project: Project) -> None:
    """An actor that becomes part of another: the other's page lists it among its parts."""
    whole = sorted(project.sources.glob("actors/*.md"))[4].stem
    part = next(
        p
        for p in sorted(project.sources.glob("actors/*.md"))
        if "part_of:" not in p.read_text(encoding="utf-8") and p.stem != whole
    )
    rewrite(part, first(r"^(kind: .*)$", rf'\1\npart_of: "{whole}"'))


def _former_id_given(project: Project) -> None:
    """A speaker's former id: each of its statements keeps an anchor under it on its source's page."""
    speaker = re.search(r'^  - speaker: "(.*)"$', texts(project)[6].read_text(encoding="utf-8"), re.MULTILINE)
    assert speaker is not None
    rewrite(project.sources / "actors" / f"{speaker.group(1)}.md", first(r"^(name: .*)$", r"\1\nformer_ids: [an-earlier-id]"))


def _actor_renamed(project: Project) -> None:
    rewrite(sorted(project.sources.glob("actors/*.md"))[1], first(r"^name: .*$", 'name: "A Renamed Speaker"'))


def _actor_kind_changed(project: Project) -> None:
    """What kind an actor is shows in the citations of the sources it wrote (BibTeX, JSON-LD)."""
    person = next(p for p in sorted(project.sources.glob("actors/*.md")) if 'kind: "person"' in p.read_text(encoding="utf-8"))
    rewrite(person, first(r'^kind: "person"$', "kind: organization"))


def _demand_renamed(project: Project) -> None:
    rewrite(sorted(project.sources.glob("demands/*.md"))[0], first(r"^title: .*$", 'title: "A renamed demand"'))


def _agreement_renamed(project: Project) -> None:
    """Unchanged texts that named the agreement no longer mention it."""
    rewrite(sorted(project.sources.glob("agreements/*.md"))[0], first(r"^title: .*$", 'title: "A renamed accord"'))


def _site_moved(project: Project) -> None:
    rewrite(project.config_file, lambda text: text.replace("https://demarche.github.io/demarche/", "https://example.org/x/"))


CHANGES: dict[str, Callable[[Project], None]] = {
    "a source's text edited": _edit_text,
    "a source's date changed": _redate_source,
    "a source's title changed": _retitle_source,
    "a source's publisher changed": _new_publisher,
    "a statement's occasion given": _new_occasion,
    "a statement removed": _statement_removed,
    "a source removed": _source_removed,
    "a source added": _source_added,
    "a passage reported in a second source": _passage_reported_elsewhere,
    "an actor given an alias an unchanged text holds": _alias_found_in_a_text,
    "a speaker given a former id": _former_id_given,
    "a second source's report of a passage makes a demand": _report_takes_a_stance,
    "a demand's makers changed": _demand_makers_changed,
    "an actor made part of another": _part_of_changed,
    "a demand made of another actor": _demand_addressed_to_another,
    "a text that comes to name an actor": _text_names_an_actor,
    "an actor renamed": _actor_renamed,
    "an actor's kind changed": _actor_kind_changed,
    "a demand renamed": _demand_renamed,
    "an agreement renamed": _agreement_renamed,
    "the site moved": _site_moved,
}


def kept_counter(monkeypatch: pytest.MonkeyPatch, unread: bool = False) -> list[str]:
    """The docs paths of the pages each run keeps unplanned (unread: only those it keeps without reading them,
    reuse.LastWrite)."""
    kept: list[str] = []
    take = reuse.LastRender.take

    def counted(self: reuse.LastRender, key: str) -> list[plan.Kept] | None:
        found = take(self, key)
        kept.extend(k.doc for k in found or () if k.text is None or not unread)
        return found

    in_one_process(monkeypatch)
    monkeypatch.setattr(reuse.LastRender, "take", counted)
    return kept


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic project, generated once with short lists (copied by each test)."""
    folder = tmp_path_factory.mktemp("synthetic") / "p"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plan, "PAGE_SIZE", 4)
        patch.setattr(record_pages, "STATEMENTS_PAGE_SIZE", 3)
        generate(generate_project(folder, SHAPE))
    return folder


def copy_of(built: Path, folder: Path) -> Project:
    shutil.copytree(built, folder, symlinks=True)
    return Project(folder)


def test_the_archive_has_further_pages_of_every_kind(built: Path) -> None:
    docs = {p.relative_to(built / "docs").as_posix() for p in (built / "docs").rglob("*.md")}
    for pattern in (
        r"^actors/[^/]+/statements/page-\d+\.md$",
        r"^actors/[^/]+/about/page-\d+\.md$",
        r"^actors/[^/]+/sources/page-\d+\.md$",
        r"^agreements/[^/]+/statements/page-\d+\.md$",
        r"^agreements/[^/]+/sources/page-\d+\.md$",
        r"^demands/[^/]+/statements/page-\d+\.md$",
        r"^sources/by-year/\d{4}/page-\d+\.md$",
        r"^timeline/\d{4}/page-\d+\.md$",
        r"^sources/[^/]+/statements/page-\d+\.md$",
    ):
        assert any(re.search(pattern, doc) for doc in docs), pattern


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_gives_what_a_clean_run_gives(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Callable[[Project], None]
) -> None:
    project = copy_of(built, tmp_path / "p")
    change(project)
    kept = kept_counter(monkeypatch)
    generate(project)
    assert docs_files(project) == clean_docs(project, tmp_path / "clean")
    if change not in (
        _alias_found_in_a_text,
        _actor_renamed,
        _site_moved,
        _actor_kind_changed,
        _demand_renamed,
        _agreement_renamed,
    ):
        assert kept, "no page was kept: the keys did not work"


def test_an_edited_text_plans_its_own_pages_and_keeps_the_other_sources_and_further_pages(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_of(built, tmp_path / "p")
    edited = edit_one_source(project, SHAPE)
    planned = []
    source_pages = record_pages._source_pages

    def counted(graph: object, site: object, source: object, memo: object = None) -> object:
        planned.append(source.id)  # type: ignore[attr-defined]
        return source_pages(graph, site, source, memo)  # type: ignore[arg-type]

    monkeypatch.setattr(record_pages, "_source_pages", counted)
    kept = kept_counter(monkeypatch)
    generate(project)
    assert planned == [edited]
    further = [doc for doc in kept if not doc.startswith("sources/")]
    assert len(further) > 20  # every further page of every list: a text's body is in none of them
    assert len([doc for doc in kept if doc.startswith("sources/")]) >= SHAPE.sources - 1


def test_a_kept_page_deleted_or_edited_by_hand_is_planned_again(built: Path, tmp_path: Path) -> None:
    project = copy_of(built, tmp_path / "p")
    listing = sorted((project.docs / "actors").glob("*/statements/page-2.md"))[0]
    source = sorted((project.docs / "sources").glob("*.md"))[0]
    listing.unlink()
    source.write_text(source.read_text(encoding="utf-8") + "By hand.\n", encoding="utf-8")
    edit_one_source(project, SHAPE)
    generate(project)
    assert docs_files(project) == clean_docs(project, tmp_path / "clean")


def test_a_list_made_by_a_callable_without_a_name_is_not_keyed() -> None:
    """A list page's key names the function that makes its items; a partial has no name to give, so it is planned."""

    class NothingKept:
        def take(self, key: str) -> list[plan.Kept] | None:
            return None

    keys = plan.Keys(NothingKept(), {}, "")
    docs = ["actors/x.md", "actors/x/statements/page-2.md"]
    named = plan.LongList((), docs[0], "statements", plan.source_item, "source", "Sources")
    assert keys.listing(named, (), docs, 2)
    assert keys.listing(dataclasses.replace(named, item=functools.partial(plan.source_item)), (), docs, 2) is None


def test_pages_the_last_write_left_as_they_are_are_kept_unread_and_give_what_a_clean_run_gives(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_of(built, tmp_path / "p")
    generate(project)  # the copy's files are new ones: this run reads them, and records them as it leaves them
    edit_one_source(project, SHAPE)
    unread = kept_counter(monkeypatch, unread=True)
    generate(project)
    assert len(unread) > SHAPE.sources
    assert docs_files(project) == clean_docs(project, tmp_path / "clean")


def _same_size_times_put_back(page: Path) -> None:
    before = page.stat()
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("a", "b", 1), encoding="utf-8")
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))


def _new_file_with_the_old_times(page: Path) -> None:
    before = page.stat()
    other = page.with_name("other.tmp")
    other.write_text(page.read_text(encoding="utf-8").replace("a", "b", 1), encoding="utf-8")
    os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
    other.replace(page)


def _removed(page: Path) -> None:
    page.unlink()


HIDDEN_EDITS = {
    "same size, times put back": _same_size_times_put_back,
    "a new file with the old times": _new_file_with_the_old_times,
    "removed": _removed,
}


@pytest.mark.parametrize("edit", HIDDEN_EDITS.values(), ids=HIDDEN_EDITS.keys())
def test_a_page_edited_by_hand_however_its_times_look_is_not_kept_unread(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: Callable[[Path], None]
) -> None:
    project = copy_of(built, tmp_path / "p")
    generate(project)
    pages = [
        sorted((project.docs / "sources").glob("*.md"))[1],
        sorted((project.docs / "actors").glob("*/statements/page-2.md"))[0],
    ]
    for page in pages:
        edit(page)
    edit_one_source(project, SHAPE)
    unread = kept_counter(monkeypatch, unread=True)
    generate(project)
    assert unread, "no page was kept unread: the test shows nothing"
    assert not {page.relative_to(project.docs).as_posix() for page in pages} & set(unread)
    assert docs_files(project) == clean_docs(project, tmp_path / "clean")


def test_a_record_of_pages_that_docs_does_not_hold_keeps_no_page_unread(built: Path, tmp_path: Path) -> None:
    """A run that records what it rendered without writing it (generate_pages) leaves the record and docs/ out of
    step: the SHA-256 the last write recorded of a page is not the one the record has, so the page is read."""
    project = copy_of(built, tmp_path / "p")
    generate(project)
    edit_one_source(project, SHAPE)
    generate_pages(project, incremental=True)
    generate(project)
    assert docs_files(project) == clean_docs(project, tmp_path / "clean")
