"""A source with thousands of statements: its statement list is split into pages, every page stays small,
and every statement keeps its public URL /sources/<id>/#<statement> on the source page.

The source is made by the benchmark's generator: a text of some 45,000 pseudo-words, about three
thousand of whose sentences are quoted, and one more quote that stands in code, so it cannot be
marked in the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from posixpath import normpath

import pytest
from bench.generate import Generator, Shape

from demarche import record_pages
from demarche.ledger import LEDGER, gone, read_ledger, served_urls, urls_of, write_ledger
from demarche.pipeline import Project, build, check, generate_pages
from demarche.record_pages import STATEMENTS_PAGE_SIZE
from demarche.urls import site_url
from demarche.validate import statement_anchor
from tests.conftest import make_project

KB = 1024
LIMIT = 300 * KB  # the benchmark's limit for any page
IN_CODE = "Nothing here can be marked"

WHO = "Sergei Lavrov, direct quote"  # what a mark says of its passage


def big_source_files(keep_last: int | None = None) -> tuple[dict[str, str], str, str]:
    """The archive's files, the source's id, and the speaker whose former id the archive records.

    keep_last: keep only the source's last statements in the text's order (as it stood before the others were added).
    """
    gen = Generator(Shape(sources=1, actors=40, agreements=4, demands=4, words=45000, statements=3000))
    files = gen.record_files()
    path, text = gen.source_file(1)
    speaker = gen.speakers[0].id
    front, body = text.split("\n---\n", 1)
    head, *items = front.split("\n  - speaker: ")
    items.append(f"{speaker}\n    quote: {IN_CODE!r}")
    if keep_last is not None:
        items = items[-keep_last:]
    files[path] = "\n  - speaker: ".join([head, *items]) + f"\n---\n{body.rstrip()}\n\n    {IN_CODE}.\n"
    actor = f"sources/actors/{speaker}.md"
    files[actor] = files[actor].replace("---\n", f"---\nformer_ids: [{speaker}-before]\n", 1)
    return files, Path(path).stem, speaker


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, str, str]:
    files, source_id, speaker = big_source_files()
    return make_project(tmp_path_factory.mktemp("paging") / "big", files), source_id, speaker


@pytest.mark.slow
def test_the_statement_list_is_split_into_pages_and_each_statement_is_listed_once(big: tuple[Project, str, str]) -> None:
    p, source_id, _ = big
    archive, problems = check(p)
    assert [f"{x.code}: {x.message}" for x in problems] == [
        "quote-not-marked: the quote cannot be marked in the text: it stands in code (a code block or `code`), "
        "which shows its text as written"
    ]
    (source,) = archive.sources
    _, pages, _ = generate_pages(p)
    first = f"sources/{source_id}.md"
    numbered = {int(m.group(1)): d for d in pages if (m := re.fullmatch(rf"sources/{source_id}/statements/page-(\d+)\.md", d))}
    further = [numbered[n] for n in sorted(numbered)]
    count = -(-len(source.statements) // STATEMENTS_PAGE_SIZE)
    assert len(source.statements) > 2900 and len(further) == count - 1
    assert further[-1] == f"sources/{source_id}/statements/page-{count}.md"
    entries = [re.findall(r'<div class="dm-statement" id="([^"]+)"', pages[d]) for d in (first, *further)]
    assert [len(e) for e in entries[:-1]] == [STATEMENTS_PAGE_SIZE] * (count - 1)
    assert sorted(a for e in entries for a in e) == sorted(st.id for st in source.statements)
    assert f"Page 1 of {count} ({len(source.statements)} in all): **1** [2]({source_id}/statements/page-2.md)" in pages[first]


@pytest.mark.slow
def test_every_statement_keeps_its_url_on_the_source_page(big: tuple[Project, str, str]) -> None:
    """Listed on a further page, a statement's anchor stands before its passage in the text, or, when that
    cannot be marked, in a short list under the statements; so do the anchors it had under its speaker's former id."""
    p, source_id, speaker = big
    archive, _ = check(p)
    graph, pages, _ = generate_pages(p)
    found = urls_of(graph, pages, [])
    page = f"/sources/{source_id}/"
    (source,) = archive.sources
    assert {f"{page}#{st.id}" for st in source.statements} <= found.published
    former = {f"{page}#{statement_anchor(f'{speaker}-before', st.quote)}" for st in source.statements if st.speaker == speaker}
    assert len(former) > 100 and former <= found.served
    (unmarked,) = [st for st in source.statements if st.quote == IN_CODE]
    text = pages[f"sources/{source_id}.md"]
    assert f'Further statements not marked in the text: <span id="{unmarked.id}"></span>' in text
    assert len(re.findall('<mark class="dm-quote dm-(?:direct|reported)" id="q-', text)) == len(source.statements) - 1


@pytest.mark.slow
def test_statements_moved_to_further_pages_keep_the_urls_the_ledger_holds(tmp_path: Path) -> None:
    """The ledger was written when the source had 60 statements on one page; thousands were added before them."""
    files, _, _ = big_source_files(keep_last=60)
    p = make_project(tmp_path / "growing", files)
    before = served_urls(p).published
    write_ledger(p.root / LEDGER, before)
    for rel, text in big_source_files()[0].items():
        (p.root / rel).write_text(text, encoding="utf-8")
    after = served_urls(p)
    assert gone(read_ledger(p.root / LEDGER), after) == []
    assert len([url for url in before if "#" in url]) == 60


@pytest.mark.slow
def test_every_built_page_stays_under_300_kb_and_every_link_lands_on_an_anchor(big: tuple[Project, str, str]) -> None:
    """The real MkDocs build in strict mode, which refuses a link to a missing anchor; the source's text is left out of its size."""
    p, source_id, _ = big
    build(p)
    site = p.root / "site"
    sizes = {}
    for html_file in site.rglob("*.html"):
        html = html_file.read_text(encoding="utf-8")
        text = re.search(r'<div class="dm-text">.*?\n</div>', html, re.DOTALL)
        sizes[html_file.relative_to(site).as_posix()] = len(html.encode()) - (len(text.group().encode()) if text else 0)
    assert max(sizes.values()) < LIMIT, max(sizes.items(), key=lambda kv: kv[1])
    assert sizes[f"sources/{source_id}/index.html"] > 50 * KB  # the source's page holds a full page of statements
    for html_file in (site / "sources" / source_id).rglob("index.html"):
        url = html_file.parent.relative_to(site).as_posix() + "/"
        for target, anchor in re.findall(r'href="([^"#:]*)#([^"]+)"', html_file.read_text(encoding="utf-8")):
            landing = site / normpath(url + target) / "index.html" if target else html_file
            assert f'id="{anchor}"' in landing.read_text(encoding="utf-8"), f"{url}: {target}#{anchor}"
    assert site_url(f"sources/{source_id}/statements/page-2.md") in {
        f.parent.relative_to(site).as_posix() + "/" for f in site.rglob("index.html")
    }


SMALL = """---
title: Lavrov at the OSCE
date: 2021-12-04
kind: article
statements:
  - speaker: sergei-lavrov
    quote: "the first"
  - speaker: sergei-lavrov
    quote: "the second"
  - speaker: sergei-lavrov
    quote: "the third"
  - speaker: sergei-lavrov
    quote: "in code"
  - speaker: sergei-lavrov
    quote: "the fifth"
---
He said the first, the second and the third.

    in code

And the fifth.
"""
SPEAKER = """---
name: Sergei Lavrov
kind: person
former_ids: [sergey-lavrov]
---
"""


def test_a_short_list_split_in_pages_of_two(
    project: Callable[..., Project], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same rules on five statements, two to a page, built by MkDocs (strict: a link to a missing anchor fails it)."""
    monkeypatch.setattr(record_pages, "STATEMENTS_PAGE_SIZE", 2)
    p = project({"sources/texts/2021/lavrov-osce.md": SMALL, "sources/actors/sergei-lavrov.md": SPEAKER})
    _, pages, _ = generate_pages(p)
    page, page_2, page_3 = (pages[f"sources/lavrov-osce{d}.md"] for d in ("", "/statements/page-2", "/statements/page-3"))
    ids = {n: f"sergei-lavrov-{n}" for n in ("the-first", "the-second", "the-third", "in-code", "the-fifth")}
    assert re.findall(r'class="dm-statement" id="([^"]+)"', page) == [ids["the-first"], ids["the-second"]]
    assert re.findall(r'class="dm-statement" id="([^"]+)"', page_2) == [ids["the-third"], ids["in-code"]]
    assert re.findall(r'class="dm-statement" id="([^"]+)"', page_3) == [ids["the-fifth"]]
    third, fifth = ids["the-third"], ids["the-fifth"]
    old = "sergey-lavrov-the-third"
    assert (
        f'<span id="{third}"></span><span id="{old}"></span>'
        f'<mark class="dm-quote dm-direct" id="q-{third}" data-who="{WHO}">the third</mark>'
        f'<sup>[3<span class="dm-tip" data-pagefind-ignore> {WHO}</span>](lavrov-osce/statements/page-2.md#{third})</sup>' in page
    )
    assert (
        f'<sup>[5<span class="dm-tip" data-pagefind-ignore> {WHO}</span>](lavrov-osce/statements/page-3.md#{fifth})</sup>' in page
    )
    assert (
        f'Further statements not marked in the text: <span id="{ids["in-code"]}"></span><span id="sergey-lavrov-in-code">'
        f"</span>[4\\. Sergei Lavrov](lavrov-osce/statements/page-2.md#{ids['in-code']})" in page
    )
    assert f"[In the text](../../lavrov-osce.md#q-{third}) · [Permalink](../../lavrov-osce.md#{third})" in page_2
    assert f"[Permalink](../../lavrov-osce.md#{ids['in-code']})" in page_2 and "In the text" not in page_2.split(third)[-1]
    assert "Page 2 of 3 (5 in all): [1](../../lavrov-osce.md) **2** [3](page-3.md)" in page_2
    build(p)
    site = (p.root / "site" / "sources" / "lavrov-osce" / "index.html").read_text(encoding="utf-8")
    assert {f'id="{a}"' for a in [*ids.values(), old]} <= set(re.findall(r'id="[^"]+"', site))
