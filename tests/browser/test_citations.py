"""Citations in a real browser: the copy button (from the keyboard, into the clipboard), the page without script,
the footer's link to the rights page, the report link, and the home page that orients a newcomer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import DESKTOP, PHONE, Tab, open_tab

pytestmark = pytest.mark.browser

SOURCE = "sources/kommersant-lavrov-osce-excerpt/"
CLIPBOARD = ["clipboard-read", "clipboard-write"]
WATCH_COPIES = "document.addEventListener('dm-copied', (e) => { window.dmCopied = e.detail; }, { once: true })"
CITATION_TEXT = "el => el.textContent.replace(/\\s+/g, ' ').trim()"


def copy_with_keyboard(tab: Tab, button: str) -> str:
    """Focus a copy button, press Enter, wait for it to say it copied; the clipboard's text."""
    tab.page.evaluate(WATCH_COPIES)
    tab.page.focus(button)
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_function("window.dmCopied !== undefined")
    return str(tab.page.evaluate("navigator.clipboard.readText()"))


def test_the_source_citation_is_copied_from_the_keyboard(browser: Browser, base_url: str) -> None:
    with open_tab(browser, base_url, viewport=DESKTOP, permissions=CLIPBOARD) as tab:
        tab.open(SOURCE)
        citation = tab.page.eval_on_selector(".dm-cite > .dm-cite-text", CITATION_TEXT)
        assert citation.startswith("Elena Chernenko, “Lavrov warns of a ‘nightmarish’ return to confrontation in Europe")
        button = ".dm-cite .dm-copy"
        assert tab.page.inner_text(button) == "Copy citation"
        assert copy_with_keyboard(tab, button) == citation
        assert tab.page.inner_text(button) == "Copied"
        assert tab.page.inner_text(".dm-cite .dm-copy-status") == "Citation copied to the clipboard."
        assert tab.page.eval_on_selector(".dm-cite > .dm-cite-text", "el => el.scrollWidth <= el.clientWidth")  # it wraps
        assert tab.errors == [] and tab.outside() == []


def test_a_statement_citation_is_copied_from_its_cite_box(browser: Browser, base_url: str) -> None:
    with open_tab(browser, base_url, viewport=PHONE, is_mobile=True, has_touch=True, permissions=CLIPBOARD) as tab:
        tab.open(SOURCE)
        box = ".dm-statement details.dm-cite-one"
        tab.page.click(f"{box} summary")
        citation = tab.page.eval_on_selector(f"{box} .dm-cite-text", CITATION_TEXT)
        assert citation.startswith("Statement by Sergei Lavrov, ")
        assert copy_with_keyboard(tab, f"{box} .dm-copy") == citation
        assert tab.errors == []


def test_without_clipboard_access_the_citation_is_selected_for_the_reader_to_copy(browser: Browser, base_url: str) -> None:
    with open_tab(browser, base_url, viewport=DESKTOP) as tab:
        tab.page.add_init_script("navigator.clipboard.writeText = () => Promise.reject(new Error('denied'))")
        tab.open(SOURCE)
        tab.page.click(".dm-cite .dm-copy")
        status = ".dm-cite .dm-copy-status"
        tab.page.wait_for_function(f"document.querySelector('{status}').textContent !== ''")
        assert tab.page.inner_text(status) == "Citation selected: press Ctrl+C (or ⌘C) to copy it."
        selected = tab.page.evaluate("window.getSelection().toString().replace(/\\s+/g, ' ').trim()")
        assert selected == tab.page.eval_on_selector(".dm-cite > .dm-cite-text", CITATION_TEXT)
        assert tab.errors == []


def test_without_script_the_citation_is_plain_text_and_no_button_stands_idle(browser: Browser, base_url: str) -> None:
    with open_tab(browser, base_url, viewport=DESKTOP, java_script_enabled=False) as tab:
        response = tab.page.goto(base_url + SOURCE, wait_until="load")
        assert response is not None and response.ok
        assert tab.page.is_visible(".dm-cite > .dm-cite-text")
        assert tab.page.query_selector_all(".dm-copy") == []
        assert tab.page.is_visible("text=Download the reference:")


def test_the_footer_links_the_rights_page_from_every_page_kind(tab: Tab) -> None:
    for path in ("", SOURCE, "actors/sergei-lavrov/", "timeline/2021/"):
        tab.open(path)
        link = tab.page.get_by_role("link", name="Rights, licences and corrections")
        assert link.count() == 1
        link.focus()
        tab.page.keyboard.press("Enter")
        tab.page.wait_for_url(tab.base + "rights/")
        assert tab.page.inner_text("h1").removesuffix("¶").strip() == "Rights, licences and corrections"
    assert tab.errors == [] and tab.outside() == []


def test_the_report_link_is_plain_and_loads_nothing_until_followed(tab: Tab) -> None:
    tab.open(SOURCE)
    link = tab.page.get_by_role("link", name="Report a problem with this page")
    href = link.get_attribute("href") or ""
    assert href.startswith("https://github.com/demarche/demarche/issues/new?title=Problem%20with%20the%20page%20")
    assert "sources%2Fkommersant-lavrov-osce-excerpt%2F" in href
    assert tab.outside() == []  # a link only: nothing from the forge is loaded with the page


@pytest.mark.parametrize(
    ("name", "context"),
    [
        ("light", {"viewport": DESKTOP, "color_scheme": "light"}),
        ("dark", {"viewport": DESKTOP, "color_scheme": "dark"}),
        ("phone", {"viewport": PHONE, "is_mobile": True, "has_touch": True, "color_scheme": "light"}),
    ],
)
def test_the_home_page_introduces_the_archive_then_counts_and_where_to_start(
    browser: Browser, base_url: str, name: str, context: dict[str, object]
) -> None:
    with open_tab(browser, base_url, **context) as tab:
        tab.open("")
        headings = tab.page.eval_on_selector_all("article h2", "els => els.map(e => e.textContent.replace('¶', '').trim())")
        assert headings == ["Where to start", "Demands at a glance", "Latest sources"]
        intro = tab.page.eval_on_selector_all("article [data-pagefind-body] > p", "els => els.map(e => e.textContent)")
        assert intro[0].startswith("An archive of political statements")
        assert intro[1].startswith("A small sample archive for the tests:") and intro[2].startswith("It holds 2 sources")
        tab.page.locator("article").get_by_role("link", name="Timeline", exact=True).click()
        tab.page.wait_for_url(base_url + "timeline/")
        tab.page.go_back()
        tab.page.wait_for_url(base_url)
        tab.shoot(f"home-orients-{name}")
        assert tab.errors == [] and tab.outside() == []
