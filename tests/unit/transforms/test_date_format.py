"""SimpleDateFormat port: Java pattern semantics for formatting and (lenient) parsing in UTC."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.transforms.date_format import DateFormatPatternError, DateParseError, SimpleDateFormat

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
ONE_MS = dt.timedelta(milliseconds=1)


def millis(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0, micro: int = 0
) -> int:
    return (dt.datetime(year, month, day, hour, minute, sec, micro, tzinfo=UTC) - EPOCH) // ONE_MS


MIN_MS = millis(1, 1, 1)
MAX_MS = millis(9999, 12, 31, 23, 59, 59, 999000)


# 2024-02-05T13:04:09.007Z, a Monday
MOMENT = millis(2024, 2, 5, 13, 4, 9, 7000)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("yyyy MM dd HH mm ss SSS z", "2024 02 05 13 04 09 007 UTC"),
        ("yyyyMMdd", "20240205"),
        ("yy", "24"),
        ("y", "2024"),
        ("yyyyy", "02024"),
        ("M MM MMM MMMM", "2 02 Feb February"),
        ("L LLLL", "2 February"),
        ("d dd D DDD", "5 05 36 036"),
        ("E EEE EEEE u", "Mon Mon Monday 1"),
        ("H k K h a", "13 13 1 1 PM"),
        ("S SSS SSSSSS", "7 007 000007"),
        ("z zzzz Z X XX XXX", "UTC Coordinated Universal Time +0000 Z Z Z"),
        ("G", "AD"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-02-05T13:04:09.007Z"),
        ("hh 'o''clock' a", "01 o'clock PM"),
        ("''yy''", "'24'"),
        ("EEE, d MMM yyyy", "Mon, 5 Feb 2024"),
        ("'week' -- äöü", "week -- äöü"),
    ],
)
def test_format(pattern: str, expected: str) -> None:
    assert SimpleDateFormat(pattern).format_millis(MOMENT) == expected


def test_format_midnight_hours() -> None:
    midnight = millis(2024, 1, 1)
    assert SimpleDateFormat("H k K h a").format_millis(midnight) == "0 24 0 12 AM"


def test_format_before_epoch_uses_calendar_fields() -> None:
    assert SimpleDateFormat("yyyy-MM-dd HH:mm:ss.SSS").format_millis(-1) == "1969-12-31 23:59:59.999"


def test_format_outside_python_range_is_value_error() -> None:
    with pytest.raises(ValueError, match="outside"):
        SimpleDateFormat("yyyy").format_millis(MAX_MS + 10**12)


def test_java_test_string_parses() -> None:
    fmt = SimpleDateFormat("yyyy MM dd HH mm ss SSS z")
    assert fmt.parse_millis("1970 01 02 00 00 01 234 UTC") == 86_401_234


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("yyyyMMdd", "20240229", millis(2024, 2, 29)),
        ("yyyy-MM-dd", "2024-1-2", millis(2024, 1, 2)),
        ("d MMM yyyy", "15 feb 2024", millis(2024, 2, 15)),
        ("d MMMM yyyy", "15 FEBRUARY 2024", millis(2024, 2, 15)),
        ("EEE, d MMM yyyy", "Thursday, 15 Feb 2024", millis(2024, 2, 15)),
        ("hh:mm a", "01:30 PM", millis(1970, 1, 1, 13, 30)),
        ("hh:mm a", "12:30 AM", millis(1970, 1, 1, 0, 30)),
        ("kk:mm", "24:15", millis(1970, 1, 1, 0, 15)),
        ("HH:mm:ss.SSS", "10:11:12.013", millis(1970, 1, 1, 10, 11, 12, 13000)),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-01-01T10:00:00.000+02:00", millis(2024, 1, 1, 8)),
        ("yyyy-MM-dd HH:mm Z", "2024-01-01 10:00 -0130", millis(2024, 1, 1, 11, 30)),
        ("yyyy-MM-dd HH:mm z", "2024-01-01 10:00 GMT+01:00", millis(2024, 1, 1, 9)),
        ("yyyy-MM-dd HH:mm X", "2024-01-01 10:00 Z", millis(2024, 1, 1, 10)),
        ("yyyy DDD", "2024 060", millis(2024, 2, 29)),
        ("yy-MM-dd", "24-03-01", millis(2024, 3, 1)),
        ("yy-MM-dd", "99-03-01", millis(1999, 3, 1)),
        ("y-MM-dd", "0099-03-01", millis(99, 3, 1)),
    ],
)
def test_parse(pattern: str, text: str, expected: int) -> None:
    assert SimpleDateFormat(pattern).parse_millis(text) == expected


def test_parse_is_lenient_like_java() -> None:
    fmt = SimpleDateFormat("yyyy-MM-dd")
    assert fmt.parse_millis("2024-13-01") == millis(2025, 1, 1)
    assert fmt.parse_millis("2023-02-30") == millis(2023, 3, 2)
    assert fmt.parse_millis("2024-01-00") == millis(2023, 12, 31)


def test_last_of_abutting_fields_takes_all_digits_like_java() -> None:
    assert SimpleDateFormat("yyyyMMdd").parse_millis("2024011") == millis(2024, 1, 1)


def test_parse_ignores_trailing_text_like_java() -> None:
    assert SimpleDateFormat("yyyy-MM-dd").parse_millis("2024-01-02 and more") == millis(2024, 1, 2)


def test_parse_s_is_a_millisecond_count_like_java() -> None:
    # SimpleDateFormat reads "SSSSSS" digits as milliseconds, not as a fraction of a second.
    assert SimpleDateFormat("ss.SSSSSS").parse_millis("00.123456") == 123_456


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("yyyy-MM-dd", "01/02/2024"),
        ("yyyy-MM-dd", ""),
        ("yyyyMMdd", "2024-01"),
        ("d MMM yyyy", "15 Fbr 2024"),
        ("HH:mm Z", "10:00 +2500"),
        ("yyyy", "99999"),
    ],
)
def test_parse_failures(pattern: str, text: str) -> None:
    with pytest.raises(DateParseError):
        SimpleDateFormat(pattern).parse_millis(text)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("bad-format", "Illegal pattern character 'b'"),
        ("yyyy-qq", "Illegal pattern character 'q'"),
        ("YYYY", "'Y' (week year) is not supported"),
        ("ww", "'w' (week in year) is not supported"),
        ("W", "'W' (week in month) is not supported"),
        ("F", "'F' (day of week in month) is not supported"),
        ("'unterminated", "Unterminated quote"),
        ("XXXX", "invalid ISO 8601 format: length=4"),
    ],
)
def test_bad_patterns(pattern: str, message: str) -> None:
    with pytest.raises(DateFormatPatternError, match=re.escape(message)):
        SimpleDateFormat(pattern)


def test_quoted_letters_are_literal() -> None:
    fmt = SimpleDateFormat("'Year' yyyy 'bwq'")
    assert fmt.format_millis(MOMENT) == "Year 2024 bwq"
    assert fmt.parse_millis("Year 2024 bwq") == millis(2024, 1, 1)
    assert fmt.pattern == "'Year' yyyy 'bwq'"


timestamps = st.integers(min_value=MIN_MS, max_value=MAX_MS)


@given(timestamps)
def test_round_trip_full_precision(ms: int) -> None:
    fmt = SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSZ")
    assert fmt.parse_millis(fmt.format_millis(ms)) == ms


@given(timestamps)
def test_round_trip_with_names_and_twelve_hour_clock(ms: int) -> None:
    fmt = SimpleDateFormat("EEEE, MMMM d, yyyy G hh:mm:ss.SSS a zzzz")
    assert fmt.parse_millis(fmt.format_millis(ms)) == ms


@given(timestamps)
def test_round_trip_abutting_fields(ms: int) -> None:
    fmt = SimpleDateFormat("yyyyMMddHHmmssSSS")
    assert fmt.parse_millis(fmt.format_millis(ms)) == ms


@given(timestamps)
def test_date_only_pattern_truncates_to_the_day(ms: int) -> None:
    fmt = SimpleDateFormat("yyyy-MM-dd")
    assert fmt.parse_millis(fmt.format_millis(ms)) == ms - ms % 86_400_000
