"""What a page will carry: Markdown rendered as MkDocs renders it, and every URL in the result judged.

A pattern over Markdown cannot know what Python-Markdown will make a link of: it reads reference
definitions inside block quotes, list items, admonitions and details, and each extension adds
syntax of its own. So a text is rendered with the site's own extensions (declared here once; a
test holds mkdocs.yml to this declaration) and its links are taken from the HTML that comes out.
A refused link is then traced back to where its URL is written, which for a reference link is
the definition, not the use.
"""

from __future__ import annotations

import functools
import html
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from html.entities import html5
from html.parser import HTMLParser

from demarche.records import Source
from demarche.sitemarkdown import MARKDOWN_EXTENSIONS, to_html
from demarche.text import QuoteMark, body_markdown

# The fast path (see may_link_unsafely) holds for these extensions: under them a text carries a URL
# other than a heading's '#' permalink only through '](' (an inline link), ']:' (a reference
# definition, which every reference link needs), '![' (an image) or '<' (an autolink, raw HTML). An
# extension outside this set (magiclink, attr_list, footnotes...) may link otherwise: then every
# text is rendered.
_FAST_PATH_EXTENSIONS = frozenset({"toc", "tables", "fenced_code", "md_in_html", "admonition", "pymdownx.details"})
_FAST_PATH = frozenset(MARKDOWN_EXTENSIONS) <= _FAST_PATH_EXTENSIONS
_DESTINATION = re.compile(r"\](\(|:)\s*")  # where the URL of an inline link or of a definition may start
# A URL that begins so is allowed whatever follows: a web address whose host ends at '/', '?', '#' (or
# the ')' that closes an inline link, the white space that ends a definition), mail, an anchor.
_PLAIN_HOST = r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?"
_PLAIN_START = r"#|mailto:"
_PLAINLY_SAFE = {
    "(": re.compile(rf"{_PLAIN_START}|{_PLAIN_HOST}[/?#)]"),
    ":": re.compile(rf"{_PLAIN_START}|{_PLAIN_HOST}(?:[/?#\s]|$)"),
}

URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "srcset",
        "action",
        "formaction",
        "xlink:href",
        "poster",
        "data",
        "cite",
        "background",
        "longdesc",
        "usemap",
        "ping",
        "icon",
        "manifest",
        "codebase",
        "archive",
        "classid",
        "profile",
        "lowsrc",
        "dynsrc",
    }
)
# Attributes whose URL the browser fetches by itself: the site loads nothing from other hosts.
LOAD_ATTRIBUTES = frozenset(
    {
        "src",
        "srcset",
        "poster",
        "data",
        "background",
        "icon",
        "manifest",
        "codebase",
        "archive",
        "classid",
        "lowsrc",
        "dynsrc",
        "ping",
    }
)
_ENDS = "".join(map(chr, range(0x21)))  # C0 controls and space: browsers strip them from both ends of a URL
_TAB_AND_NEWLINES = str.maketrans("", "", "\t\n\r")  # and remove these anywhere in it
_SCHEME_END = re.compile(r"[/?#\\]")
_TWO_SLASHES = ("//", "\\\\", "/\\", "\\/")  # browsers read a backslash as a slash in web URLs

Mark = QuoteMark


@dataclass(frozen=True)
class Url:
    tag: str
    attribute: str
    value: str  # as a browser reads it: HTML entities decoded once

    @property
    def load(self) -> bool:
        return self.attribute in LOAD_ATTRIBUTES


@dataclass(frozen=True, order=True)
class UnsafeLink:
    start: int  # where the URL is written in the text
    written: str  # the URL as written there (as the page carries it, when it could not be found)
    reason: str  # "scheme" | "userinfo" | "load"


def refusal(url: str, load: bool = False) -> str:
    """Why a page must not carry this URL ('' when it may): 'scheme', 'userinfo' or 'load'.

    A page may link to http(s) addresses with a host, mailto and its own site (no scheme); it may
    load only from its own site. The URL is judged as a browser reads it, then with HTML entities
    decoded once more and with backslashes left out, so that neither can hide a scheme that a
    later decoding (or another Markdown version's unescaping) would reveal.
    """
    views = (url, html.unescape(url), url.replace("\\", ""))
    return next((reason for view in dict.fromkeys(views) if (reason := _refusal(view, load))), "")


def text_refusal(url: str, load: bool = False) -> str:
    """Why a record's text may not link to this URL: refusal's reasons, and 'scheme' for a path of the site.

    A text, as published, links to the web and to mail; a path would lead nowhere on this site
    (MkDocs refuses to build it). Its own page ('#...', or an empty link) is allowed.
    """
    reason = refusal(url, load)
    clean = url.strip(_ENDS).translate(_TAB_AND_NEWLINES)
    if reason or load or not clean or clean.startswith("#") or ":" in _SCHEME_END.split(clean, maxsplit=1)[0]:
        return reason
    return "scheme"


def _refusal(url: str, load: bool) -> str:
    clean = url.strip(_ENDS).translate(_TAB_AND_NEWLINES)
    head = _SCHEME_END.split(clean, maxsplit=1)[0]
    scheme, colon, _ = head.partition(":")
    if colon:  # a colon before any '/', '?' or '#': a scheme, whatever else the text is
        scheme = scheme.lower()
        if scheme == "mailto" and not load:
            return ""
        rest = clean[len(scheme) + 1 :]
        if scheme not in ("http", "https") or rest[:2] not in _TWO_SLASHES:
            return "scheme"
    elif clean[:2] in _TWO_SLASHES:  # another host, on the page's own scheme
        rest = clean
    else:
        return ""
    authority = _SCHEME_END.split(rest.lstrip("/\\"), maxsplit=1)[0]
    if "@" in authority:
        return "userinfo"
    if not authority.split(":")[0]:
        return "scheme"
    return "load" if load else ""


class _UrlParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[Url] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value is not None:
                self.urls.extend(Url(tag, name, url) for url in _split(name, value))


def _split(attribute: str, value: str) -> list[str]:
    """The URLs of one attribute: srcset lists 'URL descriptor' pairs, ping lists URLs."""
    if attribute == "srcset":
        return [part.split()[0] for part in value.split(",") if part.split()]
    if attribute == "ping":
        return value.split()
    return [value]


def html_urls(page: str) -> list[Url]:
    """Every URL in an HTML text's attributes, in document order, as a browser reads them."""
    parser = _UrlParser()
    parser.feed(page)
    parser.close()
    return parser.urls


def render(text: str) -> str:
    """Markdown to HTML as MkDocs makes it."""
    return to_html(text)


def may_link_unsafely(text: str) -> bool:
    """Whether a Markdown text may carry a URL that text_refusal refuses, once rendered; False only when plainly not.

    Plainly not: no raw HTML, autolink or image can start in it, and every place where the URL of a
    link or of a reference definition can start holds an allowed one (most texts have no such place).
    Python-Markdown starts a link's URL at such a place, so such a text need not be rendered.
    """
    return not _FAST_PATH or "<" in text or "![" in text or _url_beginnings(text) is None


def _url_beginnings(text: str) -> list[tuple[int, int]] | None:
    """Where each URL of a link or definition may start ('](' or ']:'), to the end of its plainly allowed beginning.

    None when one of them does not plainly begin an allowed URL.
    """
    found = []
    for m in _DESTINATION.finditer(text):
        safe = _PLAINLY_SAFE[m.group(1)].match(text, m.end())
        if not safe:
            return None
        found.append((m.start(), safe.end()))
    return found


def unsafe_urls(text: str) -> list[tuple[str, str]]:
    """Every URL that a Markdown text would carry and must not, with the reason, in document order."""
    if not may_link_unsafely(text):
        return []
    return [(url.value, reason) for url in html_urls(render(text)) if (reason := text_refusal(url.value, url.load))]


def source_marks(source: Source) -> list[Mark]:
    """The quoted passages of a source, marked and numbered in the order of the text, as its page marks them."""
    ordered = sorted(source.statements, key=lambda st: st.span.start)
    return [QuoteMark(st.span, st.id, str(n), f"#{st.id}") for n, st in enumerate(ordered, 1)]


def unsafe_links(text: str, marks: Sequence[Mark] = ()) -> list[UnsafeLink]:
    """Every URL that the page made of a record's body would carry and must not, at the place it is written.

    The body is rendered as its page has it (text.body_markdown, with the quoted passages marked),
    so a link that the marking brings to life is found too. A body that plainly cannot link unsafely
    (see may_link_unsafely) is not rendered, unless a mark falls into the beginning of a URL, where
    its tags could give the URL another beginning; elsewhere the marks add tags and a '#' link only.
    """
    if not may_link_unsafely(body_markdown(text)[0]) and not _marks_in_url_beginnings(text, marks):
        return []
    urls = _body_urls(text, marks)
    found = {url.value: reason for url in urls if (reason := text_refusal(url.value, url.load))}
    return _locate(text, marks, {"".join(url.value.split()) for url in urls}, found) if found else []


def _marks_in_url_beginnings(text: str, marks: Sequence[Mark]) -> bool:
    """Whether text.body_markdown puts a tag into a URL's beginning: at a passage's ends, or where it splits it at a blank line."""
    beginnings = _url_beginnings(text)
    if beginnings is None:
        return True
    for start, end in beginnings:
        for span in (m.span for m in marks):
            if span.end < start or span.start > end:
                continue
            if start <= span.start <= end or start <= span.end <= end or "\n\n" in text[max(start - 2, 0) : end + 2]:
                return True
    return False


def _body_urls(text: str, marks: Sequence[Mark]) -> list[Url]:
    return html_urls(render(body_markdown(text, marks)[0]))


# -- where a URL is written ---------------------------------------------------------------------
#
# Each refused URL is looked for in the text as it may be written: with Markdown's backslash
# escapes, HTML entities, and line breaks (and a block quote's '>') where the URL holds white space.
# Every place found is then proved: each is replaced by a token of the same length, the text is
# rendered again, and the places whose token comes out in a URL are the ones the page would link to.
# A URL whose writing cannot be found (none is known) falls back to the line that completes it.


@dataclass(frozen=True)
class _Place:
    start: int
    end: int
    url: str  # the URL that may be written here, as the page carries it


def _locate(text: str, marks: Sequence[Mark], existing: set[str], reasons: dict[str, str]) -> list[UnsafeLink]:
    """Where each refused URL (with its reason) is written; existing: every URL of the page, white space left out."""
    places = _places(text, reasons)
    tokened, tokens = _tokenise(text, places, existing)
    urls = _body_urls(tokened, marks)
    live = {tokens[key] for url in urls if (key := "".join(url.value.split())) in tokens}
    links = {UnsafeLink(p.start, text[p.start : p.end], reasons[p.url]) for p in live}
    # Written somewhere no place was found (still in the page once the places are tokens), or at a
    # place whose token broke the link instead of taking its URL: the line that completes the link.
    still = {url.value for url in urls if url.value in reasons}
    for url in still:
        links.add(UnsafeLink(_completing_line(tokened, marks, url), url, reasons[url]))
    for url in reasons.keys() - still - {p.url for p in live}:
        links.add(UnsafeLink(_completing_line(text, marks, url), url, reasons[url]))
    return sorted(links)


def _places(text: str, reasons: dict[str, str]) -> list[_Place]:
    """Every place where one of the URLs may be written, longest URL first, never two at one place."""
    places: list[_Place] = []
    for url in sorted(reasons, key=len, reverse=True):
        for m in _written(url).finditer(text):
            if m.end() > m.start() and not any(m.start() < p.end and p.start < m.end() for p in places):
                places.append(_Place(m.start(), m.end(), url))
    return places


_SPACE = r"(?:[\s>]|&#0*(?:9|10|13|32);|&#[xX]0*(?:9|[aA]|[dD]|20);|&(?:Tab|NewLine);)+"


def _written(url: str) -> re.Pattern[str]:
    """A URL as it may be written: each character as _char allows, each run of white space as any (see _SPACE)."""
    parts: list[str] = []
    for char in url:
        if char.isspace():
            if not parts or parts[-1] != _SPACE:
                parts.append(_SPACE)
        else:
            parts.append(_char(char))
    return re.compile("".join(parts))


@functools.cache
def _entity_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for name, value in html5.items():
        names.setdefault(value, []).append(name)
    return names


@functools.cache
def _char(char: str) -> str:
    """A character of a URL as it may be written: itself, backslash-escaped, or as an HTML entity."""
    forms = [re.escape("\\" + char)] if char in string.punctuation else []
    forms.append(re.escape(char))
    forms.append(f"&#0*{ord(char)};")
    forms.append(f"&#[xX]0*(?i:{ord(char):x});")
    forms.extend(re.escape("&" + name) for name in _entity_names().get(char, ()))
    return "(?:" + "|".join(forms) + ")"


def _tokenise(text: str, places: list[_Place], existing: set[str]) -> tuple[str, dict[str, _Place]]:
    """The text with each place's URL replaced by a token of its length, and which token is which place.

    White space and a block quote's '>' stay where they are, so the text keeps its lines and its
    blocks, and the marks their offsets.
    """
    chars = list(text)
    tokens: dict[str, _Place] = {}
    for i, place in enumerate(places):
        slots = [k for k in range(place.start, place.end) if not chars[k].isspace() and not _quote_marker(text, k)]
        token = _token(i, len(slots))
        if token is None or token in existing:
            continue
        for k, char in zip(slots, token, strict=True):
            chars[k] = char
        tokens[token] = place
    return "".join(chars), tokens


def _quote_marker(text: str, at: int) -> bool:
    return text[at] == ">" and not text[text.rfind("\n", 0, at) + 1 : at].strip(" \t>")


def _token(index: int, length: int) -> str | None:
    """The index in base 32 (0-9, a-v), padded with 'x' to the length; None when it does not fit."""
    digits = ""
    while True:
        index, digit = divmod(index, 32)
        digits = "0123456789abcdefghijklmnopqrstuv"[digit] + digits
        if not index:
            break
    return digits + "x" * (length - len(digits)) if len(digits) <= length else None


def _completing_line(text: str, marks: Sequence[Mark], url: str) -> int:
    """Where the first line starts whose addition to the text before it makes the page carry the URL."""
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    low, high = 1, len(starts)
    while low < high:
        middle = (low + high) // 2
        end = starts[middle]
        if any(found.value == url for found in _body_urls(text[:end], [m for m in marks if m.span.end <= end])):
            high = middle
        else:
            low = middle + 1
    return starts[low - 1]
