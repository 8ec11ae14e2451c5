"""Synthetic archives for the benchmark: seeded, shaped like the real archive, made of neutral filler.

Every word of every text is a generated pseudo-word, and so is every actor's name, so nothing here
can be mistaken for a real statement. What is real is the shape: sources of about a thousand words
with around ten statements whose quotes stand in the body, a few hundred actors mentioned with a
Zipf-like skew (a handful in nearly every source, as Russia or NATO are in the real one), and tens
of agreements and demands. The same shape and seed always give the same bytes.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from tests.conftest import make_project

from demarche.pipeline import Project
from demarche.validate import statement_anchor

_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "kr", "st", "tr", "sk")
_VOWELS = ("a", "e", "i", "o", "u", "ae", "ou", "ei")
_CODAS = ("", "", "n", "r", "l", "s", "m", "k")
_NAME_ENDINGS = ("ia", "ova", "ar", "enko", "is", "ande", "orn")
_SOURCE_KINDS = ("article", "statement", "speech", "transcript", "readout", "interview", "press-conference")
_AGREEMENT_KINDS = ("treaty", "agreement", "declaration", "charter", "decision", "memorandum", "assurance")
_STATUSES = ("open", "open", "open", "met", "rejected", "withdrawn")
FIRST_YEAR, LAST_YEAR = 2015, 2024


@dataclass(frozen=True)
class Shape:
    """How big a synthetic archive is; the defaults are the real archive's proportions."""

    sources: int
    actors: int = 300
    agreements: int = 40
    demands: int = 30
    words: int = 1000  # per source body
    statements: int = 10  # per source, on average
    seed: int = 2021


@dataclass(frozen=True)
class _Actor:
    id: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    part_of: str = ""
    role_of: str = ""


@dataclass(frozen=True)
class _Titled:
    id: str
    title: str


_Record = TypeVar("_Record", _Actor, _Titled)


class Generator:
    """Makes the records of one synthetic archive; every choice comes from one seeded random generator."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.rng = random.Random(shape.seed)
        self._zipf: dict[int, list[float]] = {}
        self.vocabulary = self._vocabulary(3000)
        self._taken = {w.casefold() for w in self.vocabulary}
        self.actors = self._actors()
        self.agreements = [_Titled(f"agreement-{i:03d}", f"Accord of {self._name()}") for i in range(1, shape.agreements + 1)]
        self.demands = [
            _Titled(f"demand-{i:03d}", f"Synthetic demand {i}: {self._phrase(4)}") for i in range(1, shape.demands + 1)
        ]
        self.speakers = [a for a in self.actors if a.kind in ("person", "body", "state")]
        self.parties = [a for a in self.actors if a.kind in ("state", "organization")]
        self.media = [a for a in self.actors if a.kind == "media"]

    def _syllable(self) -> str:
        return self.rng.choice(_ONSETS) + self.rng.choice(_VOWELS) + self.rng.choice(_CODAS)

    def _vocabulary(self, size: int) -> list[str]:
        words: set[str] = set()
        while len(words) < size:
            words.add("".join(self._syllable() for _ in range(self.rng.choice((1, 2, 2, 3)))))
        return sorted(words)

    def _name(self) -> str:
        """A capitalised pseudo-word that is not in the filler vocabulary and was not used before."""
        while True:
            name = (self._syllable() + self._syllable() + self.rng.choice(_NAME_ENDINGS)).capitalize()
            if name.casefold() not in self._taken:
                self._taken.add(name.casefold())
                return name

    def _phrase(self, n: int) -> str:
        return " ".join(self.rng.choice(self.vocabulary) for _ in range(n))

    def _actors(self) -> list[_Actor]:
        """States and organisations first (the ones mentioned everywhere), then the rest in random order."""
        n = self.shape.actors
        states = [self._state(i) for i in range(max(3, n // 6))]
        organisations = [self._organisation() for _ in range(max(2, n // 10))]
        bodies = [self._body(self.rng.choice(states)) for _ in range(n // 8)]
        media = [_Actor(f"{(name := self._name()).lower()}-courier", f"{name} Courier", "media") for _ in range(max(1, n // 15))]
        people = [
            self._person(self.rng.choice(states + organisations)) for _ in range(n - len(states + organisations + bodies + media))
        ]
        rest = states[3:] + organisations[2:] + bodies + media + people
        self.rng.shuffle(rest)
        return [*states[:3], *organisations[:2], *rest]

    def _state(self, i: int) -> _Actor:
        name = self._name()
        aliases = (f"Republic of {name}",) if i % 2 else ()
        return _Actor(name.lower(), name, "state", aliases)

    def _organisation(self) -> _Actor:
        first, second = self._name(), self._name()
        acronym = f"{first[:2]}{second[0]}O".upper()
        while acronym.casefold() in self._taken:
            acronym += second[len(acronym) - 3 : len(acronym) - 2].upper() or "X"
        self._taken.add(acronym.casefold())
        return _Actor(f"{first}-{second}-organisation".lower(), f"{first} {second} Organisation", "organization", (acronym,))

    def _body(self, state: _Actor) -> _Actor:
        office = self._name()
        return _Actor(f"{office.lower()}-office-of-{state.id}", f"{office} Office of {state.name}", "body", part_of=state.id)

    def _person(self, of: _Actor) -> _Actor:
        first, last = self._name(), self._name()
        return _Actor(f"{first}-{last}".lower(), f"{first} {last}", "person", (last,), role_of=of.id)

    def zipf_pick(self, items: Sequence[_Record]) -> _Record:
        """An item drawn with weight 1/rank: the first few come up most of the time."""
        n = len(items)
        if n not in self._zipf:
            self._zipf[n] = list(itertools.accumulate(1 / r for r in range(1, n + 1)))
        return self.rng.choices(items, cum_weights=self._zipf[n])[0]

    def record_files(self) -> dict[str, str]:
        """Every actor, agreement and demand file of the archive (paths under the project)."""
        files = {f"sources/actors/{a.id}.md": self._actor_file(a) for a in self.actors}
        for i, agreement in enumerate(self.agreements):
            files[f"sources/agreements/{agreement.id}.md"] = self._agreement_file(agreement, i)
        for demand in self.demands:
            files[f"sources/demands/{demand.id}.md"] = self._demand_file(demand)
        return files

    def _actor_file(self, a: _Actor) -> str:
        fields: dict[str, object] = {"name": a.name, "kind": a.kind}
        if a.aliases:
            fields["aliases"] = list(a.aliases)
        if a.part_of:
            fields["part_of"] = a.part_of
        text = _front_matter(fields)
        if a.role_of:
            year = self.rng.randint(2000, FIRST_YEAR)
            text += f'roles:\n  - title: "Envoy {self._phrase(1)}"\n    of: {a.role_of}\n    from: {year}-0{self.rng.randint(1, 9)}-1{self.rng.randint(0, 9)}\n'
        return f"{text}---\nA synthetic {a.kind} for the benchmark: {self._phrase(12)}.\n"

    def _agreement_file(self, a: _Titled, i: int) -> str:
        parties = sorted({p.id for p in self.rng.sample(self.parties, k=min(3, len(self.parties)))})
        fields: dict[str, object] = {
            "title": a.title,
            "kind": _AGREEMENT_KINDS[i % len(_AGREEMENT_KINDS)],
            "date": f"{self.rng.randint(1950, 2014)}-0{self.rng.randint(1, 9)}-2{self.rng.randint(0, 8)}",
            "parties": parties,
            "url": f"https://example.org/bench/agreements/{a.id}",
        }
        return _front_matter(fields) + f"---\nA synthetic agreement for the benchmark: {self._phrase(20)}.\n"

    def _demand_file(self, d: _Titled) -> str:
        by = self.zipf_pick(self.parties)
        of = {self.zipf_pick(self.parties).id for _ in range(2)} - {by.id} or {self.parties[-1].id}
        fields: dict[str, object] = {"title": d.title, "by": [by.id], "of": sorted(of), "status": self.rng.choice(_STATUSES)}
        if self.rng.random() < 0.3:
            fields["agreements"] = [self.zipf_pick(self.agreements).id]
        return _front_matter(fields) + f"---\nA synthetic demand for the benchmark: {self._phrase(20)}.\n"

    def source_file(self, i: int, date: str | None = None) -> tuple[str, str]:
        """One source text: (path under the project, file text)."""
        rng = self.rng
        date = date or f"{rng.randint(FIRST_YEAR, LAST_YEAR)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        source_id = f"s{i:05d}-{self._phrase(2).replace(' ', '-')}"
        mentioned = [a for r, a in enumerate(self.actors, 1) if rng.random() < min(0.95, 2.0 / r**0.85)]
        named = [a for a in mentioned if rng.random() < 0.85]
        cited = [a for r, a in enumerate(self.agreements, 1) if rng.random() < min(0.5, 0.6 / r)]
        sentences = self._sentences([rng.choice((a.name, *a.aliases)) for a in named] + [a.title for a in cited])
        quoted = sorted(
            rng.sample(
                range(len(sentences)), k=min(len(sentences), rng.randint(self.shape.statements - 3, self.shape.statements + 3))
            )
        )
        statements = [st for n in quoted if (st := self._statement(sentences[n], date, mentioned)) is not None]
        statements = list({statement_anchor(str(st["speaker"]), str(st["quote"])): st for st in statements}.values())
        for n in quoted:
            sentences[n] = f"“{sentences[n]}”"
        fields: dict[str, object] = {
            "title": f"Synthetic source {i}: {self._phrase(5)}",
            "date": date,
            "kind": rng.choice(_SOURCE_KINDS),
            "publisher": self.rng.choice(self.media).name,
            "url": f"https://example.org/bench/{source_id}",
        }
        if rng.random() < 0.5:
            fields["summary"] = f"A synthetic text for the benchmark: {self._phrase(10)}."
        unnamed = [a.id for a in mentioned if a not in named]
        if unnamed:
            fields["actors"] = unnamed
        if rng.random() < 0.3:
            fields["demands"] = [self.zipf_pick(self.demands).id]
        text = _front_matter(fields) + "statements:\n" + "".join(_statement_yaml(st) for st in statements)
        return f"sources/texts/{date[:4]}/{source_id}.md", f"{text}---\n{_paragraphs(sentences, rng)}\n"

    def _sentences(self, names: list[str]) -> list[str]:
        """About shape.words words of filler in sentences, with each name standing in one of them."""
        rng = self.rng
        sentences: list[list[str]] = []
        total = 0
        while total < self.shape.words:
            words = [rng.choice(self.vocabulary) for _ in range(rng.randint(8, 18))]
            sentences.append(words)
            total += len(words)
        for name in names:
            words = rng.choice(sentences)
            words.insert(rng.randint(1, len(words) - 1), name)
        return [" ".join([words[0].capitalize(), *words[1:]]) + "." for words in sentences]

    def _statement(self, sentence: str, date: str, mentioned: list[_Actor]) -> dict[str, object] | None:
        rng = self.rng
        words = sentence.rstrip(".").split()
        if len(words) < 6:
            return None
        start = rng.randint(0, len(words) // 3)
        st: dict[str, object] = {"speaker": self.zipf_pick(self.speakers).id, "quote": " ".join(words[start:])}
        if rng.random() < 0.2:
            st["date"] = f"{date[:8]}{max(1, int(date[8:]) - rng.randint(1, 5)):02d}"
        if rng.random() < 0.3:
            st["occasion"] = f"Synthetic meeting {self._phrase(2)}"
        if rng.random() < 0.15:
            st["reported"] = True
        about = {a.id for a in rng.sample(mentioned, k=min(len(mentioned), rng.randint(0, 2)))}
        if about:
            st["about"] = sorted(about)
        for key, p in (("makes", 0.25), ("supports", 0.1), ("rejects", 0.1)):
            if rng.random() < p:
                st[key] = [self.zipf_pick(self.demands).id]
        if rng.random() < 0.15:
            st["cites"] = [self.zipf_pick(self.agreements).id]
        return st

    def filler_paragraph(self) -> str:
        """A paragraph of pseudo-words that names nothing: an edit that changes no mention."""
        return " ".join(self._phrase(12).capitalize() + "." for _ in range(5))


def _front_matter(fields: dict[str, object]) -> str:
    lines = ["---"]
    for key, value in fields.items():
        lines.append(f"{key}: {_yaml(value)}")
    return "\n".join(lines) + "\n"


def _yaml(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:4].isdigit() and value[4:5] == "-":
        return value
    return json.dumps(value, ensure_ascii=False)


def _statement_yaml(st: dict[str, object]) -> str:
    lines = [
        f"  - {key}: {_yaml(value)}" if i == 0 else f"    {key}: {_yaml(value)}" for i, (key, value) in enumerate(st.items())
    ]
    return "\n".join(lines) + "\n"


def _paragraphs(sentences: list[str], rng: random.Random) -> str:
    paragraphs: list[str] = []
    at = 0
    while at < len(sentences):
        size = rng.randint(5, 9)
        paragraphs.append(" ".join(sentences[at : at + size]))
        at += size
    return "\n\n".join(paragraphs)


def archive_files(shape: Shape) -> dict[str, str]:
    """Every file of a synthetic archive, as path under the project -> text."""
    gen = Generator(shape)
    files = gen.record_files()
    for i in range(1, shape.sources + 1):
        path, text = gen.source_file(i)
        files[path] = text
    return files


def generate_project(folder: Path, shape: Shape) -> Project:
    """A project folder: the synthetic sources/ plus the real templates, overrides, mkdocs.yml and hand-written pages."""
    project = make_project(folder, {})
    for rel, text in archive_files(shape).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return project


def edit_one_source(project: Project, shape: Shape) -> str:
    """Add a paragraph of filler to the body of the source in the middle of the archive; returns its id."""
    paths = sorted(project.sources.glob("texts/*/*.md"))
    path = paths[len(paths) // 2]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + "\n\n" + Generator(shape).filler_paragraph() + "\n", encoding="utf-8")
    return path.stem


def add_one_source(project: Project, shape: Shape) -> str:
    """Add a source newer than every other one, as the next one an archive receives; returns its id."""
    gen = Generator(shape)
    rel, text = gen.source_file(shape.sources + 1, date=f"{LAST_YEAR + 1}-01-15")
    path = project.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path.stem
