"""Search, typed into the header's box and fed by Pagefind: a speaker by any alias, a demand, a quote landing on its
statement, a source, in English and Russian; the keyboard; and nothing fetched from another host."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Tab

pytestmark = pytest.mark.browser

KOMMERSANT = "sources/kommersant-lavrov-osce-excerpt/"
WHITE_HOUSE = "sources/whitehouse-background-call-russia-excerpt/"
FIRST = "#dm-search-results .dm-search__result a"


def first_result(tab: Tab, query: str) -> str:
    """Type a query into the header's box; the site-relative address of the first result once results show."""
    box = tab.page.locator("#dm-search-input")
    box.click()
    box.fill(query)
    tab.page.wait_for_function(
        "q => document.getElementById('dm-search-input').value === q && document.querySelector('#dm-search-results .dm-search__result')",
        arg=query,
    )
    href = tab.page.locator(FIRST).first.evaluate("a => a.href")
    url = urlsplit(href)
    return url.path.lstrip("/") + (f"#{url.fragment}" if url.fragment else "")


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("Сергей Лавров", "actors/sergei-lavrov/"),  # a speaker by a Russian alias
        ("Sergey Lavrov", "actors/sergei-lavrov/"),  # ... by another spelling
        ("Lavrov", "actors/sergei-lavrov/"),  # ... by the name the texts use most
        ("СССР", "actors/soviet-union/"),  # an actor by a Russian abbreviation
        ("USSR", "actors/soviet-union/"),
        ("NATO enlargement", "demands/no-further-nato-enlargement/"),  # a demand by words of its title
        (
            "fundamental interests",
            KOMMERSANT + "#sergei-lavrov-the-further-advance-of-nato-to-the-east",
        ),  # a quote: its statement
        ("depressing state", KOMMERSANT + "#sergei-lavrov-the-osce-is-in-a-depressing-state"),
        ("decide other countries", WHITE_HOUSE + "#united-states-it-is-not-up-to-russia-for-example"),
        ("nightmarish return", KOMMERSANT),  # a source by its title: the page, no statement of it
        ("Background Press Call", WHITE_HOUSE),
    ],
)
def test_search_puts_the_expected_result_first(tab: Tab, query: str, first: str) -> None:
    tab.open("")
    found = first_result(tab, query)
    titles = tab.page.locator("#dm-search-results .dm-search__title").all_inner_texts()
    assert found == first, f"{query!r}: {found} (results: {titles})"
    assert tab.errors == [] and tab.outside() == []


def test_the_search_box_works_from_the_keyboard(tab: Tab) -> None:
    tab.open("about/")
    tab.page.keyboard.press("/")  # as in Material: / or s focuses the search box
    box = tab.page.locator("#dm-search-input")
    expect(box).to_be_focused()
    tab.page.keyboard.type("Lavrov")
    expect(tab.page.locator("#dm-search-results .dm-search__result").first).to_have_attribute("aria-selected", "true")
    tab.page.keyboard.press("ArrowDown")
    second = tab.page.locator("#dm-search-results .dm-search__result").nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", second.get_attribute("id") or "")
    target = second.locator("a").evaluate("a => a.href")
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_url(target)
    tab.page.keyboard.press("s")
    expect(tab.page.locator("#dm-search-input")).to_be_focused()
    tab.page.keyboard.type("NATO")
    panel = tab.page.locator("#dm-search-panel")
    expect(panel).to_be_visible()
    tab.page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert tab.errors == [] and tab.outside() == []


def test_search_fetches_only_from_the_site_and_only_when_used(tab: Tab) -> None:
    tab.open("")
    assert not any("/pagefind/" in u for u in tab.requests), "the index must not load before a reader searches"
    first_result(tab, "guarantees")
    assert any(u.endswith("/pagefind/pagefind.js") for u in tab.requests)
    assert any(".pf_fragment" in u for u in tab.requests)
    assert not any("/pagefind/statements/" in u for u in tab.requests), "the box loads the pages' bundle only"
    assert not any(u.endswith("sitemap.xml") for u in tab.requests), "Material's script fetched the sitemap"
    assert tab.outside() == [] and tab.errors == []


def test_the_search_page_narrows_statements_and_keeps_its_state_in_the_url(tab: Tab) -> None:
    tab.open("actors/sergei-lavrov/")
    tab.page.get_by_role("link", name="Search within its statements").click()
    tab.page.wait_for_url("**/search/?speaker=Sergei+Lavrov")
    results = tab.page.locator("#dm-search-page-results .dm-search__result a")
    expect(tab.page.locator("#dm-search-page-results")).to_have_attribute("data-shown", "speaker=Sergei+Lavrov")
    hrefs = results.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith("/sources/") and "#" in h for h in hrefs), hrefs  # statements, not pages
    titles = tab.page.locator("#dm-search-page-results .dm-search__title").all_inner_texts()
    assert all(t.startswith("Sergei Lavrov, ") for t in titles), titles
    expect(tab.page.locator("select[name=speaker]")).to_have_value("Sergei Lavrov")
    tab.page.select_option("select[name=stance]", "made")
    tab.page.fill("#dm-search-form input[name=q]", "NATO")
    tab.page.wait_for_function("() => location.search === '?q=NATO&speaker=Sergei+Lavrov&stance=made'")
    expect(tab.page.locator("#dm-search-page-results")).to_have_attribute(
        "data-shown", "q=NATO&speaker=Sergei+Lavrov&stance=made"
    )
    narrowed = results.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert narrowed and set(narrowed) <= set(hrefs), narrowed
    tab.open("search/?q=NATO&speaker=Sergei+Lavrov&stance=made")  # the same search, from its address
    expect(tab.page.locator("#dm-search-page-results")).to_have_attribute(
        "data-shown", "q=NATO&speaker=Sergei+Lavrov&stance=made"
    )
    assert results.evaluate_all("links => links.map(a => a.getAttribute('href'))") == narrowed
    assert tab.errors == [] and tab.outside() == []


def test_the_search_page_finds_pages_and_statements_together(tab: Tab) -> None:
    """The search page merges the statements' bundle into the pages' one: words alone find both."""
    tab.open("search/?q=depressing+state")
    expect(tab.page.locator("#dm-search-page-results")).to_have_attribute("data-shown", "q=depressing+state")
    hrefs = tab.page.locator("#dm-search-page-results .dm-search__result a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    statement = "/" + KOMMERSANT + "#sergei-lavrov-the-osce-is-in-a-depressing-state"
    assert hrefs.count(statement) == 2, hrefs  # the statement's own record, and its source page landing on it
    assert any("/pagefind/statements/" in u for u in tab.requests)
    assert tab.errors == [] and tab.outside() == []
