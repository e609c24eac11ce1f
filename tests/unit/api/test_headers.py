from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.data import INT32_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA
from distconnect.api.errors import DataError
from distconnect.api.headers import Header, Headers


def keys(headers: Headers) -> list[str]:
    return [h.key for h in headers]


def test_add_keeps_insertion_order_and_allows_repeated_keys() -> None:
    headers = Headers().add("b", 1).add("a", 2).add("b", 3)

    assert keys(headers) == ["b", "a", "b"]
    assert [h.value for h in headers] == [1, 2, 3]
    assert len(headers) == 3


def test_add_returns_the_same_instance_for_chaining() -> None:
    headers = Headers()
    assert headers.add("a", 1) is headers
    assert headers.remove("a") is headers
    assert headers.retain_latest() is headers


def test_last_with_name_returns_the_latest_header_or_none() -> None:
    headers = Headers().add("k", "first", STRING_SCHEMA).add("other", 0).add("k", "second", STRING_SCHEMA)

    assert headers.last_with_name("k") == Header("k", STRING_SCHEMA, "second")
    assert headers.last_with_name("missing") is None


def test_all_with_name_in_order() -> None:
    headers = Headers().add("k", 1).add("x", 2).add("k", 3)

    assert [h.value for h in headers.all_with_name("k")] == [1, 3]
    assert headers.all_with_name("nope") == []


def test_remove_drops_every_header_with_the_key() -> None:
    headers = Headers().add("k", 1).add("x", 2).add("k", 3)

    headers.remove("k")

    assert keys(headers) == ["x"]


def test_retain_latest_for_one_key_keeps_the_survivor_in_place() -> None:
    headers = Headers().add("k", 1).add("x", 2).add("k", 3).add("x", 4).add("y", 5)

    headers.retain_latest("k")

    assert [(h.key, h.value) for h in headers] == [("x", 2), ("k", 3), ("x", 4), ("y", 5)]


def test_retain_latest_for_all_keys() -> None:
    headers = Headers().add("k", 1).add("x", 2).add("k", 3).add("x", 4).add("y", 5)

    headers.retain_latest()

    assert [(h.key, h.value) for h in headers] == [("k", 3), ("x", 4), ("y", 5)]


@given(st.lists(st.tuples(st.sampled_from("abcd"), st.integers())))
def test_retain_latest_matches_a_simple_model(pairs: list[tuple[str, int]]) -> None:
    headers = Headers()
    for key, value in pairs:
        headers.add(key, value)
    last_index = {key: i for i, (key, _) in enumerate(pairs)}
    expected = [pair for i, pair in enumerate(pairs) if last_index[pair[0]] == i]

    headers.retain_latest()

    assert [(h.key, h.value) for h in headers] == expected


def test_copy_is_independent_in_both_directions() -> None:
    original = Headers().add("a", 1)
    duplicate = original.copy()

    duplicate.add("b", 2)
    original.remove("a")

    assert keys(original) == []
    assert keys(duplicate) == ["a", "b"]


def test_clear() -> None:
    headers = Headers().add("a", 1).add("b", 2)
    assert len(headers.clear()) == 0


def test_equality_compares_headers_in_order() -> None:
    assert Headers().add("a", 1).add("b", 2) == Headers().add("a", 1).add("b", 2)
    assert Headers().add("a", 1).add("b", 2) != Headers().add("b", 2).add("a", 1)
    assert Headers().add("a", 1) != Headers().add("a", 1, INT32_SCHEMA)
    assert Headers() != []
    assert Headers([Header("a", None, 1)]) == Headers().add("a", 1)


def test_headers_are_unhashable_because_mutable() -> None:
    with pytest.raises(TypeError):
        hash(Headers())


def test_add_validates_the_value_against_its_schema() -> None:
    headers = Headers()

    with pytest.raises(DataError, match="'count'"):
        headers.add("count", "not an int", INT32_SCHEMA)
    with pytest.raises(DataError, match="'name'"):
        headers.add("name", None, STRING_SCHEMA)

    assert len(headers) == 0


def test_add_accepts_null_for_optional_schema_and_anything_schemaless() -> None:
    headers = Headers().add("name", None, OPTIONAL_STRING_SCHEMA).add("free", object)

    assert len(headers) == 2


def test_add_header_validates_too() -> None:
    with pytest.raises(DataError):
        Headers().add_header(Header("n", INT32_SCHEMA, 2**40))


def test_header_is_immutable_and_derives_copies() -> None:
    header = Header("a", STRING_SCHEMA, "v")

    with pytest.raises(AttributeError):
        header.key = "b"  # type: ignore[misc]
    assert header.rename("b") == Header("b", STRING_SCHEMA, "v")
    assert header.with_value(INT32_SCHEMA, 5) == Header("a", INT32_SCHEMA, 5)


def test_repr_shows_the_headers() -> None:
    assert "'a'" in repr(Headers().add("a", 1))
