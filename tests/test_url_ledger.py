"""The ledger of published URLs (urls.txt): every URL the site has published is still served.

The served URLs come from the real pipeline: the pages, anchors and redirects generated from sources/.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from demarche.cli import main
from demarche.ledger import HEADER, LEDGER, gone, read_ledger, served_urls, urls_of, write_ledger
from demarche.link import link
from demarche.pipeline import Project, check, generate_pages
from demarche.problems import format_problems

ROOT = Path(__file__).resolve().parent.parent
ANCHOR = "sergei-lavrov-the-further-advance-of-nato-to-the-east"
STATEMENT = f"/sources/lavrov-osce/#{ANCHOR}"


def test_every_url_in_the_ledger_is_still_served() -> None:
    ledger = read_ledger(ROOT / LEDGER)
    assert ledger, "urls.txt lists no URL: run `make urls`"
    problems = gone(ledger, served_urls(Project(ROOT)))
    assert not problems, "URLs the site published are no longer served:\n" + format_problems(problems, "text")


def test_the_ledger_is_sorted_without_duplicates() -> None:
    urls = [url for _, url in read_ledger(ROOT / LEDGER)]
    assert urls == sorted(set(urls)), "urls.txt must be sorted, one URL a line: run `make urls` to rewrite it"
    assert all(url.startswith("/") for url in urls)


def test_the_ledger_lists_pages_and_statement_anchors_but_not_later_pages(project: Callable[..., Project]) -> None:
    p = project()
    graph, pages, _ = generate_pages(p)
    pages = {**pages, "actors/nato/statements/page-2.md": '<div id="x"></div>'}
    found = urls_of(graph, pages, ["about.md"])
    for url in (
        "/",
        "/about/",
        "/actors/",
        "/actors/nato/",
        "/sources/by-year/2021/",
        "/timeline/",
        "/timeline/2021/",
        STATEMENT,
    ):
        assert url in found.published, url
    assert "/actors/nato/statements/page-2/" not in found.published
    assert {"/actors/nato/statements/page-2/", "/actors/nato/statements/page-2/#x"} <= found.served
    assert found.published <= found.served


def ledgered(project: Callable[..., Project]) -> Project:
    """The minimal archive with a ledger of everything it serves."""
    p = project()
    write_ledger(p.root / LEDGER, served_urls(p).published)
    return p


def lost(p: Project) -> list[str]:
    """Each URL of p's ledger no longer served, as 'message | hint'; checks that each points at its own line."""
    lines = (p.root / LEDGER).read_text(encoding="utf-8").splitlines()
    problems = gone(read_ledger(p.root / LEDGER), served_urls(p))
    for problem in problems:
        assert f"{lines[problem.line - 1]} is no longer served" == problem.message
    return [f"{p.message} | {p.hint}" for p in problems]


def rename(p: Project, old: str, new: str, replace: tuple[tuple[str, str], ...] = ()) -> Path:
    """Move a record's file to its new id and apply text replacements to every record; returns the new file."""
    for path in (p.root / "sources").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        for a, b in replace:
            text = text.replace(a, b)
        path.write_text(text, encoding="utf-8")
    (target,) = (p.root / "sources").rglob(f"{old}.md")
    moved = target.with_name(f"{new}.md")
    target.rename(moved)
    return moved


def add_former_id(path: Path, old: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("---\n", f"---\nformer_ids: [{old}]\n", 1), encoding="utf-8")


ACTOR_IDS = (("[nato]", "[north-atlantic-alliance]"),)
SPEAKER_IDS = (("sergei-lavrov", "sergey-lavrov"),)


def test_an_actor_renamed_with_its_former_id_keeps_its_url(project: Callable[..., Project]) -> None:
    p = ledgered(project)
    add_former_id(rename(p, "nato", "north-atlantic-alliance", ACTOR_IDS), "nato")
    assert lost(p) == []


def test_an_actor_renamed_without_its_former_id_loses_its_url(project: Callable[..., Project]) -> None:
    p = ledgered(project)
    rename(p, "nato", "north-atlantic-alliance", ACTOR_IDS)
    assert lost(p) == [
        "/actors/nato/ is no longer served | if the actor was renamed, add 'nato' to the former_ids of its new record "
        "in sources/; if it was removed on purpose, delete the line from urls.txt",
    ]


def test_a_source_renamed_with_its_former_id_keeps_its_url_and_statement_anchors(project: Callable[..., Project]) -> None:
    p = ledgered(project)
    add_former_id(rename(p, "lavrov-osce", "lavrov-at-the-osce"), "lavrov-osce")
    assert lost(p) == []


def test_a_source_renamed_without_its_former_id_loses_its_url_and_anchors(project: Callable[..., Project]) -> None:
    p = ledgered(project)
    rename(p, "lavrov-osce", "lavrov-at-the-osce")
    hint = (
        "if the source was renamed, add 'lavrov-osce' to the former_ids of its new record in sources/; "
        "if it was removed on purpose, delete the line from urls.txt"
    )
    assert lost(p) == [
        f"/sources/lavrov-osce/ is no longer served | {hint}",
        f"{STATEMENT} is no longer served | {hint}",
        f"/sources/lavrov-osce/lavrov-osce.bib is no longer served | {hint}",
        f"/sources/lavrov-osce/lavrov-osce.ris is no longer served | {hint}",
    ]


def test_a_renamed_speaker_keeps_the_anchors_of_its_statements(project: Callable[..., Project]) -> None:
    p = ledgered(project)
    add_former_id(rename(p, "sergei-lavrov", "sergey-lavrov", SPEAKER_IDS), "sergei-lavrov")
    assert lost(p) == []


def test_a_changed_anchor_is_reported_with_the_id_that_keeps_it(project: Callable[..., Project]) -> None:
    p = ledgered(project)
    path = p.root / "sources/texts/2021/lavrov-osce.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('quote: "The further advance', 'quote: "further advance'), encoding="utf-8")
    assert lost(p) == [
        f"{STATEMENT} is no longer served | its statement's anchor changed: add 'id: {ANCHOR}' "
        "to that statement in sources/texts/2021/lavrov-osce.md",
    ]
    path.write_text(text.replace('quote: "The further', f'id: {ANCHOR}\n    quote: "further'), encoding="utf-8")
    assert lost(p) == []


def test_a_removed_hand_written_page_is_reported(project: Callable[..., Project]) -> None:
    p = ledgered(project)
    (p.docs / "about.md").unlink()
    assert lost(p) == ["/about/ is no longer served | if the page was removed on purpose, delete the line from urls.txt"]


def test_the_urls_command_lists_adds_and_never_drops(project: Callable[..., Project], capsys: pytest.CaptureFixture[str]) -> None:
    p = project()
    ledger = p.root / LEDGER
    assert main(["--root", str(p.root), "urls"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("served but not in urls.txt (`make urls` adds them):\n  /\n  /about/\n")
    assert f"\n  {STATEMENT}\n" in out
    assert not ledger.exists()

    assert main(["--root", str(p.root), "urls", "--update"]) == 0
    urls = sorted(served_urls(p).published)
    assert capsys.readouterr().out == f"urls.txt: {len(urls)} URLs added, {len(urls)} in all\n"
    assert ledger.read_text(encoding="utf-8") == HEADER + "".join(f"{url}\n" for url in urls)
    assert main(["--root", str(p.root), "urls"]) == 0
    assert capsys.readouterr().out == "urls.txt: no new URL\n"

    rename(p, "nato", "north-atlantic-alliance", ACTOR_IDS)
    assert main(["--root", str(p.root), "urls", "--update"]) == 1
    line = HEADER.count("\n") + urls.index("/actors/nato/") + 1
    assert capsys.readouterr().out == (
        f"urls.txt: 1 URL added, {len(urls) + 1} in all\n"
        f"urls.txt:{line}:1: error: /actors/nato/ is no longer served\n"
        "    hint: if the actor was renamed, add 'nato' to the former_ids of its new record in sources/; "
        "if it was removed on purpose, delete the line from urls.txt\n"
        "1 error\n"
    )
    kept = [url for _, url in read_ledger(ledger)]
    assert "/actors/nato/" in kept and "/actors/north-atlantic-alliance/" in kept


def test_a_statement_anchor_is_served_only_when_its_page_has_it(project: Callable[..., Project]) -> None:
    p = project()
    archive, _ = check(p)
    _, pages, _ = generate_pages(p)
    page = pages["sources/lavrov-osce.md"].replace(f'id="{ANCHOR}"', 'id="other"')
    pages["sources/lavrov-osce.md"] = page + '\nA text that shows &lt;a id="as-text"> is no anchor.\n'
    found = urls_of(link(archive), pages, [])
    assert STATEMENT not in found.served and "/sources/lavrov-osce/#other" in found.served
    assert "/sources/lavrov-osce/#as-text" not in found.served
