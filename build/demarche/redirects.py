"""Links that last: the URL of a former id sends the reader to the record's current page.

For every former id the build adds `<folder>/<old-id>/index.html` to docs/, a static page that
MkDocs copies as it is, so it is in neither the search index nor the sitemap. It works without
JavaScript (a meta refresh and a visible link); a small script of the build's own, holding no
content, carries the #fragment along, so /sources/old/#statement lands on the statement.

A statement's derived anchor begins with its speaker's id, so when a speaker is renamed the
source page also carries the anchors the statement had under the speaker's former ids (the link
stage works them out: Graph.former_anchors).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from demarche.text import attr
from demarche.urls import FOLDERS, doc_path, site_url

if TYPE_CHECKING:
    from demarche.link import Graph
    from demarche.render import Renderer


@dataclass(frozen=True)
class Redirect:
    kind: str  # source | actor | agreement | demand
    old: str
    new: str

    @property
    def doc(self) -> str:
        """The docs path of the redirect page."""
        return f"{FOLDERS[self.kind]}/{self.old}/index.html"

    @property
    def url(self) -> str:
        """The site URL it is published at, relative to the site root."""
        return f"{FOLDERS[self.kind]}/{self.old}/"

    @property
    def target(self) -> str:
        """The docs path of the record's current page."""
        return doc_path(self.kind, self.new)


def redirects(graph: Graph) -> list[Redirect]:
    return [Redirect(kind, old, new) for kind in FOLDERS for old, new in sorted(graph.former.get(kind, {}).items())]


def render_redirects(r: Renderer) -> None:
    """Add a redirect page for every former id; refuse one that would stand where a page is published."""
    published = {site_url(doc) for doc in r.pages if doc.endswith(".md")}
    for redirect in redirects(r.graph):
        if redirect.url in published or redirect.doc in r.pages:
            raise ValueError(
                f"the redirect from former {redirect.kind} id '{redirect.old}' would replace the page /{redirect.url}"
            )
        r.pages[redirect.doc] = redirect_page(redirect, _label(r.graph, redirect), r.site.url)


def redirect_page(redirect: Redirect, label: str, base_url: str) -> str:
    """The HTML of one redirect; the canonical link is absolute when the site's address is known."""
    relative = f"../{redirect.new}/"
    canonical = base_url + site_url(redirect.target) if base_url else relative
    script_target = json.dumps(relative).replace("<", "\\u003c")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Moved: {attr(label)}</title>
<meta name="robots" content="noindex">
<link rel="canonical" href="{attr(canonical)}">
<script>location.replace({script_target} + location.hash)</script>
<meta http-equiv="refresh" content="0; url={attr(relative)}">
</head>
<body>
<p>This page has moved to <a href="{attr(relative)}">{attr(label)}</a>.</p>
</body>
</html>
"""


def _label(graph: Graph, redirect: Redirect) -> str:
    if redirect.kind == "actor":
        return graph.actors[redirect.new].name
    if redirect.kind == "source":
        return graph.sources[redirect.new].title
    if redirect.kind == "agreement":
        return graph.agreements[redirect.new].title
    return graph.demands[redirect.new].title
