"""The value layer of :mod:`distconnect.api.config`: config types, the password wrapper, the
per-key validation result, and ConfigError construction with Kafka's message texts.

Everything here is pure, synchronous and free of shared state, so it is safe to call from any
thread or task. Import the public names from :mod:`distconnect.api.config`. Error messages keep
Java's wording (``Invalid value abc for configuration tasks.max: Not a number of type INT``), so
REST clients written against Kafka Connect see the texts they expect.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from distconnect.api.errors import ConfigError

#: What ``str()``/``repr()`` of a :class:`Password` print, as in Kafka.
HIDDEN: Final = "[hidden]"


class ConfigType(enum.Enum):
    """The type a config key parses to; the value is the Python type it becomes."""

    BOOLEAN = "BOOLEAN"  # bool
    STRING = "STRING"  # str
    INT = "INT"  # int within 32 bits
    SHORT = "SHORT"  # int within 16 bits
    LONG = "LONG"  # int within 64 bits
    DOUBLE = "DOUBLE"  # float
    LIST = "LIST"  # list[str]
    CLASS = "CLASS"  # str, a dotted name
    PASSWORD = "PASSWORD"  # Password

    @property
    def is_sensitive(self) -> bool:
        return self is ConfigType.PASSWORD


class Importance(enum.Enum):
    """How much a user should care about a key; ordered HIGH first in generated docs."""

    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


class Width(enum.Enum):
    """A UI hint for the width of a key's input field."""

    NONE = "NONE"
    SHORT = "SHORT"
    MEDIUM = "MEDIUM"
    LONG = "LONG"


class _NoDefault:
    """Type of :data:`NO_DEFAULT`; a single instance, compared by identity."""

    _instance: _NoDefault | None = None

    def __new__(cls) -> _NoDefault:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_DEFAULT"

    def __reduce__(self) -> str:
        return "NO_DEFAULT"


#: Marks a key without a default value, i.e. a required key.
NO_DEFAULT: Final = _NoDefault()


class Password:
    """A secret config value. ``str()``, ``repr()`` and f-strings show ``[hidden]``; only
    :attr:`value` returns the secret, so it cannot leak through logging or error messages."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    @property
    def value(self) -> str:
        return self._value

    def __str__(self) -> str:
        return HIDDEN

    def __repr__(self) -> str:
        return HIDDEN

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Password) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(eq=True)
class ConfigValue:
    """The validation result for one key, as ``ConfigDef.validate`` and ``Connector.validate``
    return it. Mutable like Kafka's: validation fills it in step by step. The repr never shows a
    secret: a PASSWORD key's value is a :class:`Password`, whose repr is ``[hidden]``."""

    name: str
    value: Any = None
    recommended_values: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    visible: bool = True

    def add_error(self, message: str) -> None:
        self.errors.append(message)


# -- error construction ------------------------------------------------------------------------


def java_str(value: Any) -> str:
    """Render a value the way Java's ``String.valueOf`` would, for messages and REST strings."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double_str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(java_str(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{java_str(k)}={java_str(v)}" for k, v in value.items()) + "}"
    if isinstance(value, type):
        return qualified_name(value)
    return str(value)


def java_double_str(value: float) -> str:
    """Java's ``Double.toString``: plain notation in [1e-3, 1e7), else ``d.dddE<exp>``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    magnitude = abs(value)
    if magnitude == 0 or 1e-3 <= magnitude < 1e7:
        text = repr(value)
        return text if ("." in text or "e" in text) else text + ".0"
    # Python's repr and Java (JDK 19+) both produce the shortest round-tripping digits.
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    mantissa = "".join(map(str, digits)).rstrip("0") or "0"
    sci_exponent = exponent + len(digits) - 1
    fraction = mantissa[1:] or "0"
    return f"{'-' if sign else ''}{mantissa[0]}.{fraction}E{sci_exponent}"


def qualified_name(cls: type) -> str:
    """``module.QualName`` of a class, the form CLASS values take."""
    return f"{cls.__module__}.{cls.__qualname__}"


def _with_text(error: ConfigError, text: str) -> ConfigError:
    # ConfigError composes its own message; Kafka's exact wording is what REST clients see.
    error.args = (text,)
    return error


def invalid_value(name: str, value: Any, message: str) -> ConfigError:
    """``Invalid value <v> for configuration <name>: <message>`` (Kafka's ConfigException form)."""
    return _with_text(
        ConfigError(name, value, message),
        f"Invalid value {java_str(value)} for configuration {name}: {message}",
    )


def config_failure(name: str, text: str) -> ConfigError:
    """A ConfigError about ``name`` whose whole message is ``text``."""
    return _with_text(ConfigError(name, None, text), text)


def missing_required(name: str) -> ConfigError:
    return config_failure(name, f'Missing required configuration "{name}" which has no default value.')
