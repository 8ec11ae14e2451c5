"""Following links in a real browser: from a source to its speaker to a demand and back to the statement; every
mark of the timeline, every node of a neighbourhood and every cell of the positions table lands on a page and anchor."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Tab

pytestmark = pytest.mark.browser

STATEMENT = "sergei-lavrov-the-further-advance-of-nato-to-the-east"


def targets(tab: Tab, selector: str) -> list[str]:
    """The addresses of the links matched by selector (SVG links too), resolved against the page."""
    return tab.page.eval_on_selector_all(selector, "els => els.map(a => new URL(a.getAttribute('href'), document.baseURI).href)")


def assert_lands(tab: Tab, url: str) -> None:
    """The address loads, and its anchor, if any, is an element of the page the browser scrolls to."""
    tab.page.goto("about:blank")
    response = tab.page.goto(url, wait_until="load")
    assert response is not None and response.ok, url
    anchor = url.partition("#")[2]
    if anchor:
        assert tab.page.evaluate("document.querySelector(':target')?.id") == anchor, url
        assert tab.page.locator(f"[id='{anchor}']").is_visible()


def assert_anchor_in_view(tab: Tab, anchor: str) -> None:
    """The anchor is the page's target, and the browser scrolls it into view (it may do so after the load event)."""
    assert tab.page.evaluate("document.querySelector(':target')?.id") == anchor
    tab.page.wait_for_function(
        "id => { const top = document.getElementById(id).getBoundingClientRect().top; return 0 <= top && top < innerHeight }",
        arg=anchor,
    )


def test_source_to_speaker_to_demand_and_back_to_the_statement(tab: Tab) -> None:
    tab.open("sources/kommersant-lavrov-osce-excerpt/")
    tab.page.locator(f"#{STATEMENT} a", has_text="Sergei Lavrov").first.click()
    tab.page.wait_for_url("**/actors/sergei-lavrov/")
    tab.page.locator(".md-content a:text-is('No further NATO enlargement to the east')").first.click()
    tab.page.wait_for_url("**/demands/no-further-nato-enlargement/")
    tab.page.locator(f".dm-said a[href$='#{STATEMENT}']").click()
    tab.page.wait_for_url(f"**/sources/kommersant-lavrov-osce-excerpt/#{STATEMENT}")
    assert_anchor_in_view(tab, STATEMENT)
    assert tab.errors == [] and tab.outside() == []


@pytest.mark.parametrize(
    ("page", "count"),
    [
        ("timeline/", 4),  # 2 speakers, each a label and one mark for the week of its 2 statements
        ("actors/united-states/", 2),
        ("agreements/inf-treaty/", 3),
        ("demands/no-further-nato-enlargement/", 4),
    ],
)
def test_every_mark_and_node_of_a_picture_lands(tab: Tab, page: str, count: int) -> None:
    tab.open(page)
    links = tab.page.locator(".dm-picture svg a")
    urls = targets(tab, ".dm-picture svg a")
    assert len(urls) == count
    links.last.click()
    tab.page.wait_for_url(urls[-1])
    for url in urls:
        assert_lands(tab, url)
    assert tab.errors == [] and tab.outside() == []


def test_every_cell_of_the_positions_table_lands(tab: Tab) -> None:
    tab.open("demands/")
    urls = targets(tab, ".dm-positions a")
    assert [u.removeprefix(tab.base) for u in urls] == [
        "actors/sergei-lavrov/",
        "actors/united-states/",
        "demands/no-further-nato-enlargement/",
        f"sources/kommersant-lavrov-osce-excerpt/#{STATEMENT}",
        "sources/whitehouse-background-call-russia-excerpt/#united-states-it-is-not-up-to-russia-for-example",
    ]
    tab.page.locator(".dm-positions a", has_text="rejected 1").click()
    tab.page.wait_for_url(urls[-1])
    for url in urls:
        assert_lands(tab, url)
    assert tab.errors == [] and tab.outside() == []
