"""Each record field is declared once: the record classes (records.py) agree with the schema (schema.py).

validate builds the records from the schema's fields, and the schema also drives `demarche new`, the field
reference and the JSON Schema; this test checks every field against its class, name by name and type by
type, so a field added to one side only fails here instead of being silently dropped or never filled.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from demarche.pipeline import Project, check
from demarche.records import DERIVED, FILLED, Actor, Agreement, Demand, Role, Source, Statement
from demarche.schema import KINDS, NESTED, Field

CLASSES: dict[str, type] = {
    "source": Source,
    "actor": Actor,
    "agreement": Agreement,
    "demand": Demand,
    "roles": Role,
    "statements": Statement,
}
_LISTS = {"ids": tuple[str, ...], "strings": tuple[str, ...], "slugs": tuple[str, ...]}
_LISTS.update({"roles": tuple[Role, ...], "statements": tuple[Statement, ...]})
_NO_DEFAULT = dataclasses.MISSING


def mismatches(cls: type, fields: tuple[Field, ...], derived: tuple[str, ...], filled: tuple[str, ...]) -> list[str]:
    """Every way cls and the schema's fields disagree, one line each; [] when they agree."""
    attributes = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    keys = {spec.attr for spec in fields}
    found = [
        f"{cls.__name__}: the schema's field '{spec.name}' is not an attribute" for spec in fields if spec.attr not in attributes
    ]
    found += [
        f"{cls.__name__}: attribute '{name}' is no field of the schema and not declared derived"
        for name in attributes
        if name not in keys and name not in derived
    ]
    found += [f"{cls.__name__}: derived '{name}' is a field of the schema" for name in derived if name in keys]
    found += [f"{cls.__name__}: derived '{name}' is not an attribute" for name in derived if name not in attributes]
    for spec in fields:
        if spec.attr in attributes:
            attribute = attributes[spec.attr]
            wanted = _expected(spec, spec.attr in filled, attribute.default)
            got = (hints[spec.attr], _default(attribute))
            if got != wanted:
                found.append(
                    f"{cls.__name__}.{spec.attr}: {_shown(*got)}, expected {_shown(*wanted)} for the schema's '{spec.name}'"
                )
    return found


def _expected(spec: Field, filled: bool, default: Any) -> tuple[Any, Any]:
    """The type and default a record attribute must have to hold the field's checked value (or its absence)."""
    if spec.type in _LISTS:
        return _LISTS[spec.type], _NO_DEFAULT if spec.required else ()
    if spec.type == "bool":
        return bool, _NO_DEFAULT if spec.required else False
    if spec.required:
        return str, _NO_DEFAULT
    if filled:  # always holds text: derived by validate (no default) or a text default
        return str, default if isinstance(default, str) else _NO_DEFAULT
    return str | None, None


def _default(attribute: dataclasses.Field[Any]) -> Any:
    if attribute.default_factory is not dataclasses.MISSING:
        return attribute.default_factory()
    return attribute.default


def _shown(hint: Any, default: Any) -> str:
    name = hint.__name__ if isinstance(hint, type) else repr(hint).replace("demarche.records.", "")
    return name + ("" if default is _NO_DEFAULT else f" = {default!r}")


def _schema(kind: str) -> tuple[Field, ...]:
    return KINDS[kind].fields if kind in KINDS else NESTED[kind]


def test_every_kind_and_nested_list_of_the_schema_has_its_record_class() -> None:
    assert set(CLASSES) == set(KINDS) | set(NESTED)
    assert set(DERIVED) == set(CLASSES.values())
    assert set(FILLED) <= set(CLASSES.values())


@pytest.mark.parametrize("kind", list(CLASSES))
def test_every_record_class_matches_its_schema(kind: str) -> None:
    cls = CLASSES[kind]
    assert mismatches(cls, _schema(kind), DERIVED[cls], FILLED.get(cls, ())) == []


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_field_that_names_a_record_is_a_required_text_field_of_its_kind(kind: str) -> None:
    named_by = next(spec for spec in KINDS[kind].fields if spec.name == KINDS[kind].named_by)
    assert (named_by.type, named_by.required) == ("text", True)


def test_filled_attributes_are_optional_fields_of_the_schema() -> None:
    for kind, cls in CLASSES.items():
        optional = {spec.attr for spec in _schema(kind) if not spec.required}
        assert set(FILLED.get(cls, ())) <= optional, cls.__name__


def test_a_field_added_to_the_record_class_only_is_caught() -> None:
    wider = dataclasses.make_dataclass("Source", [("tone", str | None, None)], bases=(Source,), frozen=True)
    assert mismatches(wider, KINDS["source"].fields, DERIVED[Source], FILLED[Source]) == [
        "Source: attribute 'tone' is no field of the schema and not declared derived"
    ]


def test_a_field_added_to_the_schema_only_is_caught() -> None:
    fields = (*KINDS["demand"].fields, Field("deadline", "date", "When it is to be met."))
    assert mismatches(Demand, fields, DERIVED[Demand], ()) == ["Demand: the schema's field 'deadline' is not an attribute"]


def test_a_renamed_field_is_caught_unless_the_schema_gives_its_attribute() -> None:
    fields = tuple(dataclasses.replace(spec, attr="") for spec in NESTED["roles"])  # `from` without attr="start"
    assert mismatches(Role, fields, (), ()) == [
        "Role: the schema's field 'from' is not an attribute",
        "Role: attribute 'start' is no field of the schema and not declared derived",
    ]


@dataclasses.dataclass(frozen=True)
class _Mismatched:
    """A class at odds with _MISMATCHED_FIELDS in every way the types can be, and in its declared derived names."""

    title: str | None = None
    by: tuple[str, ...] = ()
    about: str | None = None
    reported: bool | None = None
    occasion: str = ""
    language: str | None = None


_MISMATCHED_FIELDS = (
    Field("title", "text", "", required=True),
    Field("by", "ids", "", required=True),
    Field("about", "ids", ""),
    Field("reported", "bool", ""),
    Field("occasion", "text", ""),
    Field("language", "language", ""),
)


def test_types_and_defaults_that_do_not_fit_the_schema_are_caught() -> None:
    assert mismatches(_Mismatched, _MISMATCHED_FIELDS, ("title", "path"), ("language",)) == [
        "_Mismatched: derived 'title' is a field of the schema",
        "_Mismatched: derived 'path' is not an attribute",
        "_Mismatched.title: str | None = None, expected str for the schema's 'title'",
        "_Mismatched.by: tuple[str, ...] = (), expected tuple[str, ...] for the schema's 'by'",
        "_Mismatched.about: str | None = None, expected tuple[str, ...] = () for the schema's 'about'",
        "_Mismatched.reported: bool | None = None, expected bool = False for the schema's 'reported'",
        "_Mismatched.occasion: str = '', expected str | None = None for the schema's 'occasion'",
        "_Mismatched.language: str | None = None, expected str for the schema's 'language'",
    ]


# -- validate builds each record from every field the schema declares ------------------------------------------

_REFS = {"actor": "russia", "agreement": "bucharest-summit-declaration-2008", "demand": "no-further-nato-enlargement"}
_QUOTE = "every field of the schema reaches its record"
_VALUES: dict[str, Any] = {
    "text": "Some text",
    "string": "Some other name",
    "date": "2021-12-01",
    "url": "https://example.org/page",
    "bool": True,
    "slug": "every-field-statement",
    "slugs": ["every-field-before"],
    "strings": ["Some other name"],
    "language": "ru",
    "wikidata": "Q150851",
}


_REPEATED = {"speaker": "russia", "quote": "Before the first words", "id": "every-field-repeated"}  # what same_as names


def _value(spec: Field) -> Any:
    """A valid value for the field, unlike its record attribute's default."""
    if spec.name == "quote":
        return _QUOTE
    if spec.name == "same_as":
        return _REPEATED["id"]
    if spec.choices:
        return spec.choices[-1]
    if spec.type == "statements":
        return [{item.name: _value(item) for item in NESTED[spec.type]}, _REPEATED]
    if spec.type in NESTED:
        return [{item.name: _value(item) for item in NESTED[spec.type]}]
    if spec.type in ("id", "ids"):
        return _REFS[spec.ref] if spec.type == "id" else [_REFS[spec.ref]]
    return _VALUES[spec.type]


def test_validate_builds_every_field_of_the_schema_into_its_record(project: Callable[..., Project]) -> None:
    files = {}
    for kind in KINDS.values():
        data = {spec.name: _value(spec) for spec in kind.fields}
        body = f"Before the first words. {_QUOTE}. After." if kind.name == "source" else "A description."
        folder = "texts/2021" if kind.name == "source" else kind.folder
        files[f"sources/{folder}/every-field.md"] = "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n" + body + "\n"
    archive, problems = check(project(files))
    assert problems == []
    records = {"source": archive.sources, "actor": archive.actors, "agreement": archive.agreements, "demand": archive.demands}
    for kind in KINDS.values():
        record = next(r for r in records[kind.name] if r.id == "every-field")
        for spec in kind.fields:
            _check_built(record, spec, _value(spec))


def _check_built(record: Any, spec: Field, value: Any) -> None:
    held = getattr(record, spec.attr)
    if spec.type not in NESTED:
        assert held == (tuple(value) if isinstance(value, list) else value), f"{type(record).__name__}.{spec.attr}"
        return
    assert len(held) == len(value), f"{type(record).__name__}.{spec.attr}"
    for item in NESTED[spec.type]:
        _check_built(held[0], item, value[0][item.name])
