"""ReplaceField.Key / ReplaceField.Value (port of Kafka's ReplaceFieldTest, plus aliases)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.data import BOOLEAN_SCHEMA, INT32_SCHEMA, STRING_SCHEMA, SchemaBuilder
from distconnect.api.errors import ConfigError, DataError
from distconnect.api.records import SinkRecord
from distconnect.api.struct import Struct
from distconnect.transforms.replace_field import ReplaceField, translate_deprecated


def _xform(cls: type[ReplaceField[Any]], **props: Any) -> ReplaceField[Any]:
    xform = cls()
    xform.configure(props)
    return xform


def _sink(**kw: Any) -> SinkRecord:
    return SinkRecord(topic="test", kafka_partition=0, kafka_offset=0, **kw)


def test_tombstone_schemaless_and_with_schema() -> None:
    xform = _xform(ReplaceField.Value, include="abc,foo", renames="abc:xyz,foo:bar")
    for schema in (None, SchemaBuilder.struct().field("dont", STRING_SCHEMA).build()):
        record = _sink(value_schema=schema, value=None)
        assert xform.apply(record) is record


def test_schemaless() -> None:
    xform = _xform(ReplaceField.Value, exclude="dont", renames="abc:xyz,foo:bar")
    out = xform.apply(_sink(value={"dont": "whatever", "abc": 42, "foo": True, "etc": "etc"}))
    assert out.value == {"xyz": 42, "bar": True, "etc": "etc"}


def test_include_schemaless() -> None:
    xform = _xform(ReplaceField.Value, include="abc,foo", renames="abc:xyz,foo:bar")
    out = xform.apply(_sink(value={"dont": "whatever", "abc": 42, "foo": True, "etc": "etc"}))
    assert out.value == {"xyz": 42, "bar": True}


def test_exclude_wins_over_include() -> None:
    xform = _xform(ReplaceField.Value, include=["a", "b"], exclude=["b"])
    assert xform.apply(_sink(value={"a": 1, "b": 2, "c": 3})).value == {"a": 1}


def test_with_schema() -> None:
    xform = _xform(ReplaceField.Value, include="abc,foo", renames="abc:xyz,foo:bar")
    schema = (
        SchemaBuilder.struct()
        .name("n")
        .version(3)
        .field("dont", STRING_SCHEMA)
        .field("abc", INT32_SCHEMA)
        .field("foo", BOOLEAN_SCHEMA)
        .field("etc", STRING_SCHEMA)
        .build()
    )
    value = Struct(schema).put("dont", "whatever").put("abc", 42).put("foo", True).put("etc", "etc")
    out = xform.apply(_sink(value_schema=schema, value=value))
    assert [(f.name, f.schema) for f in out.value_schema.fields] == [
        ("xyz", INT32_SCHEMA),
        ("bar", BOOLEAN_SCHEMA),
    ]
    assert (out.value_schema.name, out.value_schema.version) == ("n", 3)
    assert out.value.get("xyz") == 42
    assert out.value.get("bar") is True
    again = xform.apply(_sink(value_schema=schema, value=value))
    assert again.value_schema is out.value_schema


def test_key_variant() -> None:
    xform = _xform(ReplaceField.Key, exclude="secret")
    out = xform.apply(_sink(key={"id": 1, "secret": "x"}, value={"secret": "y"}))
    assert out.key == {"id": 1}
    assert out.value == {"secret": "y"}


def test_replace_null_with_default_false() -> None:
    schema = SchemaBuilder.struct().field("a", SchemaBuilder.int32().optional().default(5).build()).build()
    value = Struct(schema)
    keep = _xform(ReplaceField.Value, renames="a:b", **{"replace.null.with.default": False})
    assert keep.apply(_sink(value_schema=schema, value=value)).value.get_without_default("b") is None
    fill = _xform(ReplaceField.Value, renames="a:b")
    assert fill.apply(_sink(value_schema=schema, value=value)).value.get_without_default("b") == 5


@pytest.mark.parametrize("renames", ["abc", "a:b:c", ["x:y", "bad"]])
def test_invalid_rename_mapping(renames: Any) -> None:
    with pytest.raises(ConfigError, match="Invalid rename mapping") as err:
        ReplaceField.Value().configure({"renames": renames})
    assert err.value.name == "renames"


def test_validate_reports_the_bad_mapping() -> None:
    results = ReplaceField.Value().config().validate_all({"renames": "nocolon"})
    assert results["renames"].errors


def test_deprecated_aliases(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        xform = _xform(ReplaceField.Value, blacklist="b", whitelist="a,b")
    assert "deprecated" in caplog.text
    assert xform.apply(_sink(value={"a": 1, "b": 2, "c": 3})).value == {"a": 1}
    assert translate_deprecated({"exclude": "x", "blacklist": "y"}) == {"exclude": "x"}


def test_non_struct_with_schema_is_rejected() -> None:
    xform = _xform(ReplaceField.Value, exclude="a")
    with pytest.raises(DataError, match="field replacement"):
        xform.apply(_sink(value_schema=STRING_SCHEMA, value="plain"))


names = st.text(alphabet="abcdef", min_size=1, max_size=3)


@given(value=st.dictionaries(names, st.integers()), exclude=st.sets(names), include=st.sets(names))
def test_filter_property(value: dict[str, int], exclude: set[str], include: set[str]) -> None:
    xform = _xform(ReplaceField.Value, exclude=sorted(exclude), include=sorted(include))
    out = xform.apply(_sink(value=value)).value
    expected = {k: v for k, v in value.items() if k not in exclude and (not include or k in include)}
    assert out == expected
