"""Where every output lives: docs paths (for writing and for Markdown links), site URLs and permalinks.

Every path and URL rule of the site is here, so renaming a URL scheme is a change in one place.
A record's page is `<folder>/<id>.md` in docs/, published at `/<folder>/<id>/`; a docs path names a
file under docs/, a site URL is relative to the site root ('' for the home page). These are public
interface (DESIGN.md): never change them.
"""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from demarche.schema import KINDS

# A record kind's site folder is the folder of its files under sources/ (schema.KINDS), but for
# source texts: they are filed under sources/texts/YYYY/ and published under /sources/.
_PUBLISHED_AS = {"texts": "sources"}
FOLDERS = {name: _PUBLISHED_AS.get(kind.folder, kind.folder) for name, kind in KINDS.items()}

HOME = "index.md"
TIMELINE = "timeline.md"
FIELD_REFERENCE = "reference/fields.md"
SITE_FEED = "feed.xml"
ACTOR_FEEDS = "feeds/actors"
FEEDS_SITEMAP = f"{ACTOR_FEEDS}/sitemap.xml"
ARCHIVE_DATA = "data/archive.json"
ARCHIVE_SCHEMA = "data/archive.schema.json"
STATEMENTS_DATA = "data/statements.csv"
INTRODUCTION = "introduction.md"  # in sources/: the archive's introduction on the home page, not a record
METHODOLOGY = "methodology.md"  # hand-written: how the archive is made
RIGHTS = "rights.md"  # the hand-written page on publisher, licences, quoted texts, corrections: /rights/
CITATION_FORMATS = ("bib", "ris")  # a source's citation files: BibTeX and RIS
_CONTINUATION = re.compile(r"/page-\d+\.md$")


@dataclass(frozen=True)
class SiteInfo:
    name: str
    url: str  # the published site's base URL, ending in '/', or '' when unknown
    edit_base: str = ""  # where "edit this page" links point (mkdocs.yml extra.edit_base): the repository's files
    introduction: str = ""  # the archive's introduction for the home page, Markdown (sources/introduction.md)


# -- docs paths ------------------------------------------------------------------------------------


def doc_path(kind: str, record_id: str) -> str:
    return f"{FOLDERS[kind]}/{record_id}.md"


def index_doc(kind: str) -> str:
    """The section index of a record kind: sources/index.md, published at /sources/."""
    return f"{FOLDERS[kind]}/index.md"


def sources_year_doc(year: str) -> str:
    return f"{FOLDERS['source']}/by-year/{year}.md"


def timeline_year_doc(year: str) -> str:
    return f"{TIMELINE[: -len('.md')]}/{year}.md"


def continuation_doc(first_doc: str, number: int, list_name: str = "") -> str:
    """Page `number` (2, 3, ...) of a long list whose first page is first_doc: actors/x/statements/page-2.md."""
    folder = first_doc[: -len(".md")] + (f"/{list_name}" if list_name else "")
    return f"{folder}/page-{number}.md"


def is_continuation(doc: str) -> bool:
    return _CONTINUATION.search(doc) is not None


def actor_feed_doc(actor_id: str) -> str:
    return f"{ACTOR_FEEDS}/{actor_id}.xml"


def citation_doc(source_id: str, extension: str) -> str:
    """A source's citation file, beside its page and named after it: sources/<id>/<id>.ris, published at /sources/<id>/<id>.ris."""
    return f"{FOLDERS['source']}/{source_id}/{source_id}.{extension}"


def is_citation_file(doc: str) -> bool:
    parts = doc.split("/")
    name, _, extension = parts[-1].rpartition(".")
    return len(parts) == 3 and parts[0] == FOLDERS["source"] and parts[1] == name and extension in CITATION_FORMATS


def redirect_doc(kind: str, old_id: str) -> str:
    """The static page that sends a former id's URL to the record's current page."""
    return f"{FOLDERS[kind]}/{old_id}/index.html"


# -- site URLs -------------------------------------------------------------------------------------


def site_url(doc: str) -> str:
    """The directory URL MkDocs publishes a docs page at, relative to the site root: actors/nato.md -> actors/nato/."""
    if doc == "index.md":
        return ""
    if doc.endswith("/index.md"):
        return doc[: -len("index.md")]
    return doc[: -len(".md")] + "/"


def published_url(doc: str) -> str:
    """The URL of any docs file: a page's directory URL, a folder's index.html by its folder, another file by its path."""
    if doc.endswith(".md"):
        return site_url(doc)
    if doc == "index.html" or doc.endswith("/index.html"):
        return doc[: -len("index.html")]
    return doc


def record_at(url: str) -> tuple[str, str] | None:
    """The kind and id of the record whose page a site URL would be: actors/nato/ -> ("actor", "nato")."""
    parts = url.strip("/").split("/")
    kinds = {folder: kind for kind, folder in FOLDERS.items()}
    return (kinds[parts[0]], parts[1]) if len(parts) == 2 and parts[0] in kinds else None


def published_file(doc: str) -> str:
    """The file MkDocs makes of a docs file in site/: actors/nato.md -> actors/nato/index.html; others as they are."""
    return site_url(doc) + "index.html" if doc.endswith(".md") else doc


@functools.cache
def _folder_prefix(from_folder: str, to_folder: str) -> str:
    """How a page in one docs folder links into another: '' or a relative path ending in '/'."""
    path = posixpath.relpath(to_folder or ".", from_folder or ".")
    return "" if path == "." else path + "/"


def relative(from_doc: str, to_doc: str) -> str:
    """A Markdown link target from one docs page to another; MkDocs checks and rewrites it.

    Worked out once per pair of folders: nearly every line of every page holds a link.
    """
    to_folder, _, name = to_doc.rpartition("/")
    return _folder_prefix(from_doc.rpartition("/")[0], to_folder) + name


SEARCH_DOC = "search.md"  # the hand-written search page with filters, /search/


def search_link(from_doc: str, **filters: str) -> str:
    """A Markdown link target to the search page with its filters set, as the page reads them from its URL."""
    return relative(from_doc, SEARCH_DOC) + "?" + urlencode(filters)


def href(from_doc: str, to_doc: str, anchor: str = "") -> str:
    """The relative URL from one file's published address to another's, for raw HTML: demands/x.md -> ../../actors/nato/.

    MkDocs rewrites the links of Markdown, not those inside raw HTML, so these are final.
    """
    here = published_url(from_doc) or "."
    there = published_url(to_doc) or "."
    rel = posixpath.relpath(there, here)
    return ("./" if rel == "." else rel + "/") + (f"#{anchor}" if anchor else "")


def permalink(site: SiteInfo, doc: str, anchor: str = "") -> str:
    """The absolute URL of a page, for citations and feeds; the site-relative path when site_url is not set."""
    return (site.url or "/") + site_url(doc) + (f"#{anchor}" if anchor else "")


def file_url(site: SiteInfo, doc: str) -> str:
    """The address of a file MkDocs copies as it is (not a page): site_url + its path in docs/."""
    return (site.url or "/") + doc
