"""Pictures: the timeline, the neighbourhoods and the positions table, drawn from real archives."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from demarche import svg, urls
from demarche.link import Graph, link
from demarche.pipeline import Project, check


def graph_of(project: Project) -> Graph:
    archive, problems = check(project)
    assert [p for p in problems if p.severity == "error"] == []
    return link(archive)


def crowd(speakers: int, days: int = 1, demand_of: int = 1) -> dict[str, str | bytes | None]:
    """An archive change: `speakers` actors, each saying one sentence a day for `days` days, all making one demand."""
    files: dict[str, str | bytes | None] = {}
    for i in range(1, speakers + 1):
        files[f"sources/actors/speaker-{i}.md"] = f"---\nname: Speaker {i:02d}\nkind: person\n---\nA speaker.\n"
    body, statements = [], []
    first = date(2021, 12, 1)
    for i in range(1, speakers + 1):
        for d in range(days):
            sentence = f"Speaker {i} says thing {d}."
            body.append(sentence)
            statements.append(
                f"  - speaker: speaker-{i}\n    quote: {sentence!r}\n    date: {first + timedelta(days=d)}\n"
                f"    id: s{i}-d{d}\n    makes: [no-further-nato-enlargement]\n"
            )
    last = first + timedelta(days=days - 1)
    files[f"sources/texts/{last.year}/crowd.md"] = (
        f"---\ntitle: Crowd\ndate: {last}\nkind: article\nstatements:\n" + "".join(statements) + "---\n" + "\n".join(body) + "\n"
    )
    of = ", ".join(f"speaker-{i}" for i in range(1, demand_of + 1))
    files["sources/demands/no-further-nato-enlargement.md"] = (
        f"---\ntitle: No further NATO enlargement\nby: [russia]\nof: [{of}]\n---\nD.\n"
    )
    return files


@pytest.mark.parametrize(
    ("page", "target", "anchor", "expected"),
    [
        ("demands/x.md", "actors/nato.md", "", "../../actors/nato/"),
        ("timeline.md", "sources/s.md", "st", "../sources/s/#st"),
        ("index.md", "actors/nato.md", "", "actors/nato/"),
        ("demands/index.md", "index.md", "", "../"),
        ("actors/nato.md", "actors/nato.md", "a", "./#a"),
    ],
)
def test_href_is_relative_to_the_published_directory(page: str, target: str, anchor: str, expected: str) -> None:
    assert urls.href(page, target, anchor) == expected


@pytest.mark.parametrize(
    ("first", "last", "unit"),
    [
        (date(2021, 12, 1), date(2021, 12, 31), "day"),
        (date(2021, 12, 1), date(2022, 2, 28), "week"),
        (date(2019, 1, 1), date(2021, 6, 1), "month"),
        (date(1990, 1, 1), date(2021, 6, 1), "year"),
        (date(1900, 1, 1), date(2021, 6, 1), "10 years"),
        (date(1000, 1, 1), date(2021, 6, 1), "100 years"),
    ],
)
def test_choose_unit_fits_the_span_into_the_bins(first: date, last: date, unit: str) -> None:
    chosen = svg.choose_unit(first, last)
    assert chosen.name == unit
    assert chosen.key(last) - chosen.key(first) < svg.TIMELINE_BINS


def test_shorten_and_tick_labels() -> None:
    assert svg.shorten("The further advance of NATO to the east", 30) == "The further advance of NATO…"
    assert svg.tick_labels(["29 Nov 2021", "13 Dec 2021", "10 Jan 2022", "2023"]) == [
        "29 Nov 2021",
        "13 Dec",
        "10 Jan 2022",
        "2023",
    ]


def test_timeline_caps_rows_and_says_how_many_more(project: Callable[..., Project]) -> None:
    graph = graph_of(project(crowd(15)))
    picture = svg.timeline(graph, "timeline.md")
    rows = re.findall(r'class="dm-label">([^<]+)<', picture)
    assert len(rows) == svg.TIMELINE_ROWS
    assert rows[0] == "Sergei Lavrov · 1 statement"  # ties in count are ordered by name
    assert "16 statements, 1 December 2021 to 2 December 2021, one row per speaker" in picture
    assert "(the 12 with the most statements; 4 more speakers are in the list below)" in picture
    marks = re.findall(r'<a href="([^"]+)"><title>[^<]*</title><circle', picture)
    assert len(marks) == svg.TIMELINE_ROWS
    assert "../sources/crowd/#s1-d0" in marks and "../sources/lavrov-osce/#" + graph.timeline[-1].statement.id in marks


def test_timeline_groups_dense_statements_and_stays_bounded(project: Callable[..., Project]) -> None:
    graph = graph_of(project(crowd(14, days=70)))
    picture = svg.timeline(graph, "timeline.md")
    marks = len(re.findall(r"</title><circle", picture))
    assert marks == svg.TIMELINE_ROWS * 11  # 70 days from Wednesday 1 December 2021 touch 11 weeks
    assert "Marks group the statements of one week" in picture
    assert "Speaker 01: 7 statements, week of 6 Dec 2021; the first: “Speaker 1 says thing 5.”" in picture
    assert len(picture) < 120_000


def _marks(picture: str) -> list[tuple[str, float]]:
    """Each mark of a timeline: its tooltip, and its radius."""
    found = re.findall(r"<title>([^<]+)</title><circle [^>]* r=\"([0-9.]+)\"", picture)
    return [(who, float(r)) for who, r in found]


def test_timeline_marks_share_one_scale_and_a_legend_shows_it(project: Callable[..., Project]) -> None:
    """A speaker whose busiest week holds 2 statements gets the mark of 2 statements on the scale of the busiest week of
    all (7), not the largest mark of its own row."""
    files = crowd(1, days=70)
    text = files["sources/texts/2022/crowd.md"]
    assert isinstance(text, str)
    extra = "".join(
        f"  - speaker: sergei-lavrov\n    quote: 'Lavrov says point {d}.'\n    date: 2021-12-0{d}\n    id: l{d}\n" for d in (6, 7)
    )
    head, _, body = text.partition("---\n")[2].partition("---\n")
    files["sources/texts/2022/crowd.md"] = f"---\n{head}{extra}---\n{body}Lavrov says point 6. Lavrov says point 7.\n"
    picture = svg.timeline(graph_of(project(files)), "timeline.md")
    radii = _marks(picture)
    assert max(r for _, r in radii) == svg.mark_radius(7, 7) == svg.LARGEST
    (two,) = [r for who, r in radii if who.startswith("Sergei Lavrov: 2 statements")]
    assert two == round(svg.mark_radius(2, 7), 1) < svg.LARGEST
    assert ">MARK SIZE</text>" in picture and ">1 statement</text>" in picture and ">7 statements</text>" in picture


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("No further NATO enlargement to the east", 14, ["No further", "NATO", "enlargement to", "the east"]),
        ("Intermediate-Range Nuclear Forces Treaty", 14, ["Intermediate-", "Range Nuclear", "Forces Treaty"]),
        ("Supercalifragilisticexpialidocious word", 10, ["Supercali-", "fragilist-", "icexpiali-", "docious", "word"]),
        (
            "Ministry of Foreign Affairs of the Russian Federation",
            14,
            ["Ministry of", "Foreign", "Affairs of the", "Russian", "Federation"],
        ),
    ],
)
def test_labels_wrap_whole_never_cut(text: str, width: int, lines: list[str]) -> None:
    assert svg.wrap_whole(text, width) == lines
    assert all(len(line) <= width for line in lines)


def test_pictures_escape_every_text(project: Callable[..., Project]) -> None:
    hostile = '<script>alert("x")</script> & Co'
    p = project({"sources/actors/sergei-lavrov.md": f"---\nname: '{hostile}'\nkind: person\n---\nx\n"})
    graph = graph_of(p)
    actor = graph.actors["sergei-lavrov"]
    pictures = [
        svg.timeline(graph, "timeline.md"),
        svg.neighbourhood("actors/sergei-lavrov.md", actor.name, svg.actor_groups(graph, actor)),
        svg.positions_table(graph, "demands/index.md"),
    ]
    for picture in pictures:
        assert "<script" not in picture and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in picture


def test_neighbourhood_caps_each_group_and_links_every_node(project: Callable[..., Project]) -> None:
    graph = graph_of(project(crowd(8, demand_of=8)))
    demand = graph.demands["no-further-nato-enlargement"]
    picture = svg.neighbourhood("demands/no-further-nato-enlargement.md", demand.title, svg.demand_groups(graph, demand))
    assert picture.startswith('<div class="dm-picture" markdown="0" data-pagefind-ignore>\n<svg ')
    assert ">BY</text>" in picture and ">OF</text>" in picture
    more = '<a href="./#{}"><title>{}</title><text x="{}" y="[0-9.]+" text-anchor="start" class="dm-more">\\+ {} more</text></a>'
    assert re.search(
        more.format("every-statement-on-it-in-date-order", "By: all 10", 2, 5), picture
    )  # Russia, 8 speakers, Lavrov
    assert re.search(more.format("facts", "Of: all 8", 280, 3), picture)  # of 8 speakers
    nodes = re.findall(r'<a href="([^"]+)"><title>([^<]+)</title><rect', picture)
    assert len(nodes) == 2 * svg.GROUP_NODES + 1
    assert nodes[0] == ("../../actors/russia/", "Russia") and nodes[1] == ("../../actors/speaker-1/", "Speaker 01")
    assert ("../../agreements/bucharest-summit-declaration-2008/", "Agreement: Bucharest Summit Declaration") in nodes
    assert "19 linked records (11 shown; the others are listed below)." in picture


def test_neighbourhood_draws_nothing_without_related_records(project: Callable[..., Project]) -> None:
    graph = graph_of(project())
    groups = [g for g in svg.actor_groups(graph, graph.actors["nato"]) if g.nodes]
    assert [(g.heading, [n.label for n in g.nodes]) for g in groups] == [
        ("Demanded of it", ["No further NATO enlargement to the east"])
    ]
    assert svg.neighbourhood("actors/nato.md", "NATO", [g for g in groups if g.side == "left"]) == ""


def test_positions_table_has_the_leading_actors_then_more(project: Callable[..., Project]) -> None:
    graph = graph_of(project(crowd(8)))
    table = svg.positions_table(graph, "demands/index.md")
    heads = re.findall(r"<th>(?:<a [^>]+>)?([^<]+)", table)
    assert heads == ["Demand", "Sergei Lavrov", "Speaker 01", "Speaker 02", "Speaker 03", "Speaker 04", "Speaker 05", "More"]
    assert '<td><a href="../sources/crowd/#s1-d0">made 1</a></td>' in table
    assert '<td><a href="no-further-nato-enlargement/">3 more</a></td>' in table


# -- in the built site ----------------------------------------------------------------------------


class _Links(HTMLParser):
    """Every href inside the pictures of a page, and every id of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "div" and (a.get("class") or "") in ("dm-picture", "dm-positions"):
            self.depth = 1
        elif tag == "div" and self.depth:
            self.depth += 1
        if tag == "a" and self.depth and a.get("href"):
            self.hrefs.append(str(a["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.depth:
            self.depth -= 1


def parse(path: Path) -> _Links:
    links = _Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


@pytest.mark.slow
def test_pictures_reach_the_built_html_intact_and_every_link_lands(golden_site: Project) -> None:
    site = golden_site.root / "site"
    pages = {
        "timeline.md": "timeline/",
        "demands/index.md": "demands/",
        "demands/no-further-nato-enlargement.md": "demands/no-further-nato-enlargement/",
        "actors/united-states.md": "actors/united-states/",
        "agreements/inf-treaty.md": "agreements/inf-treaty/",
    }
    checked = 0
    for doc, url in pages.items():
        markdown = (golden_site.docs / doc).read_text(encoding="utf-8")
        start = markdown.index('<div class="dm-p')
        block = markdown[start : markdown.index("\n</div>\n", start) + 7]
        html_file = site / url / "index.html"
        assert block in html_file.read_text(encoding="utf-8"), f"the picture of {doc} was changed by Markdown"
        for href in parse(html_file).hrefs:
            target = urlsplit(urljoin(f"http://site/{url}", href))
            landing = site / target.path.lstrip("/") / "index.html"
            assert landing.exists(), f"{doc}: {href} lands nowhere"
            assert not target.fragment or target.fragment in parse(landing).ids, f"{doc}: {href} has no anchor there"
            checked += 1
    assert checked >= 12


@pytest.mark.slow
def test_each_group_names_the_list_that_holds_all_its_records(golden_site: Project) -> None:
    """Where a group says "+ N more", its link goes to a list on the same page: that anchor stands on every record page
    whose picture has the group."""
    graph = graph_of(golden_site)
    site = golden_site.root / "site"
    pages: list[tuple[str, list[svg.Group]]] = [
        *((f"actors/{a.id}/", svg.actor_groups(graph, a)) for a in graph.archive.actors),
        *((f"demands/{d.id}/", svg.demand_groups(graph, d)) for d in graph.archive.demands),
        *((f"agreements/{a.id}/", svg.agreement_groups(graph, a)) for a in graph.archive.agreements),
    ]
    checked = set()
    for url, groups in pages:
        ids = parse(site / url / "index.html").ids
        for group in groups:
            if group.nodes:
                assert group.more in ids, f"{url}: {group.heading} names #{group.more}, which is not on the page"
                checked.add(group.heading)
    assert len(checked) >= 8
