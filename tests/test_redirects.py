"""Former ids: their URLs send readers to the record's current page, in the real MkDocs build and a real browser."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from demarche.link import link
from demarche.pipeline import Project, build, check, generate, generate_pages
from demarche.plan import File, PathClash, check_outputs
from demarche.redirects import Redirect, redirect_files, redirect_page
from demarche.urls import SiteInfo
from tests.browser.conftest import CHROMIUM_ARGS, chromium, require_chromium, serving
from tests.pagefind_index import fragments
from tests.test_validate import problems_of

NATO_RENAMED = "---\nname: NATO\nkind: organization\nformer_ids: [north-atlantic-alliance, otan]\n---\nThe Alliance.\n"
SOURCE_RENAMED = """
    ---
    title: Lavrov at the OSCE
    date: 2021-12-04
    kind: article
    publisher: Kommersant
    former_ids: [lavrov-stockholm]
    statements:
      - speaker: sergei-lavrov
        quote: "The further advance of NATO to the east will definitely affect Russia's security"
    ---
    Lavrov warned: “The further advance of NATO to the east will definitely affect Russia’s security.”
    """
RENAMED: dict[str, str | bytes | None] = {
    "sources/actors/nato.md": NATO_RENAMED,
    "sources/texts/2021/lavrov-osce.md": SOURCE_RENAMED,
    "sources/demands/no-further-nato-enlargement.md": (
        "---\ntitle: No further NATO enlargement\nby: [russia]\nof: [nato]\nformer_ids: [no-enlargement]\n---\n"
    ),
    "sources/agreements/bucharest-summit-declaration-2008.md": (
        "---\ntitle: Bucharest Summit Declaration\nkind: declaration\nformer_ids: [bucharest-2008]\n---\n"
    ),
}
ANCHOR = "sergei-lavrov-the-further-advance-of-nato-to-the-east"


def test_a_former_id_in_use_by_a_live_record_is_an_error(project: Callable[..., Project]) -> None:
    p = project({"sources/actors/nato.md": "---\nname: NATO\nkind: organization\nformer_ids: [otan, russia]\n---\n"})
    assert problems_of(p) == [
        "sources/actors/nato.md:4:20: error: former id 'russia' is the id of a live actor"
        " | a former id must not be in use: remove it from former_ids or rename the other record",
    ]


def test_a_former_id_claimed_twice_is_an_error_at_the_second_claim(project: Callable[..., Project]) -> None:
    p = project(
        {
            "sources/actors/nato.md": "---\nname: NATO\nkind: organization\nformer_ids: [otan]\n---\n",
            "sources/actors/russia.md": "---\nname: Russia\nkind: state\nformer_ids:\n  - rossiya\n  - otan\n---\n",
        }
    )
    assert problems_of(p) == [
        "sources/actors/russia.md:6:5: error: former id 'otan' is claimed by sources/actors/nato.md too"
        " | one old URL can send readers to one record only",
    ]


def test_former_ids_of_other_kinds_do_not_clash(project: Callable[..., Project]) -> None:
    demand = "---\ntitle: T\nby: [russia]\nof: [nato]\nformer_ids: [nato, lavrov-osce]\n---\n"
    assert problems_of(project({"sources/demands/no-further-nato-enlargement.md": demand})) == []


def test_every_record_kind_gets_a_redirect_for_each_former_id(project: Callable[..., Project]) -> None:
    _, pages, _ = generate_pages(project(RENAMED))
    assert sorted(doc for doc in pages if doc.endswith(".html")) == [
        "actors/north-atlantic-alliance/index.html",
        "actors/otan/index.html",
        "agreements/bucharest-2008/index.html",
        "demands/no-enlargement/index.html",
        "sources/lavrov-stockholm/index.html",
    ]
    assert b'<a href="../lavrov-osce/">Lavrov at the OSCE</a>' in pages["sources/lavrov-stockholm/index.html"]


def test_the_redirect_page_works_with_and_without_script() -> None:
    html = redirect_page(
        Redirect("demand", "old-demand", "new-demand"), 'Say "no" <now> & then', SiteInfo("D", "https://example.org/a/")
    )
    assert html == (
        "<!doctype html>\n"
        '<html lang="en">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        "<title>Moved: Say &quot;no&quot; &lt;now&gt; &amp; then</title>\n"
        '<meta name="robots" content="noindex">\n'
        '<link rel="canonical" href="https://example.org/a/demands/new-demand/">\n'
        '<script>location.replace("../new-demand/" + location.hash)</script>\n'
        '<meta http-equiv="refresh" content="0; url=../new-demand/">\n'
        "</head>\n"
        "<body>\n"
        '<p>This page has moved to <a href="../new-demand/">Say &quot;no&quot; &lt;now&gt; &amp; then</a>.</p>\n'
        "</body>\n"
        "</html>\n"
    )
    assert '<link rel="canonical" href="../new-demand/">' in redirect_page(
        Redirect("demand", "a", "new-demand"), "T", SiteInfo("D", "")
    )


def test_a_redirect_never_replaces_a_live_page(project: Callable[..., Project]) -> None:
    p = project({"sources/actors/nato.md": NATO_RENAMED})
    archive, _ = check(p)
    files = redirect_files(link(archive), SiteInfo("Demarche", ""))
    another = File("actors/north-atlantic-alliance/index.html", b"another file")
    with pytest.raises(PathClash) as clash:
        check_outputs([], [another, *files])
    assert str(clash.value) == (
        "two outputs would be written to docs/actors/north-atlantic-alliance/index.html:"
        " the file docs/actors/north-atlantic-alliance/index.html and the file docs/actors/north-atlantic-alliance/index.html"
    )
    live = ("actors/otan.md", "actor.md.j2")  # a page published at /actors/otan/
    with pytest.raises(PathClash) as clash:
        check_outputs([live], files)
    assert str(clash.value) == (
        "two outputs would be published at /actors/otan/: the page docs/actors/otan.md (actor.md.j2)"
        " and the file docs/actors/otan/index.html"
    )


def test_redirects_are_written_and_removed_with_the_other_generated_files(project: Callable[..., Project]) -> None:
    p = project(RENAMED)
    generate(p)
    assert (p.docs / "actors/otan/index.html").is_file()
    (p.root / "sources/actors/nato.md").write_text("---\nname: NATO\nkind: organization\n---\n", encoding="utf-8")
    report = generate(p)
    assert "actors/otan/index.html" in report.removed
    assert not (p.docs / "actors/otan").exists() and (p.docs / "actors/nato.md").is_file()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import MINIMAL, make_project

    files = {k: v for k, v in {**MINIMAL, **RENAMED}.items() if v is not None}
    p = make_project(tmp_path_factory.mktemp("redirects") / "p", files)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DEMARCHE_SITE_URL", "https://example.org/demarche/")
        build(p)
    return p.root / "site"


@pytest.mark.slow
def test_the_built_site_redirects_and_keeps_redirects_out_of_search_and_sitemap(built: Path) -> None:
    page = (built / "actors/otan/index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=../nato/">' in page
    assert '<link rel="canonical" href="https://example.org/demarche/actors/nato/">' in page
    assert '<meta name="robots" content="noindex">' in page
    assert (built / "sources/lavrov-stockholm/index.html").is_file()
    sitemap = (built / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.org/demarche/actors/nato/</loc>" in sitemap
    assert "otan" not in sitemap and "lavrov-stockholm" not in sitemap
    locations = [f.url for f in fragments(built)]
    assert "/actors/nato/" in locations
    assert not [loc for loc in locations if "otan" in loc or "lavrov-stockholm" in loc]


@pytest.fixture(scope="module")
def served(built: Path) -> Iterator[str]:
    with serving(built) as url:
        yield url


@pytest.mark.browser
@pytest.mark.parametrize("script", [True, False], ids=["with-script", "without-script"])
def test_a_browser_lands_on_the_current_page_and_statement(served: str, script: bool) -> None:
    from playwright.sync_api import sync_playwright

    path = require_chromium(chromium(), os.environ)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(java_script_enabled=script).new_page()
            page.goto(f"{served}sources/lavrov-stockholm/#{ANCHOR}")
            page.wait_for_url(f"{served}sources/lavrov-osce/**")
            assert page.url == f"{served}sources/lavrov-osce/" + (f"#{ANCHOR}" if script else "")
            assert page.locator(f"[id='{ANCHOR}']").count() == 1
        finally:
            browser.close()


@pytest.mark.slow
def test_pages_have_a_canonical_link_only_when_the_site_address_is_known(
    built: Path, project: Callable[..., Project], monkeypatch: pytest.MonkeyPatch
) -> None:
    nato = (built / "actors/nato/index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://example.org/demarche/actors/nato/">' in nato
    assert "Permanent link: <code>https://example.org/demarche/actors/nato/</code>" in nato
    for url in ("agreements/bucharest-summit-declaration-2008/", "demands/no-further-nato-enlargement/"):
        page = (built / url / "index.html").read_text(encoding="utf-8")
        assert f'<link rel="canonical" href="https://example.org/demarche/{url}">' in page
        assert f"Permanent link: <code>https://example.org/demarche/{url}</code>" in page
    monkeypatch.setenv("DEMARCHE_SITE_URL", "")
    p = project(RENAMED)
    build(p)
    nato = (p.root / "site/actors/nato/index.html").read_text(encoding="utf-8")
    assert 'rel="canonical"' not in nato
    assert "Permanent link: <code>/actors/nato/</code>" in nato
    redirect = (p.root / "site/actors/otan/index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="../nato/">' in redirect
