import unicodedata
from pathlib import Path

import pytest

from demarche.load import load_file


def test_keeps_the_line_and_column_of_every_value() -> None:
    raw = b"---\ntitle: A\nstatements:\n  - speaker: x\n    quote: 'Q'\n---\nBody\n"
    record, problems = load_file("source", raw, "sources/texts/2021/a.md")
    assert problems == []
    assert record is not None
    assert record.pos("title") == (2, 8)
    assert record.pos("statements", 0, "quote") == (5, 12)
    assert record.key_pos("statements", 0, "quote") == (5, 5)
    assert record.body == "Body\n"
    assert record.body_line == 7


def test_accepts_a_bom_and_crlf_line_ends() -> None:
    raw = "\ufeff---\r\nname: Лавров\r\nkind: person\r\n---\r\nText\r\n".encode()
    record, problems = load_file("actor", raw, "sources/actors/a.md")
    assert problems == []
    assert record is not None
    assert record.data == {"name": "Лавров", "kind": "person"}
    assert record.body == "Text\n"


def test_dates_stay_as_written() -> None:
    raw = b"---\ndate: 2021-12-04\nother: 2021\n---\n"
    record, _ = load_file("source", raw, "x.md")
    assert record is not None
    assert record.data == {"date": "2021-12-04", "other": 2021}


def test_never_constructs_python_objects() -> None:
    raw = b"---\ntitle: !!python/object/apply:os.system ['echo hi']\n---\n"
    _, problems = load_file("source", raw, "x.md")
    assert [p.code for p in problems] == ["yaml"]
    assert problems[0].line == 2


def test_libyaml_and_the_python_loader_give_the_same_nodes_and_marks() -> None:
    import yaml

    from demarche.load import _Loader, discover

    def shape(node: yaml.Node) -> object:
        mark = (node.tag, node.start_mark.index, node.start_mark.line, node.start_mark.column)
        if isinstance(node, yaml.MappingNode):
            return (mark, [(shape(k), shape(v)) for k, v in node.value])
        if isinstance(node, yaml.SequenceNode):
            return (mark, [shape(v) for v in node.value])
        return (mark, node.value)

    root = Path(__file__).resolve().parent.parent / "sources"
    for _, path in discover(root):  # the records (sources/introduction.md is plain Markdown)
        front = path.read_text(encoding="utf-8").split("\n---\n", 1)[0].removeprefix("---\n") + "\n"
        fast = yaml.compose(front, Loader=yaml.CSafeLoader)
        slow = yaml.compose(front, Loader=_Loader)
        assert fast is not None and slow is not None
        assert shape(fast) == shape(slow), path


CONTROLS = [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]


@pytest.mark.parametrize("code", CONTROLS, ids=[f"U+{c:04X}" for c in CONTROLS])
@pytest.mark.parametrize("form", ["\\x{:02x}", "\\u{:04X}", "\\U{:08x}"])
def test_every_control_character_from_an_escape_is_refused_where_written(code: int, form: str) -> None:
    escape = form.format(code)
    raw = f'---\nname: NATO\naliases: [NA, "x {escape} y"]\n"k{escape}": 1\n---\nText.\n'.encode()
    record, problems = load_file("actor", raw, "sources/actors/nato.md")
    assert [(p.line, p.column, p.code, p.severity) for p in problems] == [
        (3, 18, "control-character", "error"),
        (4, 3, "control-character", "error"),
    ]
    assert problems[0].message.startswith(f"a control character (U+{code:04X}")
    assert record.data == {"name": "NATO", "aliases": ["NA", "x \ufffd y"]}  # the key is left out, the value kept visible
    assert record.refused == {("aliases", 1)}


@pytest.mark.parametrize("escape", ["\\0", "\\a", "\\b", "\\v", "\\f", "\\r", "\\e", "\\N"])
def test_named_escapes_of_control_characters_are_refused_too(escape: str) -> None:
    _, problems = load_file("actor", f'---\nname: "Lavrov{escape}"\n---\n'.encode(), "sources/actors/a.md")
    assert [(p.line, p.column, p.code) for p in problems] == [(2, 14, "control-character")]


@pytest.mark.parametrize("escape", ["\\ud800", "\\udbff", "\\udc00", "\\udfff", "\\U0000d800", "\\ud83d\\ude00"])
def test_lone_surrogates_are_refused_in_keys_and_values(escape: str) -> None:
    raw = f'---\nname: "a{escape}"\nkind: person\n"{escape}": x\n---\n'.encode()
    record, problems = load_file("actor", raw, "sources/actors/a.md")
    assert [(p.line, p.column, p.message.split(" (")[0]) for p in problems] == [
        (2, 9, "a lone surrogate"),
        (4, 2, "a lone surrogate"),
    ]
    assert record.data["name"].encode("utf-8")  # nothing that UTF-8 cannot hold is kept
    assert list(record.data) == ["name", "kind"]


def test_an_escape_beyond_unicode_is_a_yaml_error_not_a_crash() -> None:
    record, problems = load_file("actor", b'---\nname: NATO\nkind: "x \\UFFFFFFFF \\U00110000"\n---\n', "sources/actors/a.md")
    assert not record.readable
    assert [(p.line, p.column, p.message) for p in problems] == [
        (3, 10, "malformed YAML: an escape that is not a Unicode character")
    ]


def test_tab_and_line_feed_escapes_are_left_to_the_fields_that_allow_them() -> None:
    record, problems = load_file("source", b'---\nsummary: "one\\ttwo\\nthree"\n---\n', "sources/texts/2021/a.md")
    assert problems == []
    assert record.data == {"summary": "one\ttwo\nthree"}


def test_values_and_the_body_are_kept_in_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Café «sécurité» Ёлка")
    raw = f"---\nname: {nfd}\naliases: ['{nfd}']\n{nfd}: x\n---\n{nfd}\n".encode()
    record, _ = load_file("actor", raw, "sources/actors/a.md")
    nfc = unicodedata.normalize("NFC", nfd)
    assert nfc != nfd
    assert record.data == {"name": nfc, "aliases": [nfc], nfc: "x"}
    assert record.body == nfc + "\n"


def test_a_control_character_in_a_text_is_refused_at_its_line_and_column() -> None:
    raw = b"---\nname: A\n---\nFirst line.\nSecond \x1b[2J line.\n"
    _, problems = load_file("actor", raw, "sources/actors/a.md")
    assert [(p.line, p.column, p.message) for p in problems] == [(5, 8, "a control character (U+001B) that a text cannot hold")]


@pytest.mark.parametrize("tag", ["!x", "!!set", "!!omap", "!!python/dict", "!<tag:example.org,2002:x>"])
def test_a_tag_on_the_whole_front_matter_is_refused(tag: str) -> None:
    """Found by the property tests: the front matter's mapping with a tag ended in an AssertionError."""
    record, problems = load_file("actor", f"---\n{tag}\nname: A\nkind: person\n---\n".encode(), "sources/actors/a.md")
    assert not record.readable
    assert [(p.line, p.column, p.code) for p in problems] == [(2, 1, "yaml")]
    assert problems[0].message.startswith("unsupported YAML tag '")
