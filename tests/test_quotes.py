from hypothesis import given, settings
from hypothesis import strategies as st

from demarche.quotes import DASHES, QUOTE_MARKS, NormalText, closest_passage, find_quote, normalise


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


def normalise_by_character(original: str) -> NormalText:
    """What normalise means, one character at a time: the definition its faster form must agree with."""
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(original):
        if ch.isspace() or ch in QUOTE_MARKS:
            continue
        for part in "-" if ch in DASHES else ch.casefold():
            chars.append(part)
            offsets.append(i)
    return NormalText("".join(chars), tuple(offsets))


@settings(max_examples=500)
@given(st.text(alphabet=st.sampled_from("aZß ﬁİΣς\t\n\u00a0\u2003\u2028-–—\"“”'‘’«»")) | st.text())
def test_normalise_agrees_with_its_definition_character_by_character(text: str) -> None:
    assert normalise(text) == normalise_by_character(text)
