import difflib
import heapq

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demarche.quotes import ANCHOR_BUDGET, DASHES, QUOTE_MARKS, NormalText, closest_passage, find_quote, normal_word, normalise


def found(quote: str, body: str) -> str | None:
    span = find_quote(quote, normalise(body))
    return body[span.start : span.end] if span else None


def test_ignores_quotation_marks_white_space_dashes_and_case() -> None:
    body = "He said: “The best way to avoid a crisis is diplomacy, ”said Anthony Blinken — twice."
    assert found('the best way to avoid a crisis is diplomacy," said Anthony Blinken - twice', body) == (
        "The best way to avoid a crisis is diplomacy, ”said Anthony Blinken — twice"
    )


def test_seed_irregular_marks_do_not_defeat_matching() -> None:
    body = "Russia will take “retaliatory measures to correct the military-strategic balance “."
    assert found("retaliatory measures to correct the military-strategic balance.", body) is not None
    body = "contain “authoritarian regimes”, “the Russian minister said."
    assert found('contain "authoritarian regimes",', body) == "contain “authoritarian regimes”,"


def test_other_differences_still_fail() -> None:
    assert found("legally binding guarantees", "legally-binding guarantees") is None
    assert found("NATO expansion", "NATO enlargement") is None


def test_closest_passage_points_at_the_likely_text() -> None:
    body = "Lavrov said the OSCE is in a depressing state. Then he spoke of walls."
    assert "OSCE is in a depressing state" in closest_passage("the OSCE is in depressing state", body)


def normalise_by_character(original: str) -> tuple[str, list[int]]:
    """What normalise means, one character at a time: the definition its faster form must agree with (the text,
    and where each of its characters came from)."""
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(original):
        if ch.isspace() or ch in QUOTE_MARKS:
            continue
        for part in "-" if ch in DASHES else ch.casefold():
            chars.append(part)
            offsets.append(i)
    return "".join(chars), offsets


def spelt_out(normal: NormalText) -> tuple[str, list[int]]:
    return normal.text, [normal.origin(i) for i in range(len(normal.text))]


@settings(max_examples=500)
@given(st.text(alphabet=st.sampled_from("aZß ﬁİΣς\t\n\u00a0\u2003\u2028-–—\"“”'‘’«»")) | st.text())
def test_normalise_agrees_with_its_definition_character_by_character(text: str) -> None:
    assert spelt_out(normalise(text)) == normalise_by_character(text)


@settings(max_examples=200)
@given(st.lists(st.sampled_from(["a", "Б", " ", "\n\n", " " * 70, "“", "—", "x" * 65]), max_size=60))
def test_where_a_character_came_from_is_found_across_blocks_of_white_space(parts: list[str]) -> None:
    """Runs of white space longer than a block, and words that cross blocks, as long texts have."""
    text = "".join(parts)
    assert spelt_out(normalise(text)) == normalise_by_character(text)


@pytest.mark.parametrize("original", ["a b", "a ß"], ids=["by blocks", "spelt out"])
def test_a_position_outside_the_text_has_no_origin(original: str) -> None:
    normal = normalise(original)
    for i in (-1, len(normal.text)):
        with pytest.raises(IndexError):
            normal.origin(i)


def closest_by_every_window(quote: str, body: str, candidates: int = 24) -> str:
    """What closest_passage means: every window of the quote's length scored, the best few compared letter by letter."""
    words = body.split()
    if not words:
        return ""
    size = max(1, len(quote.split()))
    wanted = {normalise(w).text for w in quote.split()}
    starts = range(max(1, len(words) - size + 1))
    scores = [sum(1 for w in words[s : s + size] if normalise(w).text in wanted) for s in starts]
    chosen = heapq.nlargest(candidates, starts, key=lambda i: (scores[i], -i))
    best, best_ratio = "", -1.0
    for start in sorted(chosen):
        window = " ".join(words[start : start + size])
        ratio = difflib.SequenceMatcher(None, normalise(quote).text, normalise(window).text, autojunk=False).ratio()
        if ratio > best_ratio:
            best, best_ratio = window, ratio
    return best if len(best) <= 160 else best[:159] + "…"


WORDS = st.lists(st.sampled_from(["the", "OSCE", "is", "in", "a", "depressing", "state,", "“The", "NATO", "—", "'s", "x"]))


@settings(max_examples=300)
@given(WORDS, WORDS, st.sampled_from([" ", "\n", "\n\n "]))
def test_closest_passage_agrees_with_scoring_every_window(quote: list[str], body: list[str], space: str) -> None:
    """While the quote's words stand fewer times than the anchor budget, only the order of work differs."""
    assert closest_passage(" ".join(quote) or "x", space.join(body)) == closest_by_every_window(
        " ".join(quote) or "x", space.join(body)
    )


@given(st.text().filter(lambda t: not any(ch.isspace() for ch in t)))
def test_a_word_is_normalised_as_a_text_is(word: str) -> None:
    assert normal_word(word) == normalise(word).text


def test_closest_passage_finds_a_sentence_among_thousands_of_common_words() -> None:
    """The quote's common words stand everywhere; its rare ones lead to the passage, past the anchor budget."""
    filler = "the state is in the state of the art and the rest is a state of mind. " * 3000
    sentence = "Lavrov said the OSCE is in a depressing state and the architecture is collapsing."
    body = filler + sentence + " " + filler
    quote = "the OSCE is in depressing state and the architecture is collapsing"
    assert body.split().count("the") > ANCHOR_BUDGET
    assert closest_passage(quote, body) == "OSCE is in a depressing state and the architecture is collapsing."
