"""Every page kind in a real browser: no console error, no request to another host, light and dark, phone-sized."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import PAGE_KINDS, PHONE, Tab, open_tab

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_every_page_kind_loads_cleanly_in_both_palettes(tab: Tab, kind: str) -> None:
    tab.open(PAGE_KINDS[kind])
    assert tab.page.evaluate("document.body.dataset.mdColorScheme") == "default"
    tab.shoot(f"{kind}-light")
    tab.page.click('label[title="Switch to dark mode"]')
    tab.page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    tab.shoot(f"{kind}-dark")
    assert tab.errors == []
    assert tab.outside() == []
    assert any(url.endswith("/assets/demarche.css") for url in tab.requests)


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_page_kind_scrolls_sideways_on_a_phone(browser: Browser, base_url: str, kind: str) -> None:
    with open_tab(browser, base_url, viewport=PHONE, is_mobile=True, has_touch=True, color_scheme="light") as tab:
        tab.open(PAGE_KINDS[kind])
        tab.shoot(f"{kind}-phone")
        scroll_width, inner_width = tab.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll_width <= inner_width


def test_pages_name_their_feeds_and_the_feeds_load(tab: Tab) -> None:
    feeds = 'link[rel~="alternate"][type="application/atom+xml"]'
    tab.open("actors/sergei-lavrov/")
    found = tab.page.eval_on_selector_all(feeds, "els => els.map(e => [e.title, e.getAttribute('href'), e.href])")
    assert [(title, href) for title, href, _ in found] == [
        ("Demarche: new sources", "../../feed.xml"),
        ("Statements by Sergei Lavrov", "../../feeds/actors/sergei-lavrov.xml"),
    ]
    for _, _, url in found:
        response = tab.page.request.get(url)
        assert response.ok and response.text().startswith('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns=')
    tab.open("demands/")
    assert tab.page.eval_on_selector_all(feeds, "els => els.map(e => e.title)") == ["Demarche: new sources"]
    assert tab.errors == []
