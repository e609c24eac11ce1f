"""JSON text in and out, matching Jackson's bytes and Kafka's parser settings.

Writing uses ``orjson`` and then fixes the two places where its bytes differ from Jackson 2.x's
``UTF8JsonGenerator``: Jackson writes ``\\u00XX`` control-character escapes with upper-case hex,
and writes characters outside the Basic Multilingual Plane as an escaped surrogate pair
(``\\uD83D\\uDE00``) rather than four UTF-8 bytes. Everything else (key order, ``/`` and U+2028
unescaped, raw UTF-8) already agrees.

Reading uses ``orjson``, or the standard library with ``decimal.Decimal`` floats when the numbers
must be exact (Decimal schemas) or orjson refuses what Jackson reads (``1e400``; numbers with
leading zeros, which Kafka's deserializer allows). Empty input reads as "missing" (Jackson's
``MissingNode``). Unlike Jackson, text after the first JSON value is an error.

Pure functions; thread-safe.
"""

from __future__ import annotations

import decimal
import json
import re
from typing import Any

import orjson

from distconnect.api.errors import DataError

#: Jackson's "missing node": what empty input parses to.
MISSING: Any = object()

_SERIALIZE_FAILED = "Converting Kafka Connect data to byte[] failed due to serialization error: "
_DESERIALIZE_FAILED = "Converting byte[] to Kafka Connect data failed due to serialization error: "

_NEEDS_FIX = re.compile(rb"\\u00(?:0[bef]|1[0-9a-f])|[\xf0-\xf4]")
# Tokens scanned left to right, so an escaped backslash ("\\") is never mistaken for an escape.
_FIX_TOKENS = re.compile(rb"\\\\|\\u00(?:0[bef]|1[0-9a-f])|[\xf0-\xf4][\x80-\xbf]{3}")
_LEADING_ZEROS = re.compile(rb'"(?:[^"\\]|\\.)*"|(?<![0-9.eE+\-])(-?)0+(?=[0-9])', re.DOTALL)


def dumps(tree: Any) -> bytes:
    """Serialise a JSON tree (see :mod:`distconnect.converters.json_encode`) to Jackson's bytes."""
    try:
        text = orjson.dumps(tree)
    except TypeError as e:  # orjson.JSONEncodeError: e.g. an integer beyond 64 bits
        raise DataError(f"{_SERIALIZE_FAILED}{e}") from e
    if _NEEDS_FIX.search(text) is not None:
        text = _FIX_TOKENS.sub(_jackson_token, text)
    return text


def _jackson_token(match: re.Match[bytes]) -> bytes:
    token = match.group()
    if token[0] == 0x5C:  # a backslash: an escape
        return token if token == b"\\\\" else token.upper().replace(b"\\U", b"\\u")
    code = ord(token.decode("utf-8")) - 0x10000
    high, low = 0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)
    return b"\\u%X\\u%X" % (high, low)


def loads(raw: bytes | bytearray, exact: bool = False) -> tuple[Any, bool]:
    """Parse one JSON document; returns the tree and whether its numbers are exact.

    With ``exact`` (or when ``orjson`` refuses the text, e.g. for ``1e400`` or leading zeros,
    which Jackson reads) non-integral numbers are ``decimal.Decimal``. Returns :data:`MISSING` for
    empty (or all-whitespace) input; raises ``DataError`` with Kafka's message plus the parser's
    reason for anything malformed.
    """
    try:
        if not exact:
            return orjson.loads(raw), False
        return _loads_exact(raw), True
    except ValueError as e:  # orjson.JSONDecodeError, json.JSONDecodeError, UnicodeDecodeError
        if not raw.strip():
            return MISSING, exact
        try:
            return _loads_exact(_LEADING_ZEROS.sub(_drop_zeros, raw)), True
        except ValueError:
            pass
        raise DataError(f"{_DESERIALIZE_FAILED}{e}") from e


def _loads_exact(data: bytes | bytearray) -> Any:
    return json.loads(data, parse_float=decimal.Decimal, parse_constant=_reject_constant)


def _drop_zeros(match: re.Match[bytes]) -> bytes:
    token = match.group()
    return token if token[:1] == b'"' else match.group(1)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard number {name} is not allowed")


def plain_numbers(node: Any) -> Any:
    """A parsed tree as Java's schemaless values: Decimal numbers become floats, -0.0 becomes 0.0.

    Java parses non-integral numbers as ``BigDecimal`` (which has no negative zero) and converts
    them with ``doubleValue()``.
    """
    if type(node) is float or isinstance(node, decimal.Decimal):
        return float(node) if node != 0 else 0.0
    if type(node) is list:
        return [plain_numbers(item) for item in node]
    if type(node) is dict:
        return {key: plain_numbers(item) for key, item in node.items()}
    return node


def may_hold_negative_zero(raw: bytes) -> bool:
    """A cheap test that lets :func:`plain_numbers` be skipped for almost every document."""
    return b"-0" in raw


__all__ = ["MISSING", "dumps", "loads", "may_hold_negative_zero", "plain_numbers"]
