"""Parsing raw config values into their typed form, and rendering typed values as strings
(Kafka's ``ConfigDef.parseType`` and ``ConfigDef.convertToString``).

Raw values usually arrive as strings (a properties file, a REST body) and are trimmed the way
Java's ``String.trim`` does; native Python values of the right kind are accepted as well.
Pure and thread-safe. Import the public names from :mod:`distconnect.api.config`.
"""

from __future__ import annotations

import re
from typing import Any, Final

from distconnect.api.config_types import HIDDEN, ConfigType, Password, invalid_value, java_str, qualified_name

_JAVA_WHITESPACE: Final = "".join(chr(c) for c in range(0x21))
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DOUBLE = re.compile(r"[+-]?(NaN|Infinity|([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[fFdD]?)")
# Java's \s is ASCII-only; Python's would also eat Unicode spaces around the commas.
_LIST_SEPARATOR = re.compile(r"[ \t\n\x0b\f\r]*,[ \t\n\x0b\f\r]*")
_CLASS_PART = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_INT_BITS: Final = {ConfigType.SHORT: 16, ConfigType.INT: 32, ConfigType.LONG: 64}
_INT_KIND: Final = {
    ConfigType.SHORT: "a 16-bit integer (short)",
    ConfigType.INT: "a 32-bit integer",
    ConfigType.LONG: "a 64-bit integer (long)",
}


def java_trim(text: str) -> str:
    """Java's ``String.trim``: strip code points up to U+0020 from both ends."""
    return text.strip(_JAVA_WHITESPACE)


def _kind(value: Any) -> str:
    return type(value).__name__


def parse_type(name: str, value: Any, type_: ConfigType) -> Any:
    """Parse a raw value for key ``name`` into ``type_``'s Python form; ``None`` stays ``None``.

    Raises ConfigError naming the key and, for numbers, the expected type
    (``Invalid value abc for configuration tasks.max: Not a number of type INT``).
    """
    if value is None:
        return None
    if type_ is ConfigType.PASSWORD:
        return _parse_password(name, value)
    trimmed = java_trim(value) if isinstance(value, str) else None
    if type_ is ConfigType.BOOLEAN:
        if isinstance(value, bool):
            return value
        if trimmed is not None and trimmed.lower() in ("true", "false"):
            return trimmed.lower() == "true"
        raise invalid_value(name, value, "Expected value to be either true or false")
    if type_ is ConfigType.STRING:
        if trimmed is None:
            raise invalid_value(name, value, f"Expected value to be a string, but it was a {_kind(value)}")
        return trimmed
    if type_ in _INT_BITS:
        return _parse_integer(name, value, trimmed, type_)
    if type_ is ConfigType.DOUBLE:
        return _parse_double(name, value, trimmed)
    if type_ is ConfigType.LIST:
        return _parse_list(name, value, trimmed)
    if type_ is ConfigType.CLASS:
        return _parse_class(name, value, trimmed)
    raise AssertionError(f"unknown config type {type_}")  # pragma: no cover


def _parse_password(name: str, value: Any) -> Password:
    if isinstance(value, Password):
        return value
    if isinstance(value, str):
        return Password(java_trim(value))
    # Never echo a would-be secret, even a mistyped one.
    raise invalid_value(name, HIDDEN, f"Expected value to be a string, but it was a {_kind(value)}")


def _parse_integer(name: str, value: Any, trimmed: str | None, type_: ConfigType) -> int:
    bits = _INT_BITS[type_]
    if trimmed is not None:
        if not _INTEGER.fullmatch(trimmed):
            raise invalid_value(name, value, f"Not a number of type {type_.name}")
        number = int(trimmed)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise invalid_value(
            name, value, f"Expected value to be {_INT_KIND[type_]}, but it was a {_kind(value)}"
        )
    if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
        raise invalid_value(name, value, f"Not a number of type {type_.name}")
    return number


def _parse_double(name: str, value: Any, trimmed: str | None) -> float:
    if trimmed is not None:
        if not _DOUBLE.fullmatch(trimmed):
            raise invalid_value(name, value, "Not a number of type DOUBLE")
        return float(trimmed.rstrip("fFdD"))
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            raise invalid_value(name, value, "Not a number of type DOUBLE") from None
    raise invalid_value(name, value, f"Expected value to be a double, but it was a {_kind(value)}")


def _parse_list(name: str, value: Any, trimmed: str | None) -> list[str]:
    if trimmed is not None:
        # Like Java's split(..., -1): empty pieces between or after commas are kept.
        return _LIST_SEPARATOR.split(trimmed) if trimmed else []
    if isinstance(value, list | tuple):
        for element in value:
            if not isinstance(element, str):
                raise invalid_value(name, value, f"Expected a list of strings, but found a {_kind(element)}")
        return list(value)
    raise invalid_value(name, value, "Expected a comma separated list.")


def _parse_class(name: str, value: Any, trimmed: str | None) -> str:
    if isinstance(value, type):
        return qualified_name(value)
    if trimmed is None:
        raise invalid_value(name, value, "Expected a Class instance or class name.")
    if not all(_CLASS_PART.fullmatch(part) for part in trimmed.split(".")):
        raise invalid_value(name, value, f"Class {value} could not be found.")
    return trimmed


def convert_to_string(value: Any, type_: ConfigType | None) -> str | None:
    """The string form Kafka's ``ConfigDef.convertToString`` gives a parsed value (REST, docs).

    Passwords render as ``[hidden]``; lists join with a bare comma; ``None`` stays ``None``.
    """
    if value is None:
        return None
    if type_ is ConfigType.LIST and isinstance(value, list | tuple):
        return ",".join(java_str(v) for v in value)
    return java_str(value)
