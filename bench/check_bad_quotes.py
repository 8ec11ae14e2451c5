"""How long `demarche check` takes on bad input: a 2 MB text whose 200 quotes all miss it.

python -m bench.check_bad_quotes                      # 200 missing quotes in a text of about 2 MB
python -m bench.check_bad_quotes --quotes 50 --bytes 700000

The text and the quotes are seeded pseudo-words (bench/generate.py's vocabulary), so every run
checks the same bytes. Each quote is a sentence of the text with one word misspelt: it is not
found, and the hint should show the sentence it came from. `demarche check` runs in a child
process, as a contributor runs it; the script checks that every quote was reported with its hint
and prints the time.
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


def _shown(passage: str, limit: int = 160) -> str:
    return passage if len(passage) <= limit else passage[: limit - 1] + "…"


def run(size: int, quotes: int) -> float:
    with tempfile.TemporaryDirectory(prefix="demarche-bad-quotes-") as tmp:
        text, sentences = bad_source(size, quotes)
        files = {k: v for k, v in MINIMAL.items() if k.startswith("sources/actors/")}
        project = make_project(Path(tmp), {**files, PATH: text}, with_site_parts=False)
        print(f"{PATH}: {len(text.encode('utf-8')):,} bytes, {quotes} quotes that miss it", file=sys.stderr)
        command = [sys.executable, "-m", "demarche", "--root", str(project.root), "check", "--format", "json"]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)
        seconds = time.perf_counter() - start
    problems = json.loads(done.stdout) if done.returncode == 1 else []
    missing = [p for p in problems if p["code"] == "quote-not-found"]
    helpful = sum(
        1 for p, s in zip(missing, sentences, strict=False) if p["hint"] == f'closest passage in the text: "{_shown(s)}"'
    )
    if len(missing) != quotes or done.returncode != 1:
        sys.exit(f"expected {quotes} quote-not-found errors, got {len(missing)} (exit {done.returncode}): {done.stderr[-500:]}")
    print(f"{quotes} missing quotes reported in {seconds:.2f} s; {helpful} hints show the sentence the quote came from")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bytes", type=int, default=MAX_FILE_BYTES - 20_000, help="size of the source file")
    parser.add_argument("--quotes", type=int, default=200)
    args = parser.parse_args()
    run(args.bytes, args.quotes)


if __name__ == "__main__":
    main()
