"""DropHeaders (port of Kafka's DropHeadersTest, plus config errors)."""

from __future__ import annotations

from typing import Any

import pytest

from distconnect.api.errors import ConfigError
from distconnect.api.headers import Headers
from distconnect.api.records import SourceRecord
from distconnect.transforms.drop_headers import DropHeaders


def drop(headers: Any) -> DropHeaders[SourceRecord]:
    xform: DropHeaders[SourceRecord] = DropHeaders()
    xform.configure({"headers": headers})
    return xform


def keys(record: SourceRecord) -> list[str]:
    return [h.key for h in record.headers]


def test_drops_named_headers_and_keeps_order() -> None:
    headers = Headers().add("a", 1).add("dropped", 2).add("b", 3).add("dropped", 4).add("c", 5)
    original = SourceRecord(topic="t", key="k", value="v", headers=headers)
    transformed = drop("dropped").apply(original)
    assert keys(transformed) == ["a", "b", "c"]
    assert keys(original) == ["a", "dropped", "b", "dropped", "c"]
    assert (transformed.key, transformed.value) == ("k", "v")


def test_drops_several_names_given_as_string_or_list() -> None:
    headers = Headers().add("a", 1).add("b", 2).add("c", 3)
    assert keys(drop("a, c").apply(SourceRecord(topic="t", headers=headers))) == ["b"]
    assert keys(drop(["b"]).apply(SourceRecord(topic="t", headers=headers))) == ["a", "c"]


def test_dropping_absent_header_keeps_the_rest() -> None:
    headers = Headers().add("a", 1)
    assert keys(drop("missing").apply(SourceRecord(topic="t", headers=headers))) == ["a"]


@pytest.mark.parametrize(("props", "message"), [({"headers": ""}, "Empty list"), ({}, "Missing required")])
def test_config_errors_name_the_key(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        DropHeaders[SourceRecord]().configure(props)
    assert info.value.name == "headers"
