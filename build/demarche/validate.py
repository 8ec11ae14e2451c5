"""Stage 2, validate: check every record against its schema and build typed records.

Every problem of every file is collected; nothing stops at the first.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import difflib
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, Protocol
from urllib.parse import urlsplit

from demarche import htmlcheck
from demarche.chars import BIDI, describe, hidden_in, mixed_scripts
from demarche.load import Position, RawRecord, bidi_warning
from demarche.memo import FileMemo
from demarche.overlap import SHINGLE_WORDS, repeated_texts
from demarche.problems import Problem, has_errors
from demarche.quotes import closest_passage, find_quote, normalise, unmarked_quotes
from demarche.records import Actor, Agreement, Archive, Demand, Role, Source, Statement
from demarche.schema import ID_MAX, KINDS, NESTED, PLACEHOLDER, RESERVED_IDS, SEARCH_BOX_ID_PREFIX, SOURCE_PAGE_ANCHORS, Field
from demarche.slug import heading_anchor, is_id, slugify
from demarche.text import md
from demarche.urls import FOLDERS

_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_WIKIDATA = re.compile(r"Q[1-9][0-9]*")
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\(")
_USERINFO = re.compile(r"(//)[^/?#\\@]*@")
_USERINFO_HINT = "remove the 'name:password@' part: a reader's browser would send it"
# Words so common that an alias made of them would find a "mention" in nearly every text (as written: "US" is a name).
_COMMON_WORDS = """a about after all also an and any are as at be but by can did do does for from had has have he her his how i if in
    into is it its may me might must my no not of on one or our out over she should so some than that the their them then
    there these they this those to up us was we were what when where which who why will with would you your
    а без бы был была были было в вам вас во вы да для до его ее её если же за и из или их к как ко когда кто ли мы на над
    не нет ни но о об он она они оно от по под при с со так то тот у что это я"""
COMMON_WORDS = frozenset(_COMMON_WORDS.split())
FUTURE_DAYS = 365  # a date more than this after today is most likely a typo
SHORT_QUOTE_WORDS, SHORT_QUOTE_LETTERS = 3, 12
_ALNUM = re.compile(r"[^\W_]")


class _Checker:
    """Checks one raw record; values that pass are returned cleaned, failures become problems."""

    def __init__(self, record: RawRecord, problems: list[Problem]) -> None:
        self.record = record
        self.problems = problems

    def error(self, path: tuple[str | int, ...], code: str, message: str, hint: str = "", key: bool = False) -> None:
        line, col = self.record.key_pos(*path) if key else self.record.pos(*path)
        self.problems.append(Problem(self.record.path, line, col, "error", code, message, hint))

    def warn(self, path: tuple[str | int, ...], code: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.record.path, *self.record.pos(*path), "warning", code, message, hint))

    def char_pos(self, path: tuple[str | int, ...], ch: str) -> Position:
        """Where the value at path writes ch (recorded by the loader), or where the value starts."""
        return next((at for c, at in self.record.hidden.get(path, ()) if c == ch), self.record.pos(*path))

    def check_mapping(self, data: Any, fields: tuple[Field, ...], path: tuple[str | int, ...], what: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.error(path, "wrong-type", f"{what} must be a set of 'key: value' lines")
            return {}
        names = [f.name for f in fields]
        for key in data:
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(names)}"
                self.error((*path, key), "unknown-key", f"unknown key '{key}' in {what}", hint, key=True)
        clean: dict[str, Any] = {}
        for spec in fields:
            if spec.name not in data:
                if spec.required:
                    self.error(
                        path or ("",),
                        "missing-field",
                        f"missing required field '{spec.name}' in {what}",
                        f"add a line '{spec.name}: {spec.example or '...'}'",
                    )
                continue
            if data[spec.name] is None:
                if spec.required:
                    self.error(
                        (*path, spec.name),
                        "missing-field",
                        f"required field '{spec.name}' has no value",
                        f"write it after the colon: '{spec.name}: {spec.example or '...'}'",
                        key=True,
                    )
                continue
            value = self.check_value(data[spec.name], spec, (*path, spec.name))
            if value is not None:
                clean[spec.name] = value
        return clean

    def check_value(self, value: Any, spec: Field, path: tuple[str | int, ...]) -> Any:
        if path in self.record.refused:  # the loader has said why
            return None
        kind = spec.type
        if kind in ("ids", "strings", "slugs", "roles", "statements"):
            if not isinstance(value, list):
                self.error(path, "wrong-type", f"'{spec.name}' must be a list", f"write {spec.name}: [{_show(value)}]")
                return None
            item_spec = Field(
                spec.name, {"ids": "id", "strings": "string", "slugs": "slug"}.get(kind, kind), spec.doc, ref=spec.ref
            )
            if kind in NESTED:
                return [self.check_mapping(v, NESTED[kind], (*path, i), f"{spec.name} item {i + 1}") for i, v in enumerate(value)]
            items = [self.check_value(v, item_spec, (*path, i)) for i, v in enumerate(value)]
            return tuple(v for v in items if v is not None)
        if kind == "bool":
            if not isinstance(value, bool):
                self.error(path, "wrong-type", f"'{spec.name}' must be true or false, not {_show(value)}")
                return None
            return value
        if not isinstance(value, str):
            hint = "put it in quotes" if isinstance(value, (int, float, bool)) else ""
            if isinstance(value, dict):
                hint = "put text that holds ': ' in quotes"
            if kind == "date" and isinstance(value, int):
                value = str(value)
            else:
                self.error(path, "wrong-type", f"'{spec.name}' must be {_expected(kind)}, not {_type_name(value)}", hint)
                return None
        return self._check_text(value, spec, path)

    def _check_text(self, value: str, spec: Field, path: tuple[str | int, ...]) -> str | None:
        kind = spec.type
        text = value.strip()
        if not text:
            self.error(path, "empty-value", f"'{spec.name}' is empty")
            return None
        if spec.lines:
            self._warn_bidi(text, spec, path)
        elif not self._one_line(text, spec, path):
            return None
        if kind in ("id", "slug"):
            if text in spec.words:
                return text
            if not is_id(text):
                self.error(
                    path,
                    "bad-id",
                    f"'{text}' is not a valid id",
                    f"ids are lowercase ASCII words joined by '-', at most {ID_MAX} characters, like '{slugify(text) or 'nato'}'",
                )
                return None
            return text
        if kind == "enum":
            if text not in spec.choices:
                close = difflib.get_close_matches(text, spec.choices, n=1, cutoff=0.5)
                hint = f"did you mean '{close[0]}'?" if close else f"one of: {', '.join(spec.choices)}"
                self.error(path, "bad-value", f"'{text}' is not a known {spec.name}", hint)
                return None
            return text
        if kind == "date":
            return self._check_date(text, spec, path)
        if kind == "url":
            return self._check_url(text, spec, path)
        if kind == "language" and not _LANGUAGE.fullmatch(text):
            self.error(path, "bad-value", f"'{text}' is not a language code", "use a code such as en, ru, uk, de")
            return None
        if kind == "wikidata" and not _WIKIDATA.fullmatch(text):
            self.error(path, "bad-value", f"'{text}' is not a Wikidata item id", "like Q150851")
            return None
        if kind in ("text", "string") and not spec.lines:
            self._warn_look_alike(text, spec, path)
        if kind == "text" and spec.name != "quote":
            return " ".join(text.split())
        doubt = _alias_doubt(text) if spec.name == "aliases" else ""
        if doubt:
            self.warn(
                path,
                "common-alias",
                f"alias '{text}' {doubt}",
                "names are found as written, capitals too ('US' is not 'us'): write it as texts write the name, or leave it out",
            )
        return text

    def _check_url(self, text: str, spec: Field, path: tuple[str | int, ...]) -> str | None:
        if not _is_web_url(text):
            self.error(path, "bad-url", f"'{spec.name}' must be an http or https address, not '{text[:60]}'")
            return None
        if htmlcheck.refusal(text) == "userinfo":
            self.error(
                path,
                "bad-url",
                f"'{spec.name}' must not carry a user name or password: '{_masked(text)[:60]}'",
                _USERINFO_HINT,
            )
            return None
        return text

    def _one_line(self, text: str, spec: Field, path: tuple[str | int, ...]) -> bool:
        """One line of visible text: no line break, no tab, no character that does not show (see chars.hidden)."""
        found = next(hidden_in(text), None)
        if found is None:
            return True
        ch = text[found]
        if ch in "\n\t\u2028\u2029":
            what = "a tab" if ch == "\t" else "a line break"
            message, hint = f"'{spec.name}' holds {what}: it must be one line", "write it on one line, with spaces"
        else:
            shows = "changes the order in which the text around it is shown" if BIDI.match(ch) else "does not show"
            message = f"'{spec.name}' holds {describe(ch)}, a character that {shows}"
            hint = "delete it: it was probably pasted in with the text"
        self.problems.append(Problem(self.record.path, *self.char_pos(path, ch), "error", "hidden-character", message, hint))
        return False

    def _warn_look_alike(self, text: str, spec: Field, path: tuple[str | int, ...]) -> None:
        mixed = mixed_scripts(text)
        if mixed:
            word, scripts = mixed
            self.warn(
                path,
                "mixed-scripts",
                f"'{spec.name}' has a word that mixes {' and '.join(s.title() for s in scripts)} letters: '{word}'",
                "letters that look alike are different characters (Latin 'o', Cyrillic 'о'): type the word in one alphabet",
            )

    def _warn_bidi(self, text: str, spec: Field, path: tuple[str | int, ...]) -> None:
        found = BIDI.findall(text)
        if found:
            self.problems.append(
                bidi_warning(self.record.path, self.char_pos(path, found[0]), found[0], f"'{spec.name}'", len(found))
            )

    def _check_date(self, text: str, spec: Field, path: tuple[str | int, ...]) -> str | None:
        if not _DATE.fullmatch(text):
            self.error(path, "bad-date", f"'{spec.name}' must be a date YYYY-MM-DD, YYYY-MM or YYYY, not '{text}'")
            return None
        if not is_date(text):
            self.error(path, "bad-date", f"'{text}' is not a real date")
            return None
        if _first_day(text) > dt.date.today() + dt.timedelta(days=FUTURE_DAYS):
            self.warn(path, "future-date", f"'{spec.name}' is {text}, more than a year after today", "check the year")
        return text


def is_date(text: str) -> bool:
    """A real date written YYYY-MM-DD, YYYY-MM or YYYY."""
    if not _DATE.fullmatch(text):
        return False
    try:
        _first_day(text)
    except ValueError:
        return False
    return True


def _first_day(text: str) -> dt.date:
    """The first day of the date, month or year that text (YYYY-MM-DD, YYYY-MM or YYYY) writes; ValueError if none."""
    match = _DATE.fullmatch(text)
    if not match:
        raise ValueError(text)
    year, month, day = (int(g) if g else 1 for g in match.groups())
    return dt.date(year, month, day)


def _alias_doubt(alias: str) -> str:
    """Why an alias would be found where the name is not meant, or ''.

    Made only of common words, as written or capitalised ('the', 'The'; not 'US'), or one word all in
    lower case (names are written with capitals in the archive's languages); names are found word by
    word, so an alias with no word is never found.
    """
    words = re.findall(r"\w+", alias)
    if not words:
        return "has no letter or digit: no text will ever mention it"
    if all(w in COMMON_WORDS or (w.istitle() and w.lower() in COMMON_WORDS) for w in words):
        what = "is a common word" if len(words) == 1 else "is made of common words"
        return f"{what}: every '{alias}' in a text would count as a mention"
    if len(words) == 1 and words[0].islower():
        return f"is one word in lower case: any '{alias}' in a text would count as a mention, and '{alias.title()}' never"
    return ""


def _is_web_url(text: str) -> bool:
    if any(ch.isspace() or ord(ch) < 32 or ch in '"<>\\`' for ch in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _masked(url: str) -> str:
    """A URL as a message shows it: a user name or password it carries is not repeated."""
    return _USERINFO.sub(r"\1***@", url)


def _show(value: Any) -> str:
    return str(value) if not isinstance(value, (dict, list)) else "..."


def _type_name(value: Any) -> str:
    return {dict: "a set of keys", list: "a list", bool: "true/false", int: "a number", float: "a number"}.get(
        type(value), "a value"
    )


def _expected(kind: str) -> str:
    return {"date": "a date", "url": "an address", "id": "an id", "slug": "an id"}.get(kind, "text")


class StatementMemo(FileMemo, Protocol):
    """What this stage built of each source file's statements when it last checked the file as it is now.

    The statements of a source, and the problems found in them, depend on its file alone; the load
    cache (cache.SourceCache) keeps them with the file's entry, so an unchanged source's quotes are
    not searched and marked again. So do the problems of a check of one file alone (its links).
    """

    def recall(self, path: str) -> tuple[tuple[Statement, ...], list[Problem]] | None: ...

    def keep(self, path: str, statements: tuple[Statement, ...], problems: list[Problem]) -> None: ...


def validate(
    raws: Iterable[RawRecord], memo: StatementMemo | None = None, all_warnings: bool = True
) -> tuple[Archive, list[Problem]]:
    """Check every record and every reference between them; build the archive from what passes.

    all_warnings False (a build, which shows problems only when there is an error; pass True when
    an earlier stage found one): the check for repeated texts, a warning that costs as much as the
    rest of this stage, runs only when an error is found, so a failing build shows the same problems
    as `demarche check`.
    """
    problems: list[Problem] = []
    cleaned: list[tuple[RawRecord, dict[str, Any]]] = []
    for raw in raws:
        clean, found = _checked_record(raw, memo)
        problems.extend(found)
        cleaned.append((raw, clean))
    ids = _check_unique_ids(cleaned, problems)
    _check_references(cleaned, ids, problems)
    _check_former_ids(cleaned, ids, problems)
    archive = _build_archive(cleaned, problems, memo)
    if all_warnings or has_errors(problems):
        problems.extend(_repeated_texts(archive.sources, {raw.path: raw.body_line for raw, _ in cleaned}))
    return archive, problems


def checked_alone(raw: RawRecord, memo: StatementMemo) -> None:
    """What validate finds in one file alone, found ahead and kept in memo, where validate recalls it: the checks of its
    fields, a source's statements, its links. Files can so be checked on several processors (cache.SourceCache.load);
    what is kept is what validate would keep, under the same keys."""
    clean, _ = _checked_record(raw, memo)
    sources = {}
    if raw.kind == "source" and is_id(raw.file_id) and _complete(clean, KINDS[raw.kind].fields):
        sources[raw.path] = _build_source(raw, clean, [], memo)
    _check_links([(raw, clean)], sources, [], memo)


def _checked_record(raw: RawRecord, memo: FileMemo | None) -> tuple[dict[str, Any], list[Problem]]:
    """The checks of one file alone (its name, the placeholder, every field): its checked values and their problems.

    They depend on the file and on today's date (a date more than FUTURE_DAYS ahead is a warning),
    so the memo keeps them with the file's entry under the date.
    """
    today = dt.date.today().isoformat()
    kept = memo.recall_derived(raw.path, "fields", today) if memo else None
    recalled = _recalled_record(kept, raw.kind)
    if recalled is not None:
        return recalled
    problems: list[Problem] = []
    checker = _Checker(raw, problems)
    _check_file_name(raw, checker)
    _check_placeholder(raw, problems)
    clean = checker.check_mapping(raw.data, KINDS[raw.kind].fields, (), "the front matter") if raw.readable else {}
    _check_translator(clean, checker)
    if memo:
        memo.keep_derived(raw.path, "fields", today, [clean, [list(dataclasses.astuple(p)) for p in problems]])
    return clean, problems


def _recalled_record(kept: Any, kind: str) -> tuple[dict[str, Any], list[Problem]] | None:
    """What _checked_record kept, as it returned it (JSON has lists where it gave tuples), or None when kept is not that."""
    problems = _recalled_problems(kept[1]) if isinstance(kept, list) and len(kept) == 2 else None
    if problems is None:
        return None
    try:
        return _restored_values(kept[0], KINDS[kind].fields), problems
    except (TypeError, KeyError, AttributeError):
        return None


def _restored_values(data: dict[str, Any], fields: tuple[Field, ...]) -> dict[str, Any]:
    """Checked values back from JSON: check_value gives a tuple for a list of ids or strings, a list of mappings for a nested list."""
    restored: dict[str, Any] = {}
    for spec in fields:
        if spec.name in data:
            value = data[spec.name]
            if spec.type in NESTED:
                value = [_restored_values(item, NESTED[spec.type]) for item in value]
            elif spec.type in ("ids", "strings", "slugs"):
                value = tuple(value)
            restored[spec.name] = value
    if restored.keys() != data.keys():
        raise KeyError("not checked values")
    return restored


def _repeated_texts(sources: tuple[Source, ...], body_lines: dict[str, int]) -> Iterator[Problem]:
    """A warning on each text that largely repeats another (see overlap.py), at its first line."""
    for found in repeated_texts([s.body for s in sources]):
        source, other = sources[found.index], sources[found.other]
        yield Problem(
            source.path,
            body_lines[source.path],
            1,
            "warning",
            "repeated-text",
            f"this text largely repeats {other.path} (“{other.title}”): {int(found.share * 100)}% of its "
            f"{SHINGLE_WORDS}-word runs stand there too",
            "if it is the same text under another title, keep one source and give it the statements of both; "
            "if both must stay (a reprint), say so in the summary",
        )


def _check_translator(clean: dict[str, Any], checker: _Checker) -> None:
    """A translator belongs to a translation: one named without the original's language is most likely a slip."""
    if "translator" in clean and "original_language" not in clean:
        checker.warn(
            ("translator",),
            "translator-without-original",
            "a translator is named, but 'original_language' is not set",
            "add 'original_language:' with the code of the language the text was translated from (ru, uk, de...)",
        )


def _check_file_name(raw: RawRecord, checker: _Checker) -> None:
    reserved = RESERVED_IDS[raw.kind].get(raw.file_id)
    if reserved:
        checker.problems.append(
            Problem(
                raw.path,
                1,
                1,
                "error",
                "reserved-id",
                f"'{raw.file_id}' cannot be an id: {reserved.format(folder=FOLDERS[raw.kind])}",
                f"rename the file, for example to '{raw.kind}-{raw.file_id}.md'",
            )
        )
    if not is_id(raw.file_id):
        suggestion = slugify(raw.file_id) or "an-id"
        checker.problems.append(
            Problem(
                raw.path,
                1,
                1,
                "error",
                "bad-file-name",
                f"file name '{raw.file_id}.md' is not a valid id",
                f"rename it to '{suggestion}.md': lowercase ASCII words joined by '-'",
            )
        )
    folder = raw.path.split("/")[-2] if "/" in raw.path else ""
    home = KINDS[raw.kind].folder
    if raw.kind != "source" and folder != home:
        a_kind = f"{'an' if raw.kind[0] in 'aeiou' else 'a'} {raw.kind}"
        checker.problems.append(
            Problem(
                raw.path,
                1,
                1,
                "error",
                "wrong-folder",
                f"{a_kind} belongs directly in sources/{home}/, not in folder '{folder}'",
                f"move the file to sources/{home}/{raw.file_id}.md",
            )
        )
    if raw.kind == "source" and isinstance(raw.data, dict):
        year = folder
        date = str(raw.data.get("date", ""))
        if date[:4].isdigit() and year != date[:4]:
            checker.error(
                ("date",),
                "wrong-folder",
                f"a source dated {date} belongs in sources/texts/{date[:4]}/, not in folder '{year}'",
                f"move the file to sources/texts/{date[:4]}/{raw.file_id}.md",
            )


def _check_placeholder(raw: RawRecord, problems: list[Problem]) -> None:
    at = raw.body.find(PLACEHOLDER)
    if at >= 0:
        what = KINDS[raw.kind].body
        problems.append(
            _body_problem(
                raw,
                [],
                at,
                "placeholder",
                "the placeholder line written by `demarche new` is still here",
                f"replace it with {what[0].lower()}{what[1:]}",
            )
        )


def _check_unique_ids(cleaned: list[tuple[RawRecord, dict[str, Any]]], problems: list[Problem]) -> dict[str, set[str]]:
    ids: dict[str, set[str]] = {kind: set() for kind in KINDS}
    first: dict[tuple[str, str], str] = {}
    for raw, _ in cleaned:
        key = (raw.kind, raw.file_id)
        if key in first:
            problems.append(
                Problem(
                    raw.path,
                    1,
                    1,
                    "error",
                    "duplicate-id",
                    f"duplicate {raw.kind} id '{raw.file_id}': {first[key]} has it too",
                    "rename one of the files",
                )
            )
            continue
        first[key] = raw.path
        ids[raw.kind].add(raw.file_id)
    return ids


def _references(raw: RawRecord, clean: dict[str, Any]) -> Iterable[tuple[tuple[str | int, ...], str, str]]:
    """Every (path, referenced kind, id) in one cleaned record."""
    for spec in KINDS[raw.kind].fields:
        yield from _field_references(spec, clean.get(spec.name), (spec.name,))
    for name, fields in NESTED.items():
        for i, item in enumerate(clean.get(name) or ()):
            for spec in fields:
                yield from _field_references(spec, item.get(spec.name), (name, i, spec.name))


def _field_references(spec: Field, value: Any, path: tuple[str | int, ...]) -> Iterable[tuple[tuple[str | int, ...], str, str]]:
    if not spec.ref or value is None:
        return
    if spec.type == "id":
        if value not in spec.words:
            yield path, spec.ref, value
    else:
        raw_items = value
        for i, item in enumerate(raw_items):
            yield (*path, i), spec.ref, item


def _check_references(cleaned: list[tuple[RawRecord, dict[str, Any]]], ids: dict[str, set[str]], problems: list[Problem]) -> None:
    for raw, clean in cleaned:
        checker = _Checker(raw, problems)
        for path, kind, ref in _references(raw, clean):
            if ref not in ids[kind]:
                close = difflib.get_close_matches(ref, sorted(ids[kind]), n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else f"add sources/{KINDS[kind].folder}/{ref}.md or fix the id"
                checker.error(_raw_path(raw, path), "unknown-id", f"unknown {kind} id '{ref}'", hint)


def _raw_path(raw: RawRecord, path: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Cleaned lists drop invalid items, so find the raw position of a list item by its value."""
    if not isinstance(path[-1], int):
        return path
    parent, index = path[:-1], path[-1]
    items: Any = raw.data
    for key in parent:
        if isinstance(items, dict) and isinstance(key, str):
            items = items.get(key)
        elif isinstance(items, list) and isinstance(key, int) and key < len(items):
            items = items[key]
        else:
            return path
    if not isinstance(items, list):
        return path
    valid = [v.strip() for v in items if isinstance(v, str) and is_id(v.strip())]
    target = valid[index] if index < len(valid) else None
    for i, v in enumerate(items):
        if isinstance(v, str) and v.strip() == target:
            return (*parent, i)
    return path


def _check_former_ids(cleaned: list[tuple[RawRecord, dict[str, Any]]], ids: dict[str, set[str]], problems: list[Problem]) -> None:
    claimed: dict[tuple[str, str], str] = {}
    for raw, clean in cleaned:
        checker = _Checker(raw, problems)
        for i, old in enumerate(clean.get("former_ids") or ()):
            path = _raw_path(raw, ("former_ids", i))
            if old == raw.file_id:
                checker.error(path, "former-id-own", f"former id '{old}' is this record's own id", "remove it from former_ids")
            elif old in ids[raw.kind]:
                checker.error(
                    path,
                    "former-id-live",
                    f"former id '{old}' is the id of a live {raw.kind}",
                    "a former id must not be in use: remove it from former_ids or rename the other record",
                )
            elif (raw.kind, old) in claimed:
                checker.error(
                    path,
                    "former-id-taken",
                    f"former id '{old}' is claimed by {claimed[(raw.kind, old)]} too",
                    "one old URL can send readers to one record only",
                )
            else:
                claimed[(raw.kind, old)] = raw.path


def _build_archive(
    cleaned: list[tuple[RawRecord, dict[str, Any]]], problems: list[Problem], memo: StatementMemo | None = None
) -> Archive:
    built: dict[str, list[Any]] = defaultdict(list)
    sources: dict[str, Source] = {}
    for raw, clean in cleaned:
        if not is_id(raw.file_id) or not _complete(clean, KINDS[raw.kind].fields):
            continue
        builder = {"actor": _build_actor, "agreement": _build_agreement, "demand": _build_demand}
        record = _build_source(raw, clean, problems, memo) if raw.kind == "source" else builder[raw.kind](raw, clean, problems)
        built[raw.kind].append(record)
        if isinstance(record, Source):
            sources[raw.path] = record
    _check_links(cleaned, sources, problems, memo)
    return Archive(
        sources=tuple(sorted(built["source"], key=lambda s: (s.date, s.id))),
        actors=tuple(sorted(built["actor"], key=lambda a: a.id)),
        agreements=tuple(sorted(built["agreement"], key=lambda a: a.id)),
        demands=tuple(sorted(built["demand"], key=lambda d: d.id)),
    )


def _complete(clean: dict[str, Any], fields: tuple[Field, ...]) -> bool:
    """Whether every required field passed its check: a record or item without one is not built."""
    return all(f.name in clean for f in fields if f.required)


def _field_values(clean: dict[str, Any], fields: tuple[Field, ...]) -> dict[str, Any]:
    """The checked values as the record's keyword arguments; lists of roles or statements are built apart."""
    return {f.attr: clean[f.name] for f in fields if f.name in clean and f.type not in NESTED}


def _record_values(raw: RawRecord, clean: dict[str, Any]) -> dict[str, Any]:
    """A record's derived id, path and body, and its front-matter fields."""
    return {"id": raw.file_id, "path": raw.path, "body": _page_body(raw)[0], **_field_values(clean, KINDS[raw.kind].fields)}


def _build_actor(raw: RawRecord, clean: dict[str, Any], problems: list[Problem]) -> Actor:
    roles = tuple(Role(**_field_values(r, NESTED["roles"])) for r in clean.get("roles", ()) if _complete(r, NESTED["roles"]))
    return Actor(**_record_values(raw, clean), roles=roles)


def _build_agreement(raw: RawRecord, clean: dict[str, Any], problems: list[Problem]) -> Agreement:
    return Agreement(**_record_values(raw, clean))


def _build_demand(raw: RawRecord, clean: dict[str, Any], problems: list[Problem]) -> Demand:
    return Demand(**_record_values(raw, clean))


def _build_source(raw: RawRecord, clean: dict[str, Any], problems: list[Problem], memo: StatementMemo | None) -> Source:
    values = _record_values(raw, clean)
    known = memo.recall(raw.path) if memo else None
    if known is None:
        found: list[Problem] = []
        known = _build_statements(raw, clean, values["body"], found), found
        if memo:
            memo.keep(raw.path, *known)
    problems.extend(known[1])
    return Source(**values, statements=known[0])


def _build_statements(raw: RawRecord, clean: dict[str, Any], body: str, problems: list[Problem]) -> tuple[Statement, ...]:
    checker = _Checker(raw, problems)
    normal_body = normalise(body)
    statements: list[Statement] = []
    indexes: list[int] = []  # each built statement's place in the list as written
    seen: dict[str, int] = {}
    title_anchor = heading_anchor(clean["title"])
    for i, item in enumerate(clean.get("statements", ())):
        if not _complete(item, NESTED["statements"]):
            continue
        span = find_quote(item["quote"], normal_body)
        if span is None:
            passage = closest_passage(item["quote"], body)
            checker.error(
                ("statements", i, "quote"),
                "quote-not-found",
                "quote not found in the text",
                f'closest passage in the text: "{passage}"' if passage else "the text is empty",
            )
            continue
        _check_short_quote(checker, item["quote"], ("statements", i, "quote"))
        date = item.get("date", clean["date"])
        if date > clean["date"] and not clean["date"].startswith(date):
            checker.error(
                ("statements", i, "date"), "date-after-source", f"statement dated {date}, after its source's date {clean['date']}"
            )
        sid = item.get("id") or statement_anchor(item["speaker"], item["quote"])
        if sid in seen:
            checker.error(
                ("statements", i, "id" if "id" in item else "quote"),
                "duplicate-statement",
                f"statement id '{sid}' is used by statement {seen[sid] + 1} too",
                "give one of them its own 'id:'",
            )
            continue
        seen[sid] = i
        taken = _anchor_taken(sid, title_anchor, seen)
        if taken:
            derived = "" if "id" in item else " (made from its speaker and quote)"
            checker.error(
                ("statements", i, "id" if "id" in item else "quote"),
                "reserved-anchor",
                f"statement id '{sid}'{derived} {taken}",
                "give the statement another 'id:'",
            )
        values = _field_values(item, NESTED["statements"]) | {"id": sid, "date": date}
        line = raw.pos("statements", i, "quote")[0]
        statements.append(Statement(**values, source_id=raw.file_id, span=span, line=line))
        indexes.append(i)
    problems.extend(unmarked_quotes(raw, body, statements))
    return tuple(_check_same_as(checker, statements, indexes))


def _check_same_as(checker: _Checker, statements: list[Statement], indexes: list[int]) -> Iterator[Statement]:
    """Each statement, with a `same_as` that passes kept and one that fails dropped (its problems reported).

    A repeat names a statement of its own source, by the same speaker, that is no repeat itself (so
    there is no chain and no cycle: every remark has one statement that carries it).
    """
    by_id = {st.id: st for st in statements}
    for st, i in zip(statements, indexes, strict=True):
        if st.same_as is None:
            yield st
            continue
        problem = _same_as_problem(st, by_id)
        if problem:
            checker.error(("statements", i, "same_as"), *problem)
            st = dataclasses.replace(st, same_as=None)
        yield st


def _same_as_problem(st: Statement, by_id: dict[str, Statement]) -> tuple[str, str, str] | None:
    """The code, message and hint of what is wrong with a statement's `same_as`, or None."""
    target = by_id.get(st.same_as or "")
    if st.same_as == st.id:
        return "same-as-itself", f"statement '{st.id}' is named as the same as itself", "name the other statement's id"
    if target is None:
        close = difflib.get_close_matches(st.same_as or "", sorted(by_id), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else "same_as names the id of another statement of this source"
        return "unknown-statement", f"no statement '{st.same_as}' in this source", hint
    if target.speaker != st.speaker:
        return (
            "same-as-speaker",
            f"statement '{target.id}' is by '{target.speaker}', this one by '{st.speaker}': one remark has one speaker",
            "same_as links two reports of one remark; a reply or a paraphrase by someone else is a statement of its own",
        )
    if target.same_as:
        return (
            "same-as-chain",
            f"statement '{target.id}' is itself the same as '{target.same_as}'",
            f"name '{target.same_as}', or the statement that carries the remark",
        )
    return None


def _check_short_quote(checker: _Checker, quote: str, path: tuple[str | int, ...]) -> None:
    def words() -> Iterator[str]:
        return (word for word in quote.split() if _ALNUM.search(word))  # a dash alone is not a word

    if _at_least(SHORT_QUOTE_WORDS, words()) and _at_least(SHORT_QUOTE_LETTERS, filter(str.isalpha, quote)):
        return  # the usual case, decided without counting every word and letter
    count, letters = sum(1 for _ in words()), sum(map(str.isalpha, quote))
    checker.warn(
        path,
        "short-quote",
        f"a short quote ({count} word{'s' if count != 1 else ''}, {letters} letter{'s' if letters != 1 else ''}) "
        "may stand in the text more than once, and says little out of its context",
        f"quote at least {SHORT_QUOTE_WORDS} words and {SHORT_QUOTE_LETTERS} letters: the whole phrase the speaker is known for",
    )


def _at_least(count: int, items: Iterator[str]) -> bool:
    return sum(1 for _ in itertools.islice(items, count)) == count


def _anchor_taken(sid: str, title_anchor: str, earlier: dict[str, int]) -> str:
    """How a statement's anchors (sid, and q-sid on its passage in the text) clash with another on its source's page, or ''."""
    for anchor in (sid, f"q-{sid}"):
        if anchor in SOURCE_PAGE_ANCHORS:
            other = f"the heading '{SOURCE_PAGE_ANCHORS[anchor]}' of the source's page"
        elif anchor == title_anchor:
            other = "the title of the source's page"
        elif anchor.startswith(SEARCH_BOX_ID_PREFIX):
            other = f"the search box in every page's header, whose ids start with '{SEARCH_BOX_ID_PREFIX}'"
        elif anchor.startswith("q-") and anchor[2:] in earlier and anchor[2:] != sid:
            other = f"the passage of statement {earlier[anchor[2:]] + 1} in the text"
        elif anchor in earlier and anchor != sid:
            other = f"statement {earlier[anchor] + 1}"
        else:
            continue
        return (
            f"is already the anchor of {other}"
            if anchor == sid
            else f"gives its passage the anchor '{anchor}', already that of {other}"
        )
    return ""


def statement_anchor(speaker: str, quote: str) -> str:
    """A statement's anchor from what it is, never from where it stands in the list.

    The speaker and the first words of the quote: adding, removing or reordering statements, or
    fixing a typo elsewhere in the text, leaves it as it was. Two statements that would share an
    anchor are an error asking for an explicit id, so no anchor ever shifts to make room.
    """
    words = slugify(quote, max_words=8, max_length=48)
    return "-".join(part for part in (slugify(speaker, max_length=30), words) if part)


def _page_body(raw: RawRecord) -> tuple[str, int]:
    """A record's body as its page shows it, and where that starts in raw.body.

    A source keeps the indentation of its first line (its text as published, code blocks too);
    other bodies are short descriptions, trimmed.
    """
    trim = "\n" if raw.kind == "source" else None
    start = raw.body.lstrip(trim)
    return start.rstrip(trim), len(raw.body) - len(start)


def _check_links(
    cleaned: list[tuple[RawRecord, dict[str, Any]]],
    sources: dict[str, Source],
    problems: list[Problem],
    memo: StatementMemo | None,
) -> None:
    """Every URL that a record would put on a page must be safe: see htmlcheck. Images are refused outright.

    What is found in a file depends on that file alone (its text, and the statements built of it),
    so the memo keeps it with the file's entry.
    """
    for raw, _ in cleaned:
        known = _recalled_problems(memo.recall_derived(raw.path, "links", "") if memo else None)
        if known is None:
            known = []
            lines: list[int] = []
            _check_images(raw, lines, known)
            _check_body_links(raw, sources.get(raw.path), lines, known)
            _check_field_links(raw, known)
            if memo:
                memo.keep_derived(raw.path, "links", "", [list(dataclasses.astuple(p)) for p in known])
        problems.extend(known)


def _recalled_problems(kept: Any) -> list[Problem] | None:
    """Problems as keep_derived was given them, or None when kept is not that."""
    try:
        return [Problem(*p) for p in kept] if isinstance(kept, list) else None
    except TypeError:
        return None


def _check_images(raw: RawRecord, lines: list[int], problems: list[Problem]) -> None:
    """Images are refused wherever written, as the site loads nothing from other hosts."""
    for m in _MD_IMAGE.finditer(raw.body):
        problems.append(_body_problem(raw, lines, m.start(), "image", _IMAGE, _IMAGE_HINT))


_IMAGE = "images are not allowed in a text"
_IMAGE_HINT = "the site loads nothing from other hosts; describe the image in words"


def _check_body_links(raw: RawRecord, source: Source | None, lines: list[int], problems: list[Problem]) -> None:
    """The body rendered as its page renders it; each refused URL reported where it is written (a definition's line)."""
    body, offset = _page_body(raw)
    marks = htmlcheck.source_marks(source) if source else []
    for link in htmlcheck.unsafe_links(body, marks):
        code, message, hint = _link_problem(link.written, link.reason)
        problems.append(_body_problem(raw, lines, offset + link.start, code, message, hint))


def _link_problem(written: str, reason: str) -> tuple[str, str, str]:
    """The code, message and hint for a refused link."""
    shown = _masked(written)[:60]
    if reason == "userinfo":
        return (
            "unsafe-link",
            f"link to '{shown}': a link must not carry a user name or password",
            _USERINFO_HINT,
        )
    if reason == "load":
        return "image", _IMAGE, _IMAGE_HINT
    hint = "write the address without the angle brackets" if written.startswith("<") else ""
    return "unsafe-link", f"link to '{shown}': links in a text may go to http(s) or mailto addresses only", hint


def _check_field_links(raw: RawRecord, problems: list[Problem]) -> None:
    """Text fields go into pages as inline Markdown through text.md; what that makes of them is judged too."""
    checker = _Checker(raw, problems)
    for path, value in _markdown_values(raw.data, KINDS[raw.kind].fields, ()):
        for url, _ in htmlcheck.unsafe_urls(md(value)):
            name = next(part for part in reversed(path) if isinstance(part, str))
            checker.error(path, "unsafe-link", f"'{name}' would put a link to '{_masked(url)[:60]}' on its page", _NO_LINK)


_NO_LINK = "a field is shown as plain text: write the address in 'url' or in the text"


def _markdown_values(
    data: Any, fields: tuple[Field, ...], path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every text value of a record that a page shows as Markdown, with its path."""
    if not isinstance(data, dict):
        return
    for spec in fields:
        value = data.get(spec.name)
        if value is None:
            continue
        if spec.type in NESTED and isinstance(value, list):
            for i, item in enumerate(value):
                yield from _markdown_values(item, NESTED[spec.type], (*path, spec.name, i))
        elif spec.type in ("text", "string"):
            if isinstance(value, str):
                yield (*path, spec.name), value
        elif spec.type == "strings" and isinstance(value, list):
            yield from (((*path, spec.name, i), item) for i, item in enumerate(value) if isinstance(item, str))


def _body_problem(raw: RawRecord, lines: list[int], index: int, code: str, message: str, hint: str = "") -> Problem:
    """A problem at a character offset of the body; lines caches where the body's lines start."""
    if not lines:
        lines.extend([0, *(m.end() for m in re.finditer("\n", raw.body))])
    line = bisect.bisect_right(lines, index)
    return Problem(raw.path, raw.body_line + line - 1, index - lines[line - 1] + 1, "error", code, message, hint)
