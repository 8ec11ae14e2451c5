"""The golden sample archive generates exactly the committed files, byte for byte (refresh with `make golden`)."""

from pathlib import Path

from tests.golden import EXPECTED, golden_pages


def test_generated_pages_match_the_committed_expected_output(tmp_path: Path) -> None:
    pages = golden_pages(tmp_path / "golden")
    expected = {p.relative_to(EXPECTED).as_posix(): p.read_bytes() for p in EXPECTED.rglob("*") if p.is_file()}
    assert sorted(pages) == sorted(expected), "pages added or removed: run `make golden` if intended"
    for doc, data in pages.items():
        assert data == expected[doc], f"{doc} differs from tests/golden/expected/{doc}: run `make golden` if intended"
