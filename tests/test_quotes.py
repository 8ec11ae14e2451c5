from demarche.quotes import closest_passage, find_quote, normalise


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
    assert closest_passage("the OSCE is in depressing state", body).startswith("the OSCE is in a")
