"""Java ``SimpleDateFormat`` patterns, formatted and parsed in UTC with English names.

Connect's TimestampConverter and TimestampRouter take their formats as Java patterns, so users can
paste configs from a Java worker unchanged. ``strftime`` cannot express their count-sensitive
semantics (``yy`` vs ``yyyy``, ``S`` meaning a millisecond *number*), so the pattern is compiled into
tokens here and formatted field by field; parsing goes through a regular expression built from the
same tokens.

Supported letters: ``G y M L d D E u a H k K h m s S z Z X``. The week-based letters ``Y w W F``
are Java pattern letters but depend on locale week rules and are rejected with
:class:`DateFormatPatternError`, as is any other unquoted ASCII letter (as Java does).

Times are milliseconds since the epoch (Java's ``java.util.Date``); the zone is always UTC, as both
transforms fix it. Parsing follows Java's lenient default: out-of-range fields roll over (month 13
is January of the next year), unparsed fields default to 1970-01-01T00:00:00.000, text after the
last pattern field is ignored, and a two-digit ``yy`` year lands in the century window starting 80
years ago. Instances are immutable and safe to share between threads and tasks.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["DateFormatPatternError", "DateParseError", "SimpleDateFormat"]

_JAVA_LETTERS = "GyMdkHmsSEDFwWahKzZYuXL"
_UNSUPPORTED = {
    "Y": "week year",
    "w": "week in year",
    "W": "week in month",
    "F": "day of week in month",
}
_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_NUMERIC = frozenset("yMLdDHkKhmsSu")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ZONE_RE = r"Z|UTC|Coordinated Universal Time|GMT(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}(?::?\d{2})?"


class DateFormatPatternError(ValueError):
    """The pattern is not a valid (or not a supported) ``SimpleDateFormat`` pattern."""


class DateParseError(ValueError):
    """Text does not match the pattern."""


@dataclass(frozen=True, slots=True)
class _Field:
    letter: str
    count: int

    @property
    def numeric(self) -> bool:
        # Month letters with three or more repeats are names, not numbers.
        return self.letter in _NUMERIC and not (self.letter in "ML" and self.count >= 3)


def _tokenize(pattern: str) -> list[str | _Field]:
    tokens: list[str | _Field] = []
    literal: list[str] = []

    def push_field(letter: str) -> None:
        last = tokens[-1] if tokens and not literal else None
        if isinstance(last, _Field) and last.letter == letter:
            tokens[-1] = _Field(letter, last.count + 1)
        else:
            flush()
            tokens.append(_Field(letter, 1))

    def flush() -> None:
        if literal:
            tokens.append("".join(literal))
            literal.clear()

    in_quote = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        i += 1
        if c == "'":
            if i < len(pattern) and pattern[i] == "'":
                literal.append("'")
                i += 1
            else:
                in_quote = not in_quote
            continue
        if in_quote or not ("a" <= c <= "z" or "A" <= c <= "Z"):
            literal.append(c)
            continue
        if c not in _JAVA_LETTERS:
            raise DateFormatPatternError(f"Illegal pattern character '{c}'")
        if c in _UNSUPPORTED:
            raise DateFormatPatternError(
                f"pattern letter '{c}' ({_UNSUPPORTED[c]}) is not supported by distconnect"
            )
        push_field(c)
    if in_quote:
        raise DateFormatPatternError("Unterminated quote")
    flush()
    for token in tokens:
        if isinstance(token, _Field) and token.letter == "X" and token.count > 3:
            raise DateFormatPatternError(f"invalid ISO 8601 format: length={token.count}")
    return tokens


def _pad(value: int, count: int) -> str:
    return str(value).zfill(count)


def _format_field(field: _Field, moment: dt.datetime) -> str:
    letter, count = field.letter, field.count
    if letter == "G":
        return "AD"
    if letter == "y":
        return _pad(moment.year % 100, 2) if count == 2 else _pad(moment.year, count)
    if letter in "ML":
        if count >= 4:
            return _MONTHS[moment.month - 1]
        return _MONTHS[moment.month - 1][:3] if count == 3 else _pad(moment.month, count)
    if letter == "E":
        name = _DAYS[moment.weekday()]
        return name if count >= 4 else name[:3]
    numbers = {
        "d": moment.day,
        "D": moment.timetuple().tm_yday,
        "u": moment.isoweekday(),
        "H": moment.hour,
        "k": moment.hour or 24,
        "K": moment.hour % 12,
        "h": moment.hour % 12 or 12,
        "m": moment.minute,
        "s": moment.second,
        "S": moment.microsecond // 1000,
    }
    if letter in numbers:
        return _pad(numbers[letter], count)
    if letter == "a":
        return "AM" if moment.hour < 12 else "PM"
    if letter == "z":
        return "Coordinated Universal Time" if count >= 4 else "UTC"
    if letter == "Z":
        return "+0000"
    return "Z"  # X: ISO 8601 zone, always UTC here


def _zone_offset_millis(text: str) -> int:
    upper = text.upper()
    if upper in ("Z", "UTC", "GMT", "COORDINATED UNIVERSAL TIME"):
        return 0
    body = upper[3:] if upper.startswith("GMT") else upper
    sign = -1 if body[0] == "-" else 1
    digits = body[1:].replace(":", "")
    if len(digits) <= 2:
        hours, minutes = int(digits), 0
    else:
        hours, minutes = int(digits[:-2]), int(digits[-2:])
    if hours > 23 or minutes > 59:
        raise DateParseError(f"invalid zone offset {text!r}")
    return sign * (hours * 60 + minutes) * 60_000


def _names_regex(names: list[str]) -> str:
    # Longest first so "June" wins over "Jun".
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


class SimpleDateFormat:
    """A compiled Java date pattern; see the module docstring for the supported subset."""

    __slots__ = ("_fields", "_pattern", "_regex", "_tokens")

    def __init__(self, pattern: str) -> None:
        self._pattern = pattern
        self._tokens = _tokenize(pattern)
        self._fields: list[_Field] = []
        parts: list[str] = []
        for index, token in enumerate(self._tokens):
            if isinstance(token, str):
                parts.append(re.escape(token))
                continue
            self._fields.append(token)
            parts.append(f"({self._field_regex(token, index)})")
        self._regex = re.compile("".join(parts), re.IGNORECASE)

    def _field_regex(self, field: _Field, index: int) -> str:
        if field.numeric:
            following = self._tokens[index + 1] if index + 1 < len(self._tokens) else None
            # Java reads abutting numeric fields ("yyyyMMdd") by their pattern width.
            if isinstance(following, _Field) and following.numeric:
                return rf"\d{{{field.count}}}"
            return r"\d++"
        if field.letter in "ML":
            return _names_regex(_MONTHS + [m[:3] for m in _MONTHS])
        if field.letter == "E":
            return _names_regex(_DAYS + [d[:3] for d in _DAYS])
        if field.letter == "a":
            return "AM|PM"
        if field.letter == "G":
            return "AD|BC"
        return _ZONE_RE

    @property
    def pattern(self) -> str:
        """The Java pattern this was compiled from (Java's ``toPattern()``)."""
        return self._pattern

    def __repr__(self) -> str:
        return f"SimpleDateFormat({self._pattern!r})"

    def format_millis(self, millis: int) -> str:
        """Format milliseconds since the epoch; ValueError outside years 1-9999."""
        try:
            moment = _EPOCH + dt.timedelta(milliseconds=millis)
        except OverflowError:
            raise ValueError(f"timestamp {millis} ms is outside the supported years 1-9999") from None
        return "".join(
            token if isinstance(token, str) else _format_field(token, moment) for token in self._tokens
        )

    def parse_millis(self, text: str) -> int:
        """Parse ``text`` (from its start) into milliseconds since the epoch."""
        match = self._regex.match(text)
        if match is None:
            raise DateParseError(f"{text!r} does not match pattern {self._pattern!r}")
        values: dict[str, int] = {}
        texts: dict[str, str] = {}
        for field, raw in zip(self._fields, match.groups(), strict=True):
            texts[field.letter] = raw
            if field.numeric:
                values[field.letter] = int(raw)
                if field.letter == "y" and field.count <= 2 and len(raw) == 2:
                    values["y"] = _two_digit_year(values["y"])
        try:
            return self._resolve(values, texts)
        except OverflowError:
            raise DateParseError(f"{text!r} is outside the supported years 1-9999") from None

    @staticmethod
    def _resolve(values: dict[str, int], texts: dict[str, str]) -> int:
        year = values.get("y", 1970)
        if texts.get("G", "AD").upper() == "BC":
            year = 1 - year
        if "M" in values or "L" in values:
            month = values.get("M", values.get("L", 1))
        elif "M" in texts or "L" in texts:
            name = texts.get("M", texts.get("L", "")).lower()
            month = next(i for i, m in enumerate(_MONTHS, 1) if m.lower().startswith(name[:3]))
        else:
            month = 1
        if "d" in values or "D" not in values:
            day_offset = values.get("d", 1) - 1
        else:
            # Day of year with no month/day: count from 1 January.
            month, day_offset = 1, values["D"] - 1
        if "H" in values or "k" in values:
            hour = values["H"] if "H" in values else values["k"] % 24
        else:
            hour = values.get("h", values.get("K", 0)) % 12
            if texts.get("a", "AM").upper() == "PM":
                hour += 12
        year += (month - 1) // 12
        if not 1 <= year <= 9999:
            raise DateParseError(f"year {year} is outside the supported range 1-9999")
        start = dt.datetime(year, (month - 1) % 12 + 1, 1, tzinfo=dt.UTC)
        delta = dt.timedelta(
            days=day_offset,
            hours=hour,
            minutes=values.get("m", 0),
            seconds=values.get("s", 0),
            milliseconds=values.get("S", 0),
        )
        offset = 0
        for letter in "zZX":
            if letter in texts:
                offset = _zone_offset_millis(texts[letter])
        millis = (start - _EPOCH + delta) // dt.timedelta(milliseconds=1)
        return millis - offset


def _two_digit_year(value: int) -> int:
    # Java's default century: the 100 years starting 80 years before now.
    start = dt.datetime.now(dt.UTC).year - 80
    return value + (start // 100) * 100 + (100 if value < start % 100 else 0)
