"""The plan: every page as a frozen record whose context is all it shows, so contexts tell which pages an edit touches."""

from __future__ import annotations

from collections.abc import Callable

from demarche.link import link
from demarche.pipeline import Project, check, plan_site
from demarche.plan import Page
from tests.conftest import MINIMAL


def planned(p: Project) -> dict[str, Page]:
    archive, _ = check(p)
    pages, _ = plan_site(link(archive), p.site_info())
    return {page.doc: page for page in pages}


def test_contexts_are_plain_values_that_compare_and_hash(project: Callable[..., Project]) -> None:
    p = project()
    first, again = planned(p), planned(p)
    assert first == again
    assert len({hash(page) for page in first.values()}) == len(first)
    assert first["actors/nato.md"].url == "actors/nato/" and first["index.md"].url == ""


def test_comparing_contexts_finds_the_pages_an_edit_touches(project: Callable[..., Project]) -> None:
    before = planned(project())
    source = "sources/texts/2021/lavrov-osce.md"
    placed = str(MINIMAL[source]).replace("publisher: Kommersant\n", "publisher: Kommersant\n        place: Stockholm\n")
    after = planned(project({source: placed}))
    assert sorted(before) == sorted(after)
    assert [doc for doc in before if before[doc] != after[doc]] == ["sources/lavrov-osce.md"]
