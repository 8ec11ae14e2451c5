from pathlib import Path

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

    from demarche.load import _Loader

    def shape(node: yaml.Node) -> object:
        mark = (node.tag, node.start_mark.index, node.start_mark.line, node.start_mark.column)
        if isinstance(node, yaml.MappingNode):
            return (mark, [(shape(k), shape(v)) for k, v in node.value])
        if isinstance(node, yaml.SequenceNode):
            return (mark, [shape(v) for v in node.value])
        return (mark, node.value)

    root = Path(__file__).resolve().parent.parent / "sources"
    for path in sorted(root.rglob("*.md")):
        front = path.read_text(encoding="utf-8").split("\n---\n", 1)[0].removeprefix("---\n") + "\n"
        fast = yaml.compose(front, Loader=yaml.CSafeLoader)
        slow = yaml.compose(front, Loader=_Loader)
        assert fast is not None and slow is not None
        assert shape(fast) == shape(slow), path
