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

from demarche.link import Graph
from demarche.plan import File, text_file
from demarche.text import attr
from demarche.urls import FOLDERS, SiteInfo, doc_path, href, permalink, published_url, redirect_doc


@dataclass(frozen=True)
class Redirect:
    kind: str  # source | actor | agreement | demand
    old: str
    new: str

    @property
    def doc(self) -> str:
        """The docs path of the redirect page."""
        return redirect_doc(self.kind, self.old)

    @property
    def url(self) -> str:
        """The site URL it is published at, relative to the site root."""
        return published_url(self.doc)

    @property
    def target(self) -> str:
        """The docs path of the record's current page."""
        return doc_path(self.kind, self.new)


def redirects(graph: Graph) -> list[Redirect]:
    return [Redirect(kind, old, new) for kind in FOLDERS for old, new in sorted(graph.former.get(kind, {}).items())]


def redirect_files(graph: Graph, site: SiteInfo) -> list[File]:
    """A redirect page for every former id (the pipeline refuses one that would stand where a page is published)."""
    return [text_file(r.doc, redirect_page(r, _label(graph, r), site)) for r in redirects(graph)]


def redirect_page(redirect: Redirect, label: str, site: SiteInfo) -> str:
    """The HTML of one redirect; the canonical link is absolute when the site's address is known."""
    relative = href(redirect.doc, redirect.target)
    canonical = permalink(site, redirect.target) if site.url else relative
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
