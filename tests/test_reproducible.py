"""Reproducible output: the same archive builds the same bytes, in any folder, at any time; the dates
MkDocs writes come from the archive, and the build's stamp stays out of site/."""

from __future__ import annotations

import calendar
import gzip
import re
import time
from datetime import date
from pathlib import Path

import pytest

from demarche.pipeline import Project, build, output_packages
from tests.conftest import make_project
from tests.faults import tree
from tests.golden import golden_files

pytestmark = pytest.mark.slow

LATEST = date(2022, 1, 8)  # the latest date in the golden archive (a source's)


def built(folder: Path) -> Project:
    project = make_project(folder, golden_files())
    build(project)
    return project


@pytest.fixture
def unset_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.mark.usefixtures("unset_epoch")
def test_two_clean_builds_are_byte_identical(tmp_path: Path) -> None:
    """In two folders, the second started in a later second of the clock (the gzip header of
    sitemap.xml.gz holds seconds)."""
    started = time.time()
    one = built(tmp_path / "one")
    while time.time() < started + 1:  # a condition, not a sleep: the clock has moved on by a second
        time.sleep(0.05)
    two = built(tmp_path / "elsewhere" / "two")
    a, b = tree(one.site), tree(two.site)
    assert len(a) > 50 and a.keys() == b.keys()
    assert [rel for rel in a if a[rel] != b[rel]] == []
    assert tree(one.docs) == tree(two.docs)


def lastmods(site: Path) -> dict[str, str]:
    """Each page of sitemap.xml (its URL after the site's address) and its date."""
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    found = re.findall(r"<loc>https://[^/]+/[^/]+/(.*?)</loc>\s*<lastmod>(.*?)</lastmod>", sitemap)
    assert len(found) == sitemap.count("<url>") > 20
    return dict(found)


@pytest.mark.usefixtures("unset_epoch")
def test_sitemap_dates_come_from_the_archive(tmp_path: Path) -> None:
    """A page is dated by the latest record it shows; a page that shows none (about, the field reference) by the archive's latest."""
    site = built(tmp_path / "p").site
    dates = lastmods(site)
    assert dates["sources/kommersant-lavrov-osce-excerpt/"] == "2021-12-04"  # a source: its own date
    assert dates["sources/whitehouse-background-call-russia-excerpt/"] == "2022-01-08"
    assert dates["agreements/charter-for-european-security-1999/"] == "1999-11-19"  # signed then, in no dated text since
    assert dates["agreements/inf-treaty/"] == "2022-01-08"  # signed in 1987, mentioned in the 2022 text
    assert dates["about/"] == dates["reference/fields/"] == dates[""] == LATEST.isoformat()
    assert max(dates.values()) == LATEST.isoformat() and len(set(dates.values())) > 2
    packed = (site / "sitemap.xml.gz").read_bytes()
    assert gzip.decompress(packed) == (site / "sitemap.xml").read_bytes()
    assert int.from_bytes(packed[4:8], "little") == calendar.timegm(LATEST.timetuple())  # the gzip header's MTIME


def test_source_date_epoch_when_set_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It dates what the archive does not: the build, and the pages that show no dated record."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    site = built(tmp_path / "p").site
    dates = lastmods(site)
    assert dates["about/"] == dates["reference/fields/"] == "2023-11-14"
    assert dates["sources/kommersant-lavrov-osce-excerpt/"] == "2021-12-04"
    assert int.from_bytes((site / "sitemap.xml.gz").read_bytes()[4:8], "little") == 1699920000  # MkDocs keeps the day


def test_the_stamp_is_not_published(tmp_path: Path) -> None:
    project = built(tmp_path / "p")
    assert [rel for rel in tree(project.site) if "stamp" in rel or rel.startswith(".")] == []
    assert (project.state / "site-stamp").is_file()


def test_the_stamp_covers_every_package_that_shapes_the_site() -> None:
    names = {package.partition("==")[0] for package in output_packages()}
    assert {
        "mkdocs",
        "mkdocs-material",
        "markdown",
        "pymdown-extensions",
        "jinja2",
        "markupsafe",
        "pygments",
        "babel",
        "pagefind",
        "pagefind-bin",
    } <= names


def test_a_site_changed_since_its_build_is_built_again(tmp_path: Path) -> None:
    """The stamp records site/ as its build left it: a site/ that anything else changed is not up to date."""
    project = built(tmp_path / "p")
    before = tree(project.site)
    (project.site / "index.html").write_text("replaced", encoding="utf-8")
    (project.site / "404.html").unlink()
    _, published = build(project)
    assert published and tree(project.site) == before
    _, published = build(project)
    assert not published
