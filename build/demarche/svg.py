"""Pictures of the archive, drawn at build time as HTML and SVG inside the page: no script, no other host.

Every function returns a block of raw HTML wrapped in `<div class="dm-picture" markdown="0">`, so
Markdown leaves it alone. MkDocs does not rewrite links inside raw HTML, so each link is the final
relative URL from the page's published address (`urls.href`). Every text goes through `html.escape`.
Sizes are capped (rows, columns, nodes, bins), so no picture grows with the size of the archive.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from demarche.link import ROLES, Graph, Said, Stance
from demarche.records import Actor, Agreement, Demand
from demarche.text import MONTHS, human_date, parse_date
from demarche.urls import doc_path, href

WIDTH = 400  # the viewBox width: pictures scale to the page, about 0.85 on a 390px phone
FONT = 14  # the viewBox font size: about 12px on a 390px phone (headings, 13, about 11px; demarche.css)
LINE = 16  # the height of a line of text
TIMELINE_ROWS = 12  # actors in the timeline picture
TIMELINE_BINS = 32  # columns at most: statements are grouped by day, week, month or years to fit
GROUP_NODES = 5  # nodes of one kind around a record before "+ N more"
TABLE_ACTORS = 6  # actor columns of the positions table before "More"
QUOTE_IN_TITLE = 90  # characters of a quote in a tooltip
CHAR_WIDTH = 7.6  # about the width of a character at font size 14, for spacing labels
_PIECE = re.compile(r"[^\s-]*-+|[^\s-]+")  # a word, or the part of one up to a hyphen: Intermediate- Range


def esc(text: object) -> str:
    return html.escape(" ".join(str(text).split()), quote=True)


def shorten(text: str, limit: int) -> str:
    """Text cut to `limit` characters with "…", at a word's end where that keeps most of it."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ") if flat[limit - 1] != " " else -1
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "…"


def wrap_whole(text: str, width: int) -> list[str]:
    """Word wrap into lines of about `width` characters that keep all of the text, breaking after hyphens too:
    a word too long for a line is split with a hyphen, so a label wraps instead of being cut."""
    flat = " ".join(text.split())
    pieces: list[tuple[str, str]] = []  # (what joins it to the piece before: " " or "", the piece)
    for m in _PIECE.finditer(flat):
        glue, word = " " if m.start() and flat[m.start() - 1] == " " else "", m.group()
        while len(word) > width:
            pieces.append((glue, word[: width - 1] + "-"))
            glue, word = "", word[width - 1 :]
        pieces.append((glue, word))
    lines: list[str] = []
    for glue, piece in pieces:
        if lines and len(lines[-1]) + len(glue) + len(piece) <= width:
            lines[-1] += glue + piece
        else:
            lines.append(piece)
    return lines


def _figure(label: str, svg_body: str, height: float, caption: str) -> str:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:g}" width="100%" '
        f'fill="currentColor" font-size="{FONT}">\n'
        f"<title>{esc(label)}</title>\n{svg_body}</svg>"
    )
    return f'<div class="dm-picture" markdown="0" data-pagefind-ignore>\n{svg}\n<p class="dm-caption">{esc(caption)}</p>\n</div>'


def _link(url: str, tooltip: str, inner: str) -> str:
    return f'<a href="{esc(url)}"><title>{esc(tooltip)}</title>{inner}</a>'


def _text(x: float, y: float, text: str, cls: str = "", anchor: str = "start") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{x:g}" y="{y:g}" text-anchor="{anchor}"{klass}>{esc(text)}</text>'


# -- the timeline ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A calendar unit for grouping statements: a date's bin number, and a bin's label."""

    name: str
    key: Callable[[date], int]
    label: Callable[[int], str]


def _years(n: int) -> Unit:
    return Unit(f"{n} years", lambda d: d.year // n, lambda k: f"{k * n}–{k * n + n - 1}")


UNITS = (
    Unit("day", lambda d: d.toordinal(), lambda k: _short(date.fromordinal(k))),
    Unit("week", lambda d: (d.toordinal() - 1) // 7, lambda k: _short(date.fromordinal(k * 7 + 1))),
    Unit("month", lambda d: d.year * 12 + d.month - 1, lambda k: f"{MONTHS[k % 12][:3]} {k // 12}"),
    Unit("year", lambda d: d.year, str),
)


def _short(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}"


def tick_labels(labels: Sequence[str]) -> list[str]:
    """Axis labels with the year only where it changes: 29 Nov 2021, 13 Dec, 27 Dec, 10 Jan 2022."""
    out = []
    for i, label in enumerate(labels):
        head, _, year = label.rpartition(" ")
        same = i > 0 and bool(head) and labels[i - 1].endswith(" " + year)
        out.append(head if same else label)
    return out


def choose_unit(first: date, last: date, most: int = TIMELINE_BINS) -> Unit:
    """The finest unit that spans first..last in at most `most` bins."""
    for unit in UNITS:
        if unit.key(last) - unit.key(first) < most:
            return unit
    n = 10
    while last.year // n - first.year // n >= most:
        n *= 10
    return _years(n)


def leading(counts: Counter[str], names: dict[str, str], most: int) -> list[str]:
    """The ids with the highest counts (ties by name), at most `most`."""
    return sorted(counts, key=lambda k: (-counts[k], names[k].casefold(), k))[:most]


@dataclass(frozen=True)
class Scale:
    """Where statements go across the timeline: their unit, the first bin and the width of one."""

    unit: Unit
    first: int
    bins: int
    left: float = 8
    plot: float = WIDTH - 16

    @property
    def step(self) -> float:
        return self.plot / self.bins

    def x(self, k: int) -> float:
        return self.left + (k + 0.5) * self.step


TOP, MARKS_H = 4, 22  # above the first row; a row's line of marks, under its label
LABEL_CHARS = 48  # characters on one line of a row's label at font size 14
SMALLEST, LARGEST = 3.5, 7.5  # the radius of a mark for one statement, and for the most statements in one mark


def timeline(graph: Graph, page: str) -> str:
    """Statements over time: one row per leading actor, one mark per statement (or per bin when dense).

    Marks share one scale across the rows, which a legend shows when a mark may stand for several statements.
    """
    if not graph.timeline:
        return ""
    counts = Counter({actor_id: len(said) for actor_id, said in graph.said_by.items()})
    rows = leading(counts, {a: graph.actors[a].name for a in counts}, TIMELINE_ROWS)
    dates = [parse_date(s.statement.date) for s in graph.timeline]
    unit = choose_unit(min(dates), max(dates))
    scale = Scale(unit, unit.key(min(dates)), unit.key(max(dates)) - unit.key(min(dates)) + 1)
    bins: dict[str, dict[int, list[Said]]] = {a: {} for a in rows}
    for said, d in zip(graph.timeline, dates, strict=True):
        if said.speaker.id in bins:
            bins[said.speaker.id].setdefault(unit.key(d) - scale.first, []).append(said)
    biggest = max(len(items) for row in bins.values() for items in row.values())
    body: list[str] = []
    y = float(TOP)
    for actor_id in rows:
        drawn, y = _timeline_row(page, graph.actors[actor_id], counts[actor_id], bins[actor_id], scale, y, biggest)
        body += drawn
    axis_y = y + 6
    body += _timeline_axis(scale, axis_y)
    legend, height = _timeline_legend(biggest, axis_y + 52)
    body += legend
    caption = _timeline_caption(len(graph.timeline), len(rows), len(counts), unit.name, graph.timeline)
    return _figure("Statements over time, by actor", "\n".join(body) + "\n", height, caption)


def mark_radius(n: int, biggest: int) -> float:
    """The radius of a mark for n statements, on the one scale of the picture, whose largest mark holds `biggest`."""
    return SMALLEST + (LARGEST - SMALLEST) * math.sqrt((n - 1) / max(1, biggest - 1))


def _timeline_row(
    page: str, actor: Actor, count: int, bins: dict[int, list[Said]], scale: Scale, y: float, biggest: int
) -> tuple[list[str], float]:
    """An actor's name (a link to its page, wrapped) over a line with a mark for each bin it spoke in (a link to the first
    statement); and where the next row begins."""
    lines = wrap_whole(f"{actor.name} · {count} statement{'s' if count != 1 else ''}", LABEL_CHARS)
    label = "".join(_text(scale.left, y + 14 + LINE * i, line, "dm-label") for i, line in enumerate(lines))
    line_y = y + LINE * len(lines) + MARKS_H / 2 + 2
    out = [
        _link(href(page, doc_path("actor", actor.id)), actor.name, label),
        f'<line x1="{scale.left:g}" x2="{scale.left + scale.plot:g}" y1="{line_y:g}" y2="{line_y:g}" class="dm-grid"/>',
    ]
    for k, items in sorted(bins.items()):
        mark = f'<circle cx="{scale.x(k):.1f}" cy="{line_y:g}" r="{mark_radius(len(items), biggest):.1f}" class="dm-mark"/>'
        out.append(
            _link(_said_href(page, items[0]), _mark_title(items, scale.unit.label(scale.first + k), scale.unit.name), mark)
        )
    return out, y + LINE * len(lines) + MARKS_H + 4


def _timeline_legend(biggest: int, y: float) -> tuple[list[str], float]:
    """The scale of the marks: the mark of one statement and, when there is one, the largest; and the picture's height."""
    sizes = [1] if biggest == 1 else [1, biggest]
    out, x = [], 8.0
    for n in sizes:
        r = mark_radius(n, biggest)
        out.append(f'<circle cx="{x + r:.1f}" cy="{y:g}" r="{r:.1f}" class="dm-mark"/>')
        label = f"{n} statement{'s' if n != 1 else ''}" if biggest > 1 else "one statement"
        out.append(_text(x + 2 * r + 5, y + 5, label, "dm-muted"))
        x += 2 * r + 5 + len(label) * CHAR_WIDTH + 16
    return [_text(8, y - 14, "MARK SIZE", "dm-muted dm-heading"), *out], y + LARGEST + 8


def _timeline_axis(scale: Scale, y: float) -> list[str]:
    """The time axis, with as many labelled ticks as fit without overlapping."""
    out = [f'<line x1="{scale.left:g}" x2="{scale.left + scale.plot:g}" y1="{y:g}" y2="{y:g}" class="dm-axis"/>']
    widest = max(len(scale.unit.label(scale.first + k)) for k in range(scale.bins)) * CHAR_WIDTH
    ticks = range(0, scale.bins, max(1, math.ceil(1.5 * widest / scale.step)))
    for k, label in zip(ticks, tick_labels([scale.unit.label(scale.first + k) for k in ticks]), strict=True):
        x = scale.x(k)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y:g}" y2="{y + 4:g}" class="dm-axis"/>')
        out.append(_text(x, y + 17, label, "dm-muted", _tick_anchor(x, scale.left, scale.plot)))
    return out


def _tick_anchor(x: float, left: float, plot: float) -> str:
    if x - left < 30:
        return "start"
    return "end" if left + plot - x < 30 else "middle"


def _said_href(page: str, said: Said) -> str:
    return href(page, doc_path("source", said.source.id), said.statement.id)


def _mark_title(items: Sequence[Said], bin_label: str, unit: str) -> str:
    said = items[0]
    quote = shorten(said.statement.quote, QUOTE_IN_TITLE)
    if len(items) == 1:
        return f"{said.speaker.name}, {human_date(said.statement.date)}: “{quote}”"
    when = bin_label if unit != "week" else f"week of {bin_label}"
    return f"{said.speaker.name}: {len(items)} statements, {when}; the first: “{quote}”"


def _timeline_caption(total: int, shown: int, speakers: int, unit: str, items: Sequence[Said]) -> str:
    span = f"{human_date(items[0].statement.date)} to {human_date(items[-1].statement.date)}"
    text = f"{total} statement{'s' if total != 1 else ''}, {span}, one row per speaker"
    if speakers > shown:
        text += f" (the {shown} with the most statements; {speakers - shown} more speakers are in the list below)"
    grouping = "" if unit == "day" else f" Marks group the statements of one {unit}; a bigger mark stands for more statements."
    return text + f". Each mark links to its statement.{grouping}"


# -- neighbourhoods -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    label: str
    doc: str
    tooltip: str


FACTS = "facts"  # the id of a record page's table of facts (its by, of, parties)


@dataclass(frozen=True)
class Group:
    """Records of one relation to the page's record, drawn on one side with one style of edge."""

    heading: str
    nodes: tuple[Node, ...]
    side: str  # left | right
    edge: str  # the edge's class suffix: made | supported | rejected | addressed | cites | party | related
    more: str  # the anchor, on the same page, of the list that holds every node (its heading's id)


def _actor_nodes(actors: Iterable[Actor]) -> tuple[Node, ...]:
    return tuple(Node(a.name, doc_path("actor", a.id), a.name) for a in actors)


def _demand_nodes(demands: Iterable[Demand]) -> tuple[Node, ...]:
    return tuple(Node(d.title, doc_path("demand", d.id), f"Demand: {d.title}") for d in demands)


def _agreement_nodes(agreements: Iterable[Agreement]) -> tuple[Node, ...]:
    return tuple(Node(a.title, doc_path("agreement", a.id), f"Agreement: {a.title}") for a in agreements)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def actor_groups(graph: Graph, actor: Actor) -> list[Group]:
    """What an actor demands, backs and refuses; what is demanded of it; which agreements it invokes."""
    stances = list(graph.stances.get(actor.id, {}).values())
    made = _unique([d.id for d in graph.demands_by.get(actor.id, [])] + [s.demand.id for s in stances if s.made])
    supports = _demand_nodes(s.demand for s in stances if s.supported and s.demand.id not in made)
    return [
        Group("Makes", _demand_nodes(graph.demands[d] for d in made), "left", "made", "demands-made"),
        Group("Supports", supports, "left", "supported", "positions-on-demands"),
        Group("Rejects", _demand_nodes(s.demand for s in stances if s.rejected), "left", "rejected", "positions-on-demands"),
        Group(
            "Demanded of it", _demand_nodes(graph.demands_of.get(actor.id, [])), "right", "addressed", "demands-addressed-to-it"
        ),
        Group("Invokes", _agreement_nodes(a for a, _ in graph.invoked.get(actor.id, [])), "right", "cites", "agreements-invoked"),
    ]


def demand_groups(graph: Graph, demand: Demand) -> list[Group]:
    """Who makes a demand, who backs or refuses it, of whom it is made, and the agreements invoked on it."""
    stance = graph.on_demand[demand.id]

    def speakers(role: str) -> list[str]:
        return _unique(said.speaker.id for said in stance.said(role))

    by = _unique([*demand.by, *speakers("made")])
    supported = _actor_nodes(graph.actors[a] for a in speakers("supported") if a not in by)
    listed = "every-statement-on-it-in-date-order"
    return [
        Group("By", _actor_nodes(graph.actors[a] for a in by), "left", "made", listed),
        Group("Supported by", supported, "left", "supported", listed),
        Group("Rejected by", _actor_nodes(graph.actors[a] for a in speakers("rejected")), "left", "rejected", listed),
        Group("Of", _actor_nodes(graph.actors[a] for a in demand.of), "right", "addressed", FACTS),
        Group("Agreements", _agreement_nodes(graph.demand_agreements.get(demand.id, [])), "right", "cites", "agreements"),
        Group("Related demands", _demand_nodes(graph.related.get(demand.id, [])), "right", "related", "related-demands"),
    ]


def agreement_groups(graph: Graph, agreement: Agreement) -> list[Group]:
    """Who invokes an agreement (most often first), its parties, and the demands it bears on."""
    counts = Counter(s.speaker.id for s in graph.citations.get(agreement.id, []))
    invokers = leading(counts, {a: graph.actors[a].name for a in counts}, len(counts))
    return [
        Group(
            "Invoked by", _actor_nodes(graph.actors[a] for a in invokers), "left", "cites", "who-invoked-it-when-in-what-words"
        ),
        Group("Parties", _actor_nodes(graph.actors[a] for a in agreement.parties), "left", "party", FACTS),
        Group("Demands", _demand_nodes(graph.agreement_demands.get(agreement.id, [])), "right", "related", "related-demands"),
    ]


COLUMN = 122  # width of a side column
CENTRE = 110  # width of the record in the middle
PAD, GAP, HEAD_H, MORE_H = 5, 6, 22, 22  # a node's padding above and below its lines; between nodes; a heading; "+ N more"
CHARS = 14  # characters on one line of a node at font size 14
CENTRE_CHARS = 12  # characters on one line of the record in the middle (bold)
HEADING_CHARS = 11  # characters on one line of a group's heading (capitals, spaced)


def neighbourhood(page: str, title: str, groups: Sequence[Group]) -> str:
    """The record of a page in the middle, related records around it, each a link; empty when it has none.

    Every label wraps to as many lines as it needs: none is cut. A group with more nodes than are drawn ends
    in "+ N more", a link to the list on the page that holds them all.
    """
    groups = [g for g in groups if g.nodes]
    if not groups:
        return ""
    left = _side([g for g in groups if g.side == "left"], 0, page)
    right = _side([g for g in groups if g.side == "right"], WIDTH - COLUMN, page)
    centre_lines = wrap_whole(title, CENTRE_CHARS)
    centre_h = 2 * PAD + 4 + LINE * len(centre_lines)
    height = max(left.height, right.height, centre_h) + 8
    cx, cy = (WIDTH - CENTRE) / 2, (height - centre_h) / 2
    edges = [
        f'<line x1="{x1:g}" y1="{y:g}" x2="{x2:g}" y2="{cy + centre_h / 2:g}" class="dm-edge dm-edge-{edge}"/>'
        for (x1, x2), side in (((COLUMN, cx), left), ((WIDTH - COLUMN, cx + CENTRE), right))
        for y, edge in side.anchors
    ]
    centre = [f'<rect x="{cx:g}" y="{cy:g}" width="{CENTRE}" height="{centre_h}" rx="4" class="dm-centre"/>']
    centre += [_text(WIDTH / 2, cy + PAD + 2 + 12 + LINE * i, line, "dm-strong", "middle") for i, line in enumerate(centre_lines)]
    body = "\n".join([*edges, *left.parts, *right.parts, *centre]) + "\n"
    shown = sum(min(len(g.nodes), GROUP_NODES) for g in groups)
    total = sum(len(g.nodes) for g in groups)
    caption = f"{title} and the records around it: {total} linked record{'s' if total != 1 else ''}"
    caption += f" ({shown} shown; the others are listed below)." if total > shown else ". Each is a link."
    return _figure(f"{title}: related records", body, height, caption)


@dataclass(frozen=True)
class Side:
    parts: list[str]
    anchors: list[tuple[float, str]]  # (y, edge class) where an edge leaves a node towards the centre
    height: float


def _side(groups: Sequence[Group], x: float, page: str) -> Side:
    parts: list[str] = []
    anchors: list[tuple[float, str]] = []
    y = 4.0
    for group in groups:
        for line in wrap_whole(group.heading.upper(), HEADING_CHARS):
            parts.append(_text(x + 2, y + 14, line, "dm-muted dm-heading"))
            y += HEAD_H - 6
        y += 6
        for node in group.nodes[:GROUP_NODES]:
            drawn, height = _node(node, x, y, page)
            parts.append(drawn)
            anchors.append((y + height / 2, group.edge))
            y += height + GAP
        extra = len(group.nodes) - GROUP_NODES
        if extra > 0:
            more = _text(x + 2, y + 14, f"+ {extra} more", "dm-more")
            parts.append(_link(href(page, page, group.more), f"{group.heading}: all {len(group.nodes)}", more))
            y += MORE_H
        y += 4
    return Side(parts, anchors, y)


def _node(node: Node, x: float, y: float, page: str) -> tuple[str, float]:
    """A node's box and its label, wrapped; and its height."""
    lines = wrap_whole(node.label, CHARS)
    height = 2 * PAD + LINE * len(lines)
    texts = "".join(_text(x + 8, y + PAD + 12 + LINE * i, line) for i, line in enumerate(lines))
    box = f'<rect x="{x:g}" y="{y:g}" width="{COLUMN}" height="{height:g}" rx="4" class="dm-node"/>'
    return _link(href(page, node.doc), node.tooltip, box + texts), height


# -- the positions table --------------------------------------------------------------------------


def positions_table(graph: Graph, page: str) -> str:
    """One row per demand, one column per leading actor: made / supported / rejected with counts, each a link."""
    if not graph.archive.demands:
        return ""
    per_actor = Counter({a: sum(_total(s) for s in stances.values()) for a, stances in graph.stances.items() if stances})
    columns = leading(per_actor, {a: graph.actors[a].name for a in per_actor}, TABLE_ACTORS)
    more = len(per_actor) > len(columns)
    head = "".join(f"<th>{_a(href(page, doc_path('actor', a)), graph.actors[a].name)}</th>" for a in columns)
    rows = []
    for demand in sorted(graph.archive.demands, key=lambda d: d.title.casefold()):
        demand_url = href(page, doc_path("demand", demand.id))
        cells = [_a(demand_url, demand.title)]
        cells += [_stance(page, graph.stances.get(a, {}).get(demand.id)) for a in columns]
        if more:
            others = len({p.said.speaker.id for p in graph.positions.get(demand.id, [])} - set(columns))
            cells.append(_a(demand_url, f"{others} more") if others else "")
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    note = "Each cell counts the statements in which an actor made, supported or rejected a demand, and links to the first."
    if more:
        note += f" The {len(columns)} actors with the most positions have a column each; the others are counted under More."
    table = (
        f"<table>\n<thead><tr><th>Demand</th>{head}{'<th>More</th>' if more else ''}</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>"
    )
    hint = '<span class="dm-scroll-hint"> On a narrow screen the table scrolls sideways: its edge is shaded while more lies beyond.</span>'
    caption = f'<p class="dm-caption">{esc(note)}{hint}</p>'
    return f'<div class="dm-positions" markdown="0" data-pagefind-ignore>\n{table}\n{caption}\n</div>'


def _a(url: str, text: str) -> str:
    return f'<a href="{esc(url)}">{esc(text)}</a>'


def _total(stance: Stance) -> int:
    return sum(len(stance.said(role)) for role in ROLES)


def _stance(page: str, stance: Stance | None) -> str:
    """An actor's positions on one demand: "made 2 · rejected 1", each linking to the first statement of its kind."""
    parts = []
    for role in ROLES:
        said = stance.said(role) if stance else ()
        if said:
            parts.append(_a(_said_href(page, said[0]), f"{role} {len(said)}"))
    return " · ".join(parts)
