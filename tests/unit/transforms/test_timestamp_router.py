"""TimestampRouter (port of Kafka's TimestampRouterTest, plus formats and errors)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.errors import ConfigError, DataError
from distconnect.api.headers import Headers
from distconnect.api.records import SourceRecord
from distconnect.transforms.timestamp_router import TimestampRouter

# 2017-01-03T06:30:01.864Z
TIMESTAMP = 1_483_425_001_864


def router(**props: str) -> TimestampRouter[SourceRecord]:
    xform: TimestampRouter[SourceRecord] = TimestampRouter()
    xform.configure(props)
    return xform


def test_default_configuration() -> None:
    record = SourceRecord(topic="test", timestamp=TIMESTAMP, value="v", headers=Headers().add("h", 1))
    routed = router().apply(record)
    assert routed.topic == "test-20170103"
    assert routed.value == "v"
    assert routed.timestamp == TIMESTAMP
    assert routed.headers == record.headers
    assert record.topic == "test"


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"topic.format": "${timestamp}_${topic}"}, "20170103_test"),
        ({"timestamp.format": "yyyy-MM-dd'T'HH"}, "test-2017-01-03T06"),
        ({"topic.format": "${topic}.${topic}", "timestamp.format": "yy"}, "test.test"),
        ({"topic.format": "static"}, "static"),
        ({"topic.format": "${topic}-${timestamp}-${timestamp}", "timestamp.format": "MMM"}, "test-Jan-Jan"),
        ({"topic.format": "$1-${topic}"}, "$1-test"),
    ],
)
def test_formats(props: dict[str, str], expected: str) -> None:
    assert router(**props).apply(SourceRecord(topic="test", timestamp=TIMESTAMP)).topic == expected


def test_topic_is_substituted_before_timestamp_like_kafka() -> None:
    routed = router().apply(SourceRecord(topic="a${timestamp}", timestamp=TIMESTAMP))
    assert routed.topic == "a20170103-20170103"


def test_missing_timestamp_is_a_data_error() -> None:
    with pytest.raises(DataError, match="Timestamp missing on record"):
        router().apply(SourceRecord(topic="test"))


def test_pre_epoch_timestamp() -> None:
    assert router().apply(SourceRecord(topic="t", timestamp=-1)).topic == "t-19691231"


@pytest.mark.parametrize(
    ("pattern", "message"), [("yyyyMMdd-q", "Illegal pattern character 'q'"), ("ww", "not supported")]
)
def test_bad_timestamp_format_names_the_key(pattern: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        router(**{"timestamp.format": pattern})
    assert info.value.name == "timestamp.format"


def test_config_defaults() -> None:
    keys = TimestampRouter[SourceRecord]().config().config_keys
    assert keys["topic.format"].default == "${topic}-${timestamp}"
    assert keys["timestamp.format"].default == "yyyyMMdd"


@given(st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)))
def test_default_format_is_the_utc_day(moment: dt.datetime) -> None:
    millis = (moment.replace(tzinfo=dt.UTC) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(
        milliseconds=1
    )
    routed = router().apply(SourceRecord(topic="t", timestamp=millis))
    assert routed.topic == f"t-{moment.year:04d}{moment.month:02d}{moment.day:02d}"
