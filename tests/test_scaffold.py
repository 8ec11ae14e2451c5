"""`demarche new`: a record from flags, at the right path, that passes `check` once the contributor fills it in."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from demarche.cli import main
from demarche.pipeline import Project, check, generate_pages


def new(p: Project, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["--root", str(p.root), "new", *args])
    out, err = capsys.readouterr()
    return status, out, err


def problems(p: Project) -> list[str]:
    return [f"{x.path}:{x.line}:{x.column}: {x.message} | {x.hint}" for x in check(p)[1]]


def fill_in(path: Path, body: str, **fields: str) -> None:
    """What the contributor does: uncomment a field's line and write its value; write the text."""
    text = path.read_text(encoding="utf-8")
    for name, value in fields.items():
        text, count = re.subn(rf"^# (\s*(?:- )?){name}:( *)#", rf"\g<1>{name}: {value}\g<2>#", text, count=1, flags=re.MULTILINE)
        assert count == 1, name
    text = re.sub(r"^REPLACE THIS LINE with .*$", body, text, flags=re.MULTILINE)
    path.write_text(text, encoding="utf-8")


def test_new_actor_fills_in_to_a_clean_check(project: Callable[..., Project], capsys: pytest.CaptureFixture[str]) -> None:
    p = project()
    status, out, err = new(p, capsys, "actor", "--name", "Jake Sullivan", "--kind", "person", "--aliases", "Sullivan")
    assert (status, err) == (0, "")
    assert out == (
        "wrote sources/actors/jake-sullivan.md\n"
        "next: in sources/actors/jake-sullivan.md, replace the line 'REPLACE THIS LINE with ...' and fill in what you know, "
        "then run `make check`\n"
    )
    path = p.sources / "actors/jake-sullivan.md"
    assert path.read_text(encoding="utf-8") == (
        "---\n"
        "name: Jake Sullivan\n"
        "kind: person\n"
        "aliases: [Sullivan]\n"
        "# More fields: remove the '# ' before one and write its value after the colon.\n"
        "# roles:               # Offices held (see below).\n"
        "#   - title:           # The office or position. Like: Minister of Foreign Affairs\n"
        "# part_of:             # The actor it belongs to (a ministry of a state). Like: russia\n"
        "# members:             # Members (of an alliance or organisation).\n"
        "# wikidata:            # Its Wikidata item. Like: Q150851\n"
        "---\n"
        "\n"
        "REPLACE THIS LINE with a short neutral description.\n"
    )
    assert problems(p) == [
        "sources/actors/jake-sullivan.md:13:1: the placeholder line written by `demarche new` is still here"
        " | replace it with a short neutral description."
    ]
    fill_in(path, "National Security Advisor of the United States from 2021.", wikidata="Q6128163")
    assert problems(p) == []


def test_new_source_goes_in_its_year_and_takes_statements(
    project: Callable[..., Project], capsys: pytest.CaptureFixture[str]
) -> None:
    p = project()
    status, out, _ = new(p, capsys, "source", "--title", "Foreign Ministry statement: on “security guarantees”",
                         "--date", "2021-12-10", "--kind", "statement", "--publisher", "Russian Foreign Ministry",
                         "--authors", "sergei-lavrov", "--demands", "no-further-nato-enlargement,", "--url", "https://mid.ru/x")  # fmt: skip
    assert status == 0
    rel = "sources/texts/2021/russian-foreign-ministry-2021-12-10-foreign-ministry-statement-on-security.md"
    assert out.startswith(f"wrote {rel}\n")
    path = p.root / rel
    head = path.read_text(encoding="utf-8").split("# More fields")[0]
    assert head == (
        "---\n"
        "title: 'Foreign Ministry statement: on “security guarantees”'\n"
        "date: 2021-12-10\n"
        "kind: statement\n"
        "publisher: Russian Foreign Ministry\n"
        "authors: [sergei-lavrov]\n"
        "url: https://mid.ru/x\n"
        "demands: [no-further-nato-enlargement]\n"
    )
    assert [x.split(": ", 1)[1] for x in problems(p)] == [
        "the placeholder line written by `demarche new` is still here | replace it with the text as published, in Markdown."
    ]
    fill_in(
        path,
        "Russia asks NATO to rule out further enlargement to the east.",
        statements="",
        speaker="sergei-lavrov",
        quote='"rule out further enlargement"',
    )
    assert problems(p) == []
    _, pages, _ = generate_pages(p)
    assert 'markdown="span">“rule out further enlargement”</p>' in pages[f"sources/{Path(rel).stem}.md"]


def test_ids_are_made_in_the_archives_manner(project: Callable[..., Project], capsys: pytest.CaptureFixture[str]) -> None:
    p = project()
    made = {
        ("actor", "--name", "Сергей Рябков", "--kind", "person"): "sources/actors/sergei-riabkov.md",
        ("agreement", "--title", "Treaty on Conventional Armed Forces in Europe", "--kind", "treaty", "--date", "1990-11-19"):
            "sources/agreements/treaty-on-conventional-armed-forces-in-europe-1990.md",
        ("demand", "--title", "No strike weapons near Russia's borders", "--by", "russia", "--of", "nato", "--of", "russia"):
            "sources/demands/no-strike-weapons-near-russias-borders.md",
        ("actor", "--name", "U.S. Department of State", "--kind", "body", "--id", "state-department"):
            "sources/actors/state-department.md",
    }  # fmt: skip
    for args, rel in made.items():
        status, out, _ = new(p, capsys, *args)
        assert (status, out.splitlines()[0]) == (0, f"wrote {rel}")
    assert (
        "by: [russia]\nof: [nato, russia]\n" in (p.root / "sources/demands/no-strike-weapons-near-russias-borders.md").read_text()
    )
    assert "name: Сергей Рябков\n" in (p.root / "sources/actors/sergei-riabkov.md").read_text(encoding="utf-8")
    assert {x.split(": ", 1)[1].split(" |")[0] for x in problems(p)} == {
        "the placeholder line written by `demarche new` is still here"
    }


def test_refuses_to_overwrite(project: Callable[..., Project], capsys: pytest.CaptureFixture[str]) -> None:
    p = project()
    before = (p.sources / "actors/nato.md").read_bytes()
    status, out, err = new(p, capsys, "actor", "--name", "NATO", "--kind", "organization")
    assert (status, out) == (1, "")
    assert err == (
        "demarche: sources/actors/nato.md already exists: refusing to overwrite it\n"
        "give the new record another id with --id, or edit the existing file\n"
    )
    assert (p.sources / "actors/nato.md").read_bytes() == before
    status, _, err = new(p, capsys, "source", "--title", "x", "--date", "2022", "--kind", "article", "--id", "lavrov-osce")
    assert status == 1 and err.startswith("demarche: sources/texts/2021/lavrov-osce.md already exists")
    assert not (p.sources / "texts/2022").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("treaty", "--title", "x"), "argument {source,actor,agreement,demand}: invalid choice: 'treaty'"),
        (("actor", "--kind", "person"), "the following arguments are required: --name"),
        (("actor", "--name", "X", "--kind", "human"), "argument --kind: invalid choice: 'human'"),
        (("demand", "--title", "x", "--by", "russia"), "the following arguments are required: --of"),
    ],
)
def test_usage_errors_exit_2(
    project: Callable[..., Project], capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    p = project()
    with pytest.raises(SystemExit) as exit_:
        new(p, capsys, *args)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("source", "--title", "x", "--date", "2021-12-32", "--kind", "article"),
         "demarche new source: error: --date '2021-12-32' is not a real date written YYYY-MM-DD, YYYY-MM or YYYY\n"),
        (("actor", "--name", "X", "--kind", "person", "--id", "../../etc/passwd"),
         "demarche new actor: error: --id '../../etc/passwd' is not an id: lowercase ASCII words joined by '-', like 'etc-passwd'\n"),
        (("actor", "--name", "???", "--kind", "person"),
         "demarche new actor: error: cannot make an id from '???'\ngive one with --id, in lowercase ASCII words joined by '-'\n"),
        (("demand", "--title", "x", "--by", ",", "--of", "nato"), "demarche new demand: error: --by needs at least one id\n"),
    ],
)  # fmt: skip
def test_values_no_record_can_hold_exit_2_and_write_nothing(
    project: Callable[..., Project], capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    p = project()
    before = sorted(p.sources.rglob("*"))
    assert new(p, capsys, *args) == (2, "", message)
    assert sorted(p.sources.rglob("*")) == before


def test_the_contributing_guides_example_does_what_it_says(
    project: Callable[..., Project], capsys: pytest.CaptureFixture[str]
) -> None:
    guide = (Path(__file__).resolve().parent.parent / "docs" / "contributing.md").read_text(encoding="utf-8")
    command = re.search(r"```sh\n\.venv/bin/demarche (new source .*?)\n```", guide, re.DOTALL)
    said = re.search(r"This writes `(sources/texts/[^`]+)`", guide)
    assert command and said
    p = project({"sources/actors/elena-chernenko.md": "---\nname: Elena Chernenko\nkind: person\n---\nA journalist.\n"})
    status, out, _ = new(p, capsys, *shlex.split(command.group(1).replace("\\\n", " "))[1:])
    assert (status, out.splitlines()[0]) == (0, f"wrote {said.group(1)}")
