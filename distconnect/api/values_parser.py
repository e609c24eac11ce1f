"""Parsing Connect's string forms of values (Java ``Values.parseString``); used by :mod:`values`.

Grammar, as in Connect: ``null``/``true``/``false``; numbers (integral values in the smallest of
INT8..INT64, other values FLOAT32 when finite in single precision, else FLOAT64, else Decimal);
ISO-8601 ``yyyy-MM-dd`` (Date), ``HH:mm:ss.SSSZ`` (Time) and ``yyyy-MM-ddTHH:mm:ss.SSSZ``
(Timestamp, UTC; colons may be escaped as ``\\:``); ``[a, b]`` arrays and ``{k: v}`` maps whose
elements are literals, numbers, temporals, nested containers or ``"quoted strings"``. Anything
else, including any container that fails to parse, is the original string.

Deliberate differences from Java, all toward not losing data: the whole top-level text must be
one value (Java reads ``"1,2"`` as ``1``); backslash escapes inside quoted strings are undone
(so :func:`values.Values.convert_to_string` output parses back); map entries need a ``,``
separator; temporals are parsed in UTC rather than the JVM's zone. Pure and thread-safe.
"""

from __future__ import annotations

import datetime
import decimal
import re
import struct as _binary
from typing import Any

from distconnect.api.data import (
    BOOLEAN_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    NULL_SCHEMA_AND_VALUE,
    STRING_SCHEMA,
    Schema,
    SchemaAndValue,
    SchemaBuilder,
    Type,
)
from distconnect.api.errors import DataError
from distconnect.api.logical import Date, Decimal, Time, Timestamp

NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_TIME = r"(\d{2})\\?:(\d{2})\\?:(\d{2})\.(\d{3})Z"
_DATE = r"(\d{4})-(\d{2})-(\d{2})"
_TIMESTAMP_RE = re.compile(_DATE + "T" + _TIME)
_TIME_RE = re.compile(_TIME)
_DATE_RE = re.compile(_DATE)
_ANY_TEMPORAL_RE = re.compile(f"(?:{_DATE}T{_TIME}|{_TIME}|{_DATE})")
_BARE_END = frozenset(',:[]{}"')
_NUMERIC_RANK = {Type.INT8: 0, Type.INT16: 1, Type.INT32: 2, Type.INT64: 3, Type.FLOAT32: 4, Type.FLOAT64: 5}
_INT_SCHEMAS = ((INT8_SCHEMA, 2**7), (INT16_SCHEMA, 2**15), (INT32_SCHEMA, 2**31), (INT64_SCHEMA, 2**63))
_TRUE = SchemaAndValue(BOOLEAN_SCHEMA, True)
_FALSE = SchemaAndValue(BOOLEAN_SCHEMA, False)


def parse_string(text: str | None) -> SchemaAndValue:
    """The schema and value ``text`` denotes (see the module doc); never raises for any string."""
    if text is None:
        return NULL_SCHEMA_AND_VALUE
    stripped = text.strip()
    if not stripped:
        return SchemaAndValue(STRING_SCHEMA, text)
    if stripped == "null":
        return NULL_SCHEMA_AND_VALUE
    if stripped in ("true", "false"):
        return _TRUE if stripped == "true" else _FALSE
    if stripped[0] in "[{":
        parser = _Parser(text)
        try:
            result = parser.value()
            parser.skip_ws()
        except DataError:
            return SchemaAndValue(STRING_SCHEMA, text)
        if result is not None and parser.pos == len(text):
            return result
        return SchemaAndValue(STRING_SCHEMA, text)
    if stripped[0] in "0123456789":
        temporal = parse_temporal(stripped)
        if temporal is not None:
            return temporal
    if stripped[0] in "0123456789+-" and NUMBER_RE.fullmatch(stripped):
        return parse_number(stripped)
    return SchemaAndValue(STRING_SCHEMA, text)


def parse_temporal(token: str) -> SchemaAndValue | None:
    """A Date/Time/Timestamp for an exact ISO-8601 token in Connect's formats, else None."""
    try:
        if m := _TIMESTAMP_RE.fullmatch(token):
            y, mo, d, h, mi, s, ms = map(int, m.groups())
            value = datetime.datetime(y, mo, d, h, mi, s, ms * 1000, tzinfo=datetime.UTC)
            return SchemaAndValue(Timestamp.SCHEMA, value)
        if m := _TIME_RE.fullmatch(token):
            h, mi, s, ms = map(int, m.groups())
            return SchemaAndValue(Time.SCHEMA, datetime.time(h, mi, s, ms * 1000))
        if m := _DATE_RE.fullmatch(token):
            y, mo, d = map(int, m.groups())
            return SchemaAndValue(Date.SCHEMA, datetime.date(y, mo, d))
    except ValueError:
        return None
    return None


def parse_number(token: str) -> SchemaAndValue:
    """Number -> smallest integer type, else FLOAT32, FLOAT64, then Decimal (token matches NUMBER_RE)."""
    number = decimal.Decimal(token)
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # NUMBER_RE admits only finite numbers
    # adjusted() bounds the digit count, so huge exponents never expand into huge ints.
    if number == number.to_integral_value() and (number.is_zero() or number.adjusted() <= 18):
        integral = int(number)
        for schema, bound in _INT_SCHEMAS:
            if -bound <= integral < bound:
                return SchemaAndValue(schema, integral)
    if exponent != 0:
        as_float = float(number)
        if _fits_float32(as_float):
            return SchemaAndValue(FLOAT32_SCHEMA, as_float)
        if as_float not in (float("inf"), float("-inf")):
            return SchemaAndValue(FLOAT64_SCHEMA, as_float)
    return SchemaAndValue(Decimal.schema(-exponent), number)


def _fits_float32(value: float) -> bool:
    try:
        _binary.pack("<f", value)
    except OverflowError:
        return False
    return value not in (float("inf"), float("-inf"))


class _Parser:
    """Recursive descent over one string for embedded values (inside ``[...]``/``{...}``)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str | None:
        self.skip_ws()
        return self.text[self.pos] if self.pos < len(self.text) else None

    def value(self) -> SchemaAndValue | None:
        """The next embedded value; None for the literal ``null``."""
        c = self.peek()
        if c is None:
            raise DataError(f"Missing value at end of: {self.text}")
        if c == '"':
            return self.quoted()
        if c == "[":
            return self.array()
        if c == "{":
            return self.map()
        return self.bare()

    def bare(self) -> SchemaAndValue | None:
        temporal = _ANY_TEMPORAL_RE.match(self.text, self.pos)
        if temporal is not None:
            end = temporal.end()
            if end == len(self.text) or self.text[end] in _BARE_END or self.text[end].isspace():
                parsed = parse_temporal(temporal.group().replace("\\:", ":"))
                if parsed is not None:
                    self.pos = end
                    return parsed
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _BARE_END:
            self.pos += 1
        token = self.text[start : self.pos].strip()
        if token == "null":
            return None
        if token in ("true", "false"):
            return _TRUE if token == "true" else _FALSE
        if token and token[0] in "0123456789+-" and NUMBER_RE.fullmatch(token):
            return parse_number(token)
        raise DataError(f"Failed to parse embedded value {token!r} in: {self.text}")

    def quoted(self) -> SchemaAndValue:
        self.pos += 1
        chars: list[str] = []
        while self.pos < len(self.text):
            c = self.text[self.pos]
            self.pos += 1
            if c == '"':
                content = "".join(chars)
                return parse_temporal(content) or SchemaAndValue(STRING_SCHEMA, content)
            if c == "\\" and self.pos < len(self.text):
                c = self.text[self.pos]
                self.pos += 1
            chars.append(c)
        raise DataError(f"Quoted string is missing its closing quote: {self.text}")

    def array(self) -> SchemaAndValue:
        self.pos += 1
        result: list[Any] = []
        merged = _Merger()
        while (c := self.peek()) != "]":
            if c is None:
                raise DataError(f"Array is missing terminating ']': {self.text}")
            if c == ",":
                raise DataError(f"Unable to parse an empty array element: {self.text}")
            element = self.value()
            merged.add(element)
            result.append(None if element is None else element.value)
            c = self.peek()
            if c == ",":
                self.pos += 1
            elif c != "]":
                raise DataError(f"Array elements missing ',' delimiter: {self.text}")
        self.pos += 1
        if merged.schema is None:
            return SchemaAndValue(Schema(Type.ARRAY), result)
        schema = SchemaBuilder.array(merged.schema).build()
        return SchemaAndValue(schema, [_align(merged.schema, v) for v in result])

    def map(self) -> SchemaAndValue:
        self.pos += 1
        entries: list[tuple[Any, Any]] = []
        keys, values = _Merger(), _Merger()
        while (c := self.peek()) != "}":
            if c is None:
                raise DataError(f"Map is missing terminating '}}': {self.text}")
            if c == ",":
                raise DataError(f"Unable to parse a map entry with no key or value: {self.text}")
            key = self.value()
            if key is None:
                raise DataError(f"Map entry may not have a null key: {self.text}")
            if self.peek() != ":":
                raise DataError(f"Map entry is missing ':' at {self.pos} in {self.text}")
            self.pos += 1
            value = self.value()
            entries.append((key.value, None if value is None else value.value))
            keys.add(key)
            values.add(value)
            c = self.peek()
            if c == ",":
                self.pos += 1
            elif c != "}":
                raise DataError(f"Map entries missing ',' delimiter: {self.text}")
        self.pos += 1
        key_schema, value_schema = keys.schema, values.schema
        if key_schema is None:
            value_schema = None  # as in Java: no value schema without a key schema
        try:
            result = {
                _align(key_schema, k): v if value_schema is None else _align(value_schema, v)
                for k, v in entries
            }
        except TypeError as e:  # e.g. a list as a key: not hashable in Python
            raise DataError(f"Unusable map key in {self.text}: {e}") from e
        return SchemaAndValue(Schema(Type.MAP, key_schema=key_schema, value_schema=value_schema), result)


class _Merger:
    """The common schema of parsed elements (Java ``SchemaMerger``); nulls do not count."""

    def __init__(self) -> None:
        self.schema: Schema | None = None
        self._compatible = True

    def add(self, parsed: SchemaAndValue | None) -> None:
        if parsed is None or parsed.schema is None or not self._compatible:
            return
        if self.schema is None:
            self.schema = parsed.schema
            return
        self.schema = merge_schemas(self.schema, parsed.schema)
        self._compatible = self.schema is not None


def merge_schemas(previous: Schema, new: Schema) -> Schema | None:
    """A schema both fit, or None: equal schemas; the wider of two unnamed numeric schemas; arrays
    and maps with mergeable element schemas (an unknown element schema takes the other's)."""
    if previous == new:
        return previous
    if previous.name is not None or new.name is not None:
        return None
    if previous.type in _NUMERIC_RANK and new.type in _NUMERIC_RANK:
        return previous if _NUMERIC_RANK[previous.type] >= _NUMERIC_RANK[new.type] else new
    if previous.type is not new.type or previous.type not in (Type.ARRAY, Type.MAP):
        return None
    ok, value_schema = _merge_elements(_value_of(previous), _value_of(new))
    if previous.type is Type.ARRAY:
        return Schema(Type.ARRAY, value_schema=value_schema) if ok else None
    keys_ok, key_schema = _merge_elements(_key_of(previous), _key_of(new))
    if not (ok and keys_ok):
        return None
    return Schema(Type.MAP, key_schema=key_schema, value_schema=value_schema)


def _value_of(schema: Schema) -> Schema | None:
    return schema.value_schema if schema.has_value_schema else None


def _key_of(schema: Schema) -> Schema | None:
    return schema.key_schema if schema.has_key_schema else None


def _merge_elements(a: Schema | None, b: Schema | None) -> tuple[bool, Schema | None]:
    # An unknown element schema (from ``[]`` or ``[null]``) adopts the other side's.
    if a is None or b is None:
        return True, b if a is None else a
    merged = merge_schemas(a, b)
    return merged is not None, merged


def _align(schema: Schema | None, value: Any) -> Any:
    """Re-express a parsed value for the merged schema: ints become floats under a float type."""
    if schema is None:
        return value
    if value is None:
        # Java rejects a null next to typed elements (``[1, null]`` stays a string).
        raise DataError("Unable to convert a null value to a schema that requires a value")
    if schema.type in (Type.FLOAT32, Type.FLOAT64) and isinstance(value, int):
        return float(value)
    if schema.type is Type.ARRAY and schema.has_value_schema:
        return [_align(schema.value_schema, v) for v in value]
    if schema.type is Type.MAP and schema.has_key_schema:
        value_schema = _value_of(schema)
        return {
            _align(schema.key_schema, k): v if value_schema is None else _align(value_schema, v)
            for k, v in value.items()
        }
    return value
