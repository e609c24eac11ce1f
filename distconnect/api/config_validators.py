"""Validators and recommenders for :class:`~distconnect.api.config.ConfigDef` keys.

A validator is any callable ``(name, parsed_value) -> None`` that raises
:class:`~distconnect.api.errors.ConfigError` for a bad value; the classes here are the stock
ones from Apache Kafka's ``ConfigDef`` with the same messages and the same ``str()`` (which
generated docs show under "Valid Values"). A custom validator gets a docs description by
defining ``__str__``; a plain function shows nothing there.

Validators run after parsing, so they see typed values (``int``, ``list[str]``, ...) and also
``None`` for a key that is unset and defaults to null, or that is missing during ``validate``.
They must be pure and quick: they run on the event loop, in REST request handling.

A recommender (see :class:`Recommender`) supplies the allowed values and the visibility of a
key given the other parsed values; ``ConfigDef.validate`` puts both in the result.
"""

from __future__ import annotations

import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from distconnect.api.config_types import invalid_value as _invalid
from distconnect.api.config_types import java_str

#: Any callable validator, stock or custom.
ValidatorFn = Callable[[str, Any], None]


@runtime_checkable
class Recommender(Protocol):
    """Suggests values for a key and says whether it applies, given the values parsed so far.

    Both methods may raise ConfigError; validation then records the message against the key.
    """

    def valid_values(self, name: str, parsed: Mapping[str, Any]) -> list[Any]: ...

    def visible(self, name: str, parsed: Mapping[str, Any]) -> bool: ...


def describe_validator(validator: ValidatorFn | None) -> str:
    """The "Valid Values" text for docs: ``str(validator)`` if its class defines ``__str__``."""
    if validator is None:
        return ""
    own_str: object = type(validator).__str__
    if own_str is object.__str__:
        return ""
    return str(validator)


class Validator(ABC):
    """Base of the stock validators: callable, and ``str()`` describes the accepted values."""

    @abstractmethod
    def ensure_valid(self, name: str, value: Any) -> None:
        """Raise ConfigError naming ``name`` if ``value`` is not acceptable."""

    def __call__(self, name: str, value: Any) -> None:
        self.ensure_valid(name, value)

    @abstractmethod
    def __str__(self) -> str: ...

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self})"


class Range(Validator):
    """A numeric range, either end optional: ``Range.at_least(1)`` is ``[1,...]``."""

    def __init__(self, min: float | None = None, max: float | None = None) -> None:
        self.min = min
        self.max = max

    @classmethod
    def at_least(cls, min: float) -> Range:
        return cls(min, None)

    @classmethod
    def between(cls, min: float, max: float) -> Range:
        return cls(min, max)

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            raise _invalid(name, None, "Value must be non-null")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _invalid(name, value, "Value must be a number")
        if self.min is not None and value < self.min:
            raise _invalid(name, value, f"Value must be at least {java_str(self.min)}")
        if self.max is not None and value > self.max:
            raise _invalid(name, value, f"Value must be no more than {java_str(self.max)}")

    def __str__(self) -> str:
        low = "" if self.min is None else java_str(self.min) + ","
        high = "" if self.max is None else "," + java_str(self.max)
        return f"[{low}...{high}]"


class ValidString(Validator):
    """The value must be one of the given strings (case-sensitive)."""

    def __init__(self, valid_strings: Sequence[str]) -> None:
        self.valid_strings = list(valid_strings)

    @classmethod
    def in_(cls, *valid_strings: str) -> ValidString:
        return cls(valid_strings)

    def ensure_valid(self, name: str, value: Any) -> None:
        if value not in self.valid_strings:
            raise _invalid(name, value, "String must be one of: " + ", ".join(self.valid_strings))

    def __str__(self) -> str:
        return "[" + ", ".join(self.valid_strings) + "]"


class ValidList(Validator):
    """Every element of a LIST value must be one of the given strings; ``None`` passes."""

    def __init__(self, valid_strings: Sequence[str]) -> None:
        self.valid_string = ValidString(valid_strings)

    @classmethod
    def in_(cls, *valid_strings: str) -> ValidList:
        return cls(valid_strings)

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, list | tuple):
            raise _invalid(name, value, "Expected a list")
        for element in value:
            self.valid_string.ensure_valid(name, element)

    def __str__(self) -> str:
        return str(self.valid_string)


class CaseInsensitiveValidString(Validator):
    """The value must equal one of the given strings ignoring case."""

    def __init__(self, valid_strings: Sequence[str]) -> None:
        # Kafka keeps (and reports) the upper-cased forms.
        self.valid_strings = list(dict.fromkeys(s.upper() for s in valid_strings))

    @classmethod
    def in_(cls, *valid_strings: str) -> CaseInsensitiveValidString:
        return cls(valid_strings)

    def ensure_valid(self, name: str, value: Any) -> None:
        if not isinstance(value, str) or value.upper() not in self.valid_strings:
            raise _invalid(
                name, value, "String must be one of (case insensitive): " + ", ".join(self.valid_strings)
            )

    def __str__(self) -> str:
        return "(case insensitive) [" + ", ".join(self.valid_strings) + "]"


class NonNullValidator(Validator):
    """The value must not be ``None``."""

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            raise _invalid(name, None, "entry must be non null")

    def __str__(self) -> str:
        return "non-null string"


class NonEmptyString(Validator):
    """A string value must not be empty (after trimming); ``None`` passes."""

    def ensure_valid(self, name: str, value: Any) -> None:
        if isinstance(value, str) and not value:
            raise _invalid(name, value, "String must be non-empty")

    def __str__(self) -> str:
        return "non-empty string"


class NonEmptyStringWithoutControlChars(Validator):
    """Non-empty and free of ISO control characters (Connect uses it for connector names)."""

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            return  # a missing required key is reported on its own
        if value == "":
            raise _invalid(name, value, "String may not be empty")
        found = [str(ord(ch)) for ch in str(value) if unicodedata.category(ch) == "Cc"]
        if found:
            raise _invalid(
                name,
                value,
                "String may not contain control sequences but had the following ASCII chars: "
                + ", ".join(found),
            )

    def __str__(self) -> str:
        return "non-empty string without ISO control characters"


class ListSize(Validator):
    """A LIST value may hold at most ``max_size`` elements."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size

    @classmethod
    def at_most_of_size(cls, max_size: int) -> ListSize:
        return cls(max_size)

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is not None and len(value) > self.max_size:
            raise _invalid(name, value, f"exceeds maximum list size of [{self.max_size}].")

    def __str__(self) -> str:
        return f"List containing maximum of {self.max_size} elements"


class LambdaValidator(Validator):
    """Wraps a function validator with a docs description: ``LambdaValidator.with_(fn, "...")``."""

    def __init__(self, ensure: ValidatorFn, description: str | Callable[[], str]) -> None:
        self._ensure = ensure
        self._description = description

    @classmethod
    def with_(cls, ensure: ValidatorFn, description: str | Callable[[], str]) -> LambdaValidator:
        return cls(ensure, description)

    def ensure_valid(self, name: str, value: Any) -> None:
        self._ensure(name, value)

    def __str__(self) -> str:
        return self._description if isinstance(self._description, str) else self._description()


class CompositeValidator(Validator):
    """Runs several validators in order; the first failure wins."""

    def __init__(self, validators: Sequence[ValidatorFn]) -> None:
        self.validators = tuple(validators)

    @classmethod
    def of(cls, *validators: ValidatorFn) -> CompositeValidator:
        return cls(validators)

    def ensure_valid(self, name: str, value: Any) -> None:
        for validator in self.validators:
            validator(name, value)

    def __str__(self) -> str:
        return ", ".join(describe_validator(v) for v in self.validators)
