"""The browser suite: the golden archive (built once a run, tests/conftest.py), served on 127.0.0.1, driven by Debian's Chromium.

A test skips only when no browser can be found, and says so; when CI is "true" a missing browser
fails instead, so a CI run can never pass without the browser tests.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

from demarche.pipeline import Project
from tests.conftest import ROOT

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
# assets/search.js says so on <html> once the header's search box (and the search page's form) listen: the last
# thing a page sets up. It fetches Pagefind's index only when a reader searches.
SEARCH_READY = "document.documentElement.dataset.search === 'ready'"
ELSEWHERE = re.compile(r"^(?!http://127\.0\.0\.1[:/])")  # every address not on this machine: refused

# One page of every kind the site has, by the name its screenshots get.
PAGE_KINDS = {
    "home": "",
    "sources": "sources/",
    "sources-year": "sources/by-year/2021/",
    "source": "sources/kommersant-lavrov-osce-excerpt/",
    "actors": "actors/",
    "actor": "actors/sergei-lavrov/",
    "agreements": "agreements/",
    "agreement": "agreements/inf-treaty/",
    "demands": "demands/",
    "demand": "demands/no-further-nato-enlargement/",
    "timeline": "timeline/",
    "timeline-year": "timeline/2021/",
    "open-data": "open-data/",
    "about": "about/",
    "rights": "rights/",
}


def chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def require_chromium(found: str | None, environ: Mapping[str, str]) -> str:
    """The Chromium to drive: skip the test when there is none, but fail it when CI is "true"."""
    if found is None:
        reason = "no browser: Chromium is not at /usr/bin/chromium nor on PATH (install Debian's chromium package)"
        if environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI is true, so the browser tests must run")
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    path = require_chromium(chromium(), os.environ)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A browser that closes a connection early (a page left, a fetch cancelled) is no error of the site."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[str]:
    """Serve folder on a free port of 127.0.0.1 while the block runs; yields its base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def base_url(golden_site: Project) -> Iterator[str]:
    """The golden site served for one module: no thread is left to the modules that run after it in this process
    (a build works on both processors only where it runs no other thread: cores.can_share)."""
    with serving(golden_site.root / "site") as url:
        yield url


@dataclass
class Tab:
    """A page in a fresh browser context that records every request and every console error."""

    page: Page
    base: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, path: str) -> None:
        """Load a page of the site and wait until its search is ready: the last thing a page sets up, so late errors
        are caught."""
        response = self.page.goto(self.base + path, wait_until="load")
        assert response is not None and response.ok, f"{path}: {response.status if response else 'no response'}"
        self.page.wait_for_function(SEARCH_READY)

    def path(self) -> str:
        """The current address, relative to the site: 'sources/x/#anchor'."""
        url = urlsplit(self.page.url)
        return url.path.lstrip("/") + (f"#{url.fragment}" if url.fragment else "")

    def outside(self) -> list[str]:
        """Requests for anything not on 127.0.0.1 (they are refused, and listed here)."""
        return [u for u in self.requests if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname != "127.0.0.1"]

    def shoot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@contextmanager
def open_tab(browser: Browser, base: str, **context: Any) -> Iterator[Tab]:
    ctx = browser.new_context(**context)
    tab = Tab(ctx.new_page(), base)

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            tab.errors.append(f"{tab.page.url}: {message.text}")

    def request(r: Request) -> None:
        tab.requests.append(r.url)

    ctx.route(ELSEWHERE, lambda route: route.abort())
    ctx.on("request", request)
    tab.page.on("console", console)
    tab.page.on("pageerror", lambda error: tab.errors.append(f"{tab.page.url}: {error}"))
    try:
        yield tab
    finally:
        ctx.close()


@pytest.fixture
def tab(browser: Browser, base_url: str) -> Iterator[Tab]:
    """A desktop tab in the light palette."""
    with open_tab(browser, base_url, viewport=DESKTOP, color_scheme="light") as t:
        yield t
