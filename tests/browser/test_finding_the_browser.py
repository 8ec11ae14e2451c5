"""Without a browser the suite skips and says why, except in CI, where it fails: CI must never pass without it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import require_chromium

MISSING = "no browser: Chromium is not at /usr/bin/chromium nor on PATH (install Debian's chromium package)"


def test_a_missing_browser_skips_the_test_and_says_why() -> None:
    with pytest.raises(pytest.skip.Exception, match=r"^no browser: Chromium is not at /usr/bin/chromium"):
        require_chromium(None, {})
    with pytest.raises(pytest.skip.Exception):
        require_chromium(None, {"CI": "false"})


def test_a_missing_browser_fails_the_test_in_ci() -> None:
    with pytest.raises(pytest.fail.Exception) as failed:
        require_chromium(None, {"CI": "true"})
    assert str(failed.value) == f"{MISSING}; CI is true, so the browser tests must run"


def test_a_found_browser_is_used() -> None:
    assert require_chromium("/usr/bin/chromium", {"CI": "true"}) == "/usr/bin/chromium"
