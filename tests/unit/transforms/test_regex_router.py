"""RegexRouter (port of Kafka's RegexRouterTest, plus config errors and generated topics)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.data import STRING_SCHEMA
from distconnect.api.errors import ConfigError
from distconnect.api.headers import Headers
from distconnect.api.records import SinkRecord, SourceRecord
from distconnect.transforms.regex_router import RegexRouter

topic_names = st.from_regex(r"[a-zA-Z0-9._-]{1,100}", fullmatch=True)


def route(regex: str, replacement: str, topic: str) -> str:
    router: RegexRouter[SourceRecord] = RegexRouter()
    router.configure({"regex": regex, "replacement": replacement})
    return router.apply(SourceRecord(topic=topic)).topic


@pytest.mark.parametrize(
    ("regex", "replacement", "topic", "expected"),
    [
        ("foo", "bar", "foo", "bar"),
        ("foo", "bar", "orig", "orig"),
        ("foo", "bar", "foofoo", "foofoo"),  # the whole topic must match
        ("(.*)", "$1", "orig", "orig"),
        ("(.*)", "prefix-$1", "orig", "prefix-orig"),
        ("(.*)", "$1-suffix", "orig", "orig-suffix"),
        (r"(.*)-(\d\d\d\d\d\d\d\d)", "$1", "index-20160117", "index"),
        (r"(?<base>[a-z]+)\.(?<env>[a-z]+)", "${env}_${base}", "orders.prod", "prod_orders"),
        ("(.*)", r"\$1", "orig", "$1"),
    ],
)
def test_routing(regex: str, replacement: str, topic: str, expected: str) -> None:
    assert route(regex, replacement, topic) == expected


def test_non_matching_record_is_returned_unchanged() -> None:
    record = SourceRecord(topic="other")
    router: RegexRouter[SourceRecord] = RegexRouter()
    router.configure({"regex": "foo", "replacement": "bar"})
    assert router.apply(record) is record


def test_only_the_topic_changes() -> None:
    record = SinkRecord(
        topic="foo",
        kafka_partition=2,
        key="k",
        value_schema=STRING_SCHEMA,
        value="v",
        timestamp=5,
        headers=Headers().add("h", 1),
        kafka_offset=9,
    )
    router: RegexRouter[SinkRecord] = RegexRouter()
    router.configure({"regex": "foo", "replacement": "bar"})
    routed = router.apply(record)
    assert routed.topic == "bar"
    assert routed.original_topic == "foo"
    assert (routed.kafka_partition, routed.key, routed.value, routed.timestamp) == (2, "k", "v", 5)
    assert routed.headers == record.headers
    assert record.topic == "foo"


@pytest.mark.parametrize(
    ("props", "key", "message"),
    [
        ({"replacement": "x"}, "regex", "Missing required configuration"),
        ({"regex": "x"}, "replacement", "Missing required configuration"),
        ({"regex": "(", "replacement": "x"}, "regex", "Invalid regex"),
        ({"regex": r"\p{Alpha}", "replacement": "x"}, "regex", "property classes are not supported"),
        ({"regex": "(a)", "replacement": "$2"}, "replacement", "No group 2"),
        ({"regex": "(a)", "replacement": "$"}, "replacement", "group index is missing"),
    ],
)
def test_config_errors_name_the_key(props: dict[str, str], key: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        RegexRouter[SourceRecord]().configure(props)
    assert info.value.name == key


def test_config_def() -> None:
    assert list(RegexRouter[SourceRecord]().config().config_keys) == ["regex", "replacement"]


@given(topic_names, topic_names)
def test_prefix_is_added_to_any_topic(topic: str, prefix: str) -> None:
    assert route("(.*)", prefix + "$1", topic) == prefix + topic


@given(topic_names)
def test_literal_regex_matches_only_its_topic(topic: str) -> None:
    literal = re.sub(r"([.\-])", r"\\\1", topic)  # escape the regex metacharacters topics may hold
    assert route(literal, "hit", topic) == "hit"
    assert route(literal, "hit", topic + "x") == topic + "x"


@given(st.from_regex(r"[a-z._]{1,40}", fullmatch=True), st.integers(min_value=0, max_value=10**8))
def test_strip_numeric_suffix(base: str, suffix: int) -> None:
    assert route(r"(.*)-(\d+)", "$1", f"{base}-{suffix}") == base
    assert route(r"(.*)-(\d+)", "$1", base) == base
