"""Reading the site as researchers do (issue 13, points 1, 2 and 6), measured in a real browser on the golden site.

1. A source page puts its text at the centre: margin notes beside it on a wide screen, a compact list before it on a
   phone; each mark names its speaker on hover, on focus and to screen readers, and says in its look and in words
   whether it is a direct quote or the source's paraphrase; quoted words are as dark as the text around them.
2. No word is broken inside a table cell, on any page kind, at 390 px and 1280 px.
6. Pictures are legible on a phone: no text under 11 px, labels inside their boxes, and a wide table shows it scrolls.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import DESKTOP, PAGE_KINDS, Tab, open_tab

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
WIDTHS = {"phone": PHONE_390, "desktop": DESKTOP}
SOURCE = PAGE_KINDS["source"]
FIRST = "sergei-lavrov-the-osce-is-in-a-depressing-state"
SMALLEST_TEXT = 11  # px, as rendered

# Every word of every table cell, as the browser laid it out: a word whose letters stand on more than one line is broken.
# Hyphens, dashes and slashes are places where a line may break; a web address is no word.
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('.md-content td, .md-content th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node; (node = walker.nextNode()); ) {
      if (/^\\s*https?:\\/\\//.test(node.data)) continue;
      const words = /[^\\s\\-\\u2010-\\u2015\\/]+/g;
      for (let m; (m = words.exec(node.data)); ) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.bottom)));
        if (lines.size > 1) broken.push(`${m[0]} in "${cell.textContent.trim().slice(0, 60)}"`);
      }
    }
  }
  return broken;
}"""

# Every piece of text the reader can see, with its rendered size: an SVG text's size is scaled by its picture.
SMALL_TEXT = """(least) => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode()); ) {
    const el = node.parentElement;
    if (!node.data.trim() || !el || el.closest('script, style, title, .md-search, [hidden]')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter(r => r.width > 1 && r.height > 1);
    if (!rects.length || getComputedStyle(el).visibility === 'hidden') continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement) size *= el.getScreenCTM().a;
    if (size < least) small.push(`${size.toFixed(1)}px: ${node.data.trim().slice(0, 40)}`);
  }
  return small;
}"""


TEXT_AND_LIST = "['.dm-body', '.dm-statements'].map(s => document.querySelector(s).getBoundingClientRect().top)"


@pytest.fixture
def phone(browser: Browser, base_url: str) -> Iterator[Tab]:
    with open_tab(browser, base_url, viewport=PHONE_390, is_mobile=True, has_touch=True, color_scheme="light") as t:
        yield t


@contextmanager
def at_width(browser: Browser, base_url: str, width: str) -> Iterator[Tab]:
    """A light tab at a phone's width (390 px, touch) or a desktop's."""
    touch = {"is_mobile": True, "has_touch": True} if width == "phone" else {}
    with open_tab(browser, base_url, viewport=WIDTHS[width], color_scheme="light", **touch) as t:
        yield t


# -- 2. words whole in tables ------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_word_is_broken_inside_a_table_cell(browser: Browser, base_url: str, kind: str, width: str) -> None:
    with at_width(browser, base_url, width) as tab:
        tab.open(PAGE_KINDS[kind])
        assert tab.page.evaluate(BROKEN_WORDS) == []


def test_the_measure_sees_a_word_broken_in_a_cell(phone: Tab) -> None:
    """The measure itself can fail: with narrow cells that may break anywhere, it finds words broken in a source's table of facts."""
    phone.open(SOURCE)
    phone.page.add_style_tag(content=".md-typeset table:not([class]) :is(td, th) { word-break: break-all; width: 2rem }")
    assert phone.page.evaluate(BROKEN_WORDS) != []


# -- 6. legible pictures --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_text_under_11px_on_a_phone(phone: Tab, kind: str) -> None:
    phone.open(PAGE_KINDS[kind])
    assert phone.page.evaluate(SMALL_TEXT, SMALLEST_TEXT) == []


def test_the_measure_sees_small_text(phone: Tab) -> None:
    phone.open("timeline/")
    phone.page.add_style_tag(content=".dm-picture svg { max-width: 10rem }")
    assert phone.page.evaluate(SMALL_TEXT, SMALLEST_TEXT) != []


@pytest.mark.parametrize("kind", ["actor", "agreement", "demand", "timeline"])
def test_picture_labels_stay_inside_their_boxes_and_the_picture(phone: Tab, kind: str) -> None:
    """Every label of a node lies within its box, every text within the picture; none is cut short with an ellipsis."""
    phone.open(PAGE_KINDS[kind])
    outside = phone.page.evaluate(
        """() => {
          const out = [];
          for (const svg of document.querySelectorAll('.dm-picture svg')) {
            const box = svg.getBoundingClientRect();
            for (const text of svg.querySelectorAll('text')) {
              const r = text.getBoundingClientRect();
              if (r.left < box.left - 1 || r.right > box.right + 1) out.push('picture: ' + text.textContent);
              if (text.textContent.includes('…')) out.push('cut: ' + text.textContent);
              const rect = text.classList.contains('dm-strong') ? svg.querySelector('rect.dm-centre')
                : text.parentElement.tagName === 'a' ? text.parentElement.querySelector('rect') : null;
              if (!rect) continue;
              const b = rect.getBoundingClientRect();
              if (r.left < b.left || r.right > b.right || r.top < b.top || r.bottom > b.bottom) out.push('box: ' + text.textContent);
            }
          }
          return out;
        }"""
    )
    assert outside == []
    assert phone.page.locator(".dm-picture svg text").count() > 3


def test_timeline_has_a_legend_of_its_one_scale(phone: Tab) -> None:
    phone.open(PAGE_KINDS["timeline"])
    texts = phone.page.eval_on_selector_all(".dm-picture svg text", "els => els.map(e => e.textContent)")
    assert "MARK SIZE" in texts and "1 statement" in texts
    assert phone.page.locator(".dm-picture svg text", has_text="MARK SIZE").is_visible()


def test_a_wide_table_shows_that_it_scrolls(phone: Tab) -> None:
    """On the demands' page, the tables wider than a phone scroll within a frame whose edge is shaded while more of it
    lies beyond; the table lets that shade through."""
    phone.open(PAGE_KINDS["demands"])
    frames = phone.page.evaluate(
        """() => [...document.querySelectorAll('.md-typeset__scrollwrap')].map(w => ({
          wide: w.scrollWidth > w.clientWidth,
          shade: getComputedStyle(w).backgroundImage,
          table: getComputedStyle(w.querySelector('table')).backgroundColor,
        }))"""
    )
    wide = [f for f in frames if f["wide"]]
    assert wide, "no table wider than a phone on the demands' page: nothing to measure"
    for frame in wide:
        assert frame["shade"].count("radial-gradient") == 2 and frame["shade"].count("linear-gradient") == 2
        assert frame["table"] == "rgba(0, 0, 0, 0)"
    assert phone.page.locator(".dm-positions .dm-scroll-hint").is_visible()  # and says so in words under the positions
    phone.shoot("demands-phone-390")


def test_the_words_about_scrolling_stay_off_a_wide_screen(tab: Tab) -> None:
    tab.open(PAGE_KINDS["demands"])
    assert tab.page.locator(".dm-positions .dm-scroll-hint").is_hidden()


# -- 1. the source page -------------------------------------------------------------------------------------


def test_wide_screen_shows_the_text_first_with_statements_as_margin_notes(tab: Tab) -> None:
    tab.open(SOURCE)
    page = tab.page
    text_top, list_top = page.evaluate(TEXT_AND_LIST)
    assert text_top < list_top
    boxes = page.eval_on_selector_all(
        ".dm-text .dm-note", "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.bottom] })"
    )
    marks = page.eval_on_selector_all(".dm-text mark.dm-quote[id]", "els => els.map(e => e.getBoundingClientRect().right)")
    text_right = page.evaluate(
        "Math.max(...[...document.querySelectorAll('.dm-text p')].map(p => p.getBoundingClientRect().right))"
    )
    assert len(boxes) == len(marks) == 2
    assert all(left >= text_right for left, _, _ in boxes)  # in the margin, beside the text
    assert all(a[2] <= b[1] for a, b in itertools.pairwise(boxes))  # one under the other
    assert page.locator(".dm-text .dm-note").first.inner_text() == "1 Sergei Lavrov · 2 December 2021 · direct quote"
    tab.shoot("source-margin-notes")


def test_phone_shows_a_compact_list_before_the_text_and_no_margin_notes(phone: Tab) -> None:
    phone.open(SOURCE)
    page = phone.page
    text_top, list_top = page.evaluate(TEXT_AND_LIST)
    assert list_top < text_top
    assert page.locator(".dm-note").first.is_hidden()
    for entry in page.locator(".dm-statement").all():
        assert entry.bounding_box()["height"] < 400  # type: ignore[index]
        cite = entry.locator("details.dm-cite-one")
        assert cite.evaluate("d => !d.open") and cite.bounding_box()["height"] < 30  # type: ignore[index]
    page.locator(f"[id='{FIRST}'] details.dm-cite-one summary").click()
    assert "quoted in Elena Chernenko" in page.locator(f"[id='{FIRST}'] details.dm-cite-one").inner_text()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_mark_names_its_speaker_on_hover_on_focus_and_to_screen_readers(browser: Browser, base_url: str, width: str) -> None:
    with at_width(browser, base_url, width) as tab:
        tab.open(SOURCE)
        page = tab.page
        mark = page.locator(f"[id='q-{FIRST}']")
        mark.hover()
        assert mark.evaluate("m => getComputedStyle(m, '::after').content") == '"Sergei Lavrov, direct quote"'
        link = page.get_by_role("link", name="1 Sergei Lavrov, direct quote", exact=True)
        assert link.count() == 1
        link.focus()
        tip = link.locator(".dm-tip")
        assert tip.evaluate("t => t.getBoundingClientRect().width") > 50
        assert tip.evaluate("t => getComputedStyle(t).clipPath") == "none"
        left, right = tip.evaluate("t => [t.getBoundingClientRect().left, t.getBoundingClientRect().right]")
        assert left >= 0 and right <= WIDTHS[width]["width"]  # on the screen, however far right the number stands
        link.blur()
        page.mouse.move(0, 0)
        assert tip.evaluate("t => t.getBoundingClientRect().width") <= 1


def test_direct_quotes_and_paraphrases_differ_in_look_and_in_words(tab: Tab) -> None:
    tab.open(SOURCE)
    page = tab.page
    legend = page.locator(".dm-legend")
    assert "a direct quote" in legend.inner_text() and "the source's paraphrase" in legend.inner_text()
    look = "m => [getComputedStyle(m).borderBottomStyle, getComputedStyle(m).backgroundColor]"
    direct = legend.locator("mark.dm-direct").evaluate(look)
    reported = legend.locator("mark.dm-reported").evaluate(look)
    assert direct[0] == "solid" and reported[0] == "dashed"  # a shape, not a colour alone
    assert direct[1] != reported[1]
    in_text = page.eval_on_selector_all(".dm-text mark.dm-quote", "els => els.map(e => e.className)")
    assert in_text and all(c in ("dm-quote dm-direct", "dm-quote dm-reported") for c in in_text)
    assert page.locator(f"[id='{FIRST}'] .dm-kind").inner_text() == "direct quote"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_quoted_words_are_as_dark_as_the_text_around_them(browser: Browser, base_url: str, scheme: str) -> None:
    with open_tab(browser, base_url, viewport=DESKTOP, color_scheme="light") as tab:
        tab.open(SOURCE)
        if scheme == "dark":
            tab.page.click('label[title="Switch to dark mode"]')
            tab.page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
        colours = tab.page.evaluate(
            """() => {
              const colour = s => getComputedStyle(document.querySelector(s)).color;
              return [colour('.dm-statement > p'), colour('.dm-gist'), colour('.dm-text p'), colour('.dm-text mark.dm-quote')];
            }"""
        )
        assert len(set(colours)) == 1, colours
        tab.shoot(f"source-reading-{scheme}")


def test_statement_anchors_and_permalinks_still_land(tab: Tab) -> None:
    for anchor in (FIRST, f"q-{FIRST}"):
        tab.page.goto("about:blank")
        tab.open(f"{SOURCE}#{anchor}")
        assert tab.page.evaluate("document.querySelector(':target')?.id") == anchor
        tab.page.wait_for_function(
            "id => { const r = document.getElementById(id).getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight }",
            arg=anchor,
        )
