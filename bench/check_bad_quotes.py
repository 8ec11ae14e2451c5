"""How long `demarche check` takes on bad input: a 2 MB text whose 200 quotes all miss it.

python -m bench.check_bad_quotes                      # 200 missing quotes in a text of about 2 MB
python -m bench.check_bad_quotes --quotes 50 --bytes 700000
python -m bench.check_bad_quotes --unmarkable         # 200 quotes that cannot be marked, in a 2 MB list

The text and the quotes are seeded pseudo-words (bench/generate.py's vocabulary), so every run
checks the same bytes. Each quote is a sentence of the text with one word misspelt: it is not
found, and the hint should show the sentence it came from. With --unmarkable the text is one long
Markdown list and each quote ends inside an item's emphasis, so it is found but cannot be marked:
each is a warning, which takes rendering the items around it. `demarche check` runs in a child
process, as a contributor runs it; the script checks that every quote was reported and prints the time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import MINIMAL, make_project

from bench.generate import Generator, Shape
from demarche.schema import MAX_FILE_BYTES

PATH = "sources/texts/2021/long-text.md"


def bad_source(size: int, quotes: int, seed: int = 2021) -> tuple[str, list[str]]:
    """A source file of about size bytes whose quotes all miss its text; returns it and the sentences they came from."""
    gen = Generator(Shape(sources=0, actors=0, seed=seed))
    rng = random.Random(seed)
    sentences: list[str] = []
    length = 0
    while length < size - 200 * quotes - 200:
        words = [rng.choice(gen.vocabulary) for _ in range(rng.randint(8, 18))]
        sentences.append(" ".join([words[0].capitalize(), *words[1:]]) + ".")
        length += len(sentences[-1]) + 1
    chosen = sorted(rng.sample(range(len(sentences)), quotes))
    items = []
    for n in chosen:
        words = sentences[n].rstrip(".").split()
        at = rng.randrange(len(words))
        words[at] = words[at][::-1] + "x"  # a misspelt word: the quote stands nowhere in the text
        items.append(f"  - speaker: sergei-lavrov\n    quote: {json.dumps(' '.join(words))}\n")
    paragraphs = [" ".join(sentences[i : i + 7]) for i in range(0, len(sentences), 7)]
    front = "---\ntitle: A long text\ndate: 2021-12-04\nkind: transcript\nstatements:\n" + "".join(items) + "---\n"
    return front + "\n\n".join(paragraphs) + "\n", [sentences[n] for n in chosen]


def unmarkable_source(size: int, quotes: int, seed: int = 2021) -> tuple[str, list[str]]:
    """A source file of about size bytes, a list of sentences, whose quotes each end inside an item's *emphasis*."""
    gen = Generator(Shape(sources=0, actors=0, seed=seed))
    rng = random.Random(seed)
    items: list[list[str]] = []
    length = 0
    while length < size - 200 * quotes - 200:
        items.append([rng.choice(gen.vocabulary) for _ in range(rng.randint(8, 18))])
        items[-1][-2] = f"*{items[-1][-2]}*"
        length += sum(len(w) + 1 for w in items[-1]) + 3
    chosen = sorted(rng.sample(range(len(items)), quotes))
    quoted = [" ".join(items[n][:-1]).rstrip("*") for n in chosen]
    statements = "".join(f"  - speaker: sergei-lavrov\n    quote: {json.dumps(q)}\n" for q in quoted)
    front = "---\ntitle: A long text\ndate: 2021-12-04\nkind: transcript\nstatements:\n" + statements + "---\n"
    return front + "\n".join(f"- {' '.join(words)}." for words in items) + "\n", quoted


def _shown(passage: str, limit: int = 160) -> str:
    return passage if len(passage) <= limit else passage[: limit - 1] + "…"


def run(size: int, quotes: int, unmarkable: bool = False) -> float:
    with tempfile.TemporaryDirectory(prefix="demarche-bad-quotes-") as tmp:
        text, sentences = (unmarkable_source if unmarkable else bad_source)(size, quotes)
        files = {k: v for k, v in MINIMAL.items() if k.startswith("sources/actors/")}
        project = make_project(Path(tmp), {**files, PATH: text}, with_site_parts=False)
        what = "cannot be marked" if unmarkable else "miss it"
        print(f"{PATH}: {len(text.encode('utf-8')):,} bytes, {quotes} quotes that {what}", file=sys.stderr)
        command = [sys.executable, "-m", "demarche", "--root", str(project.root), "check", "--format", "json"]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)
        seconds = time.perf_counter() - start
    if unmarkable:
        return _unmarked_reported(done, quotes, seconds)
    problems = json.loads(done.stdout) if done.returncode == 1 else []
    missing = [p for p in problems if p["code"] == "quote-not-found"]
    helpful = sum(
        1 for p, s in zip(missing, sentences, strict=False) if p["hint"] == f'closest passage in the text: "{_shown(s)}"'
    )
    if len(missing) != quotes or done.returncode != 1:
        sys.exit(f"expected {quotes} quote-not-found errors, got {len(missing)} (exit {done.returncode}): {done.stderr[-500:]}")
    print(f"{quotes} missing quotes reported in {seconds:.2f} s; {helpful} hints show the sentence the quote came from")
    return seconds


def _unmarked_reported(done: subprocess.CompletedProcess[str], quotes: int, seconds: float) -> float:
    problems = json.loads(done.stdout) if done.returncode == 0 else []
    unmarked = [p for p in problems if p["code"] == "quote-not-marked"]
    if len(unmarked) != quotes:
        sys.exit(
            f"expected {quotes} quote-not-marked warnings, got {len(unmarked)} (exit {done.returncode}): {done.stderr[-500:]}"
        )
    print(f"{quotes} quotes that cannot be marked reported in {seconds:.2f} s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bytes", type=int, default=MAX_FILE_BYTES - 20_000, help="size of the source file")
    parser.add_argument("--quotes", type=int, default=200)
    parser.add_argument("--unmarkable", action="store_true", help="quotes found in the text that cannot be marked")
    args = parser.parse_args()
    run(args.bytes, args.quotes, args.unmarkable)


if __name__ == "__main__":
    main()
