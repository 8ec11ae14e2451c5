"""Material's search, typed into its box: a speaker by any alias, a demand, a quote, a source, in English and Russian."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import Tab

pytestmark = pytest.mark.browser

KOMMERSANT = "sources/kommersant-lavrov-osce-excerpt/"
WHITE_HOUSE = "sources/whitehouse-background-call-russia-excerpt/"


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("Сергей Лавров", "actors/sergei-lavrov/"),  # a speaker by a Russian alias
        ("Sergey Lavrov", "actors/sergei-lavrov/"),  # ... by another spelling
        ("СССР", "actors/soviet-union/"),  # an actor by a Russian abbreviation
        ("USSR", "actors/soviet-union/"),
        ("NATO enlargement", "demands/no-further-nato-enlargement/"),  # a demand by words of its title
        ("fundamental interests", KOMMERSANT),  # a statement by a few words of its quote
        ('"definitely affect"', KOMMERSANT),  # ... in quotation marks, so that every word must match
        ("decide other countries", WHITE_HOUSE),
        ("nightmarish return", KOMMERSANT),  # a source by its title
        ("Background Press Call", WHITE_HOUSE),
    ],
)
def test_search_puts_the_expected_page_first(tab: Tab, query: str, first: str) -> None:
    tab.open("")  # which waits until the search index is loaded
    box = tab.page.locator("input.md-search__input")
    box.click()
    box.fill(query)
    box.press("End")  # Material searches on key-up
    tab.page.wait_for_selector(".md-search-result__item")
    meta = tab.page.inner_text(".md-search-result__meta")
    href = tab.page.locator(".md-search-result__item > a").first.evaluate("a => a.href")
    assert urlsplit(href).path == "/" + first, f"{query!r}: {meta}"
    assert tab.errors == [] and tab.outside() == []
