"""Predicates (port of Kafka's predicate tests) and the negate semantics of TransformationStage."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.config import ConfigDef
from distconnect.api.errors import ConfigError
from distconnect.api.headers import Headers
from distconnect.api.plugins import Predicate, Transformation
from distconnect.api.records import SinkRecord, SourceRecord
from distconnect.transforms.filter import Filter
from distconnect.transforms.predicates import (
    HasHeaderKey,
    PredicatedTransformation,
    RecordIsTombstone,
    TopicNameMatches,
    apply_with_predicate,
)

topic_names = st.from_regex(r"[a-zA-Z0-9._-]{1,60}", fullmatch=True)


def topic_matches(pattern: str) -> TopicNameMatches[SourceRecord]:
    predicate: TopicNameMatches[SourceRecord] = TopicNameMatches()
    predicate.configure({"pattern": pattern})
    return predicate


def has_header(name: str) -> HasHeaderKey[SourceRecord]:
    predicate: HasHeaderKey[SourceRecord] = HasHeaderKey()
    predicate.configure({"name": name})
    return predicate


# -- TopicNameMatches ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "topic", "expected"),
    [
        ("my-prefix-.*", "my-prefix-", True),
        ("my-prefix-.*", "my-prefix-foo", True),
        ("my-prefix-.*", "x-my-prefix-", False),  # must match the whole topic
        ("my-prefix-.*", "your-prefix-", False),
        ("my-prefix-.*", "my-prefix", False),
        ("orders|payments", "payments", True),
        (r"(?<env>\w+)\.orders", "prod.orders", True),
    ],
)
def test_topic_name_matches(pattern: str, topic: str, expected: bool) -> None:
    assert topic_matches(pattern).test(SourceRecord(topic=topic)) is expected


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({}, "Missing required configuration"),
        ({"pattern": ""}, "String must be non-empty"),
        ({"pattern": "[the-starting-square-bracket-is-not-closed"}, "Invalid regex"),
        ({"pattern": r"\p{Lower}"}, "property classes are not supported"),
    ],
)
def test_topic_name_matches_config_errors(props: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        TopicNameMatches[SourceRecord]().configure(props)
    assert info.value.name == "pattern"


def test_topic_name_matches_validate_reports_the_error() -> None:
    results = TopicNameMatches[SourceRecord]().config().validate_all({"pattern": "["})
    assert any("Invalid regex" in error for error in results["pattern"].errors)


def test_topic_name_matches_repr() -> None:
    assert repr(topic_matches("a.*")) == "TopicNameMatches{pattern=a.*}"


@given(topic_names)
def test_dot_star_matches_every_topic_and_literal_only_itself(topic: str) -> None:
    assert topic_matches(".*").test(SourceRecord(topic=topic))
    literal = topic_matches(re.sub(r"([.\-])", r"\\\1", topic))
    assert literal.test(SourceRecord(topic=topic))
    assert not literal.test(SourceRecord(topic=topic + "_"))


# -- HasHeaderKey ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (Headers(), False),
        (Headers().add("other", 1), False),
        (Headers().add("wanted", None), True),
        (Headers().add("other", 1).add("wanted", 2).add("wanted", 3), True),
        (Headers().add("WANTED", 1), False),
    ],
)
def test_has_header_key(headers: Headers, expected: bool) -> None:
    assert has_header("wanted").test(SourceRecord(topic="t", headers=headers)) is expected


@pytest.mark.parametrize(("props", "message"), [({}, "Missing required"), ({"name": ""}, "non-empty")])
def test_has_header_key_config_errors(props: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        HasHeaderKey[SourceRecord]().configure(props)
    assert info.value.name == "name"


def test_has_header_key_repr() -> None:
    assert repr(has_header("h")) == "HasHeaderKey{name='h'}"


# -- RecordIsTombstone -----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(None, True), ("", False), (0, False), ({}, False)])
def test_record_is_tombstone(value: Any, expected: bool) -> None:
    predicate: RecordIsTombstone[SourceRecord] = RecordIsTombstone()
    predicate.configure({})
    assert predicate.test(SourceRecord(topic="t", key="k", value=value)) is expected
    assert not predicate.config().config_keys


# -- negate ----------------------------------------------------------------------------------------


class _Fixed(Predicate[SourceRecord]):
    def __init__(self, result: bool) -> None:
        self.result = result
        self.closed = False

    def configure(self, configs: Mapping[str, Any]) -> None:
        pass

    def test(self, record: SourceRecord) -> bool:
        return self.result

    def config(self) -> ConfigDef:
        return ConfigDef()

    def close(self) -> None:
        self.closed = True


class _Rename(Transformation[SourceRecord]):
    def __init__(self, fail_on_close: bool = False) -> None:
        self.fail_on_close = fail_on_close
        self.closed = False
        self.configured: Mapping[str, Any] = {}

    def configure(self, configs: Mapping[str, Any]) -> None:
        self.configured = configs

    def apply(self, record: SourceRecord) -> SourceRecord:
        return record.new_record(topic="renamed")

    def config(self) -> ConfigDef:
        return ConfigDef()

    def close(self) -> None:
        self.closed = True
        if self.fail_on_close:
            raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("result", "negate", "applied"),
    [(True, False, True), (False, False, False), (True, True, False), (False, True, True)],
)
def test_transform_runs_when_test_differs_from_negate(result: bool, negate: bool, applied: bool) -> None:
    record = SourceRecord(topic="orig")
    out = apply_with_predicate(_Rename(), _Fixed(result), negate, record)
    assert out is not None
    assert out.topic == ("renamed" if applied else "orig")
    if not applied:
        assert out is record
    stage = PredicatedTransformation(_Rename(), _Fixed(result), negate)
    staged = stage.apply(record)
    assert staged is not None
    assert staged.topic == out.topic


@pytest.mark.parametrize("negate", [False, True])
def test_without_predicate_the_transform_always_runs(negate: bool) -> None:
    out = apply_with_predicate(_Rename(), None, negate, SourceRecord(topic="orig"))
    assert out is not None
    assert out.topic == "renamed"


@pytest.mark.parametrize(
    ("pattern", "negate", "dropped"),
    [("logs-.*", False, {"logs-a", "logs-b"}), ("logs-.*", True, {"orders"})],
)
def test_filter_with_topic_predicate(pattern: str, negate: bool, dropped: set[str]) -> None:
    stage = PredicatedTransformation(Filter[SourceRecord](), topic_matches(pattern), negate)
    kept = {t for t in ("logs-a", "orders", "logs-b") if stage.apply(SourceRecord(topic=t)) is not None}
    assert kept == {"logs-a", "orders", "logs-b"} - dropped


def test_filter_tombstones_or_everything_else() -> None:
    tombstone = SinkRecord(topic="t", key="k", kafka_offset=0)
    live = SinkRecord(topic="t", key="k", value="v", kafka_offset=1)
    drop_tombstones = PredicatedTransformation(Filter[SinkRecord](), RecordIsTombstone[SinkRecord]())
    keep_tombstones = PredicatedTransformation(Filter[SinkRecord](), RecordIsTombstone[SinkRecord](), True)
    assert [drop_tombstones.apply(r) for r in (tombstone, live)] == [None, live]
    assert [keep_tombstones.apply(r) for r in (tombstone, live)] == [tombstone, None]


def test_filter_by_header_presence() -> None:
    stage = PredicatedTransformation(Filter[SourceRecord](), has_header("skip"))
    flagged = SourceRecord(topic="t", headers=Headers().add("skip", True))
    plain = SourceRecord(topic="t")
    assert stage.apply(flagged) is None
    assert stage.apply(plain) is plain


def test_stage_delegates_config_and_closes_both_even_if_one_fails(caplog: pytest.LogCaptureFixture) -> None:
    transformation, predicate = _Rename(fail_on_close=True), _Fixed(True)
    stage = PredicatedTransformation(transformation, predicate)
    stage.configure({"a": 1})
    assert transformation.configured == {"a": 1}
    assert stage.config() is not None
    with caplog.at_level(logging.WARNING):
        stage.close()
    assert transformation.closed
    assert predicate.closed
    assert "Failed to close transformation" in caplog.text
    assert "negate=False" in repr(stage)
