"""Predicates for conditional transforms, and the stage that applies a transform conditionally.

Ports of Kafka's ``TopicNameMatches``, ``HasHeaderKey`` and ``RecordIsTombstone``, plus the logic
of the runtime's ``TransformationStage``: a transform with a predicate runs only when
``predicate.test(record) != negate``; without a predicate it always runs.

Lifecycle: each predicate is configured once and then only tested; all three are stateless apart
from configuration, pure and synchronous. A :class:`PredicatedTransformation` owns its
transformation and predicate and closes both.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from distconnect.api.config import CompositeValidator, ConfigDef, ConfigType, Importance, NonEmptyString
from distconnect.api.errors import ConfigError
from distconnect.api.plugins import Predicate, Transformation
from distconnect.transforms.java_regex import JavaRegexError, RegexValidator, compile_java_regex
from distconnect.transforms.util import R

_log = logging.getLogger(__name__)

PATTERN = "pattern"
NAME = "name"


class TopicNameMatches(Predicate[R]):
    """True for records whose topic matches ``pattern`` (a Java regex) in full."""

    OVERVIEW_DOC = (
        "A predicate which is true for records with a topic name that matches the configured "
        "regular expression."
    )
    CONFIG_DEF = ConfigDef().define(
        PATTERN,
        ConfigType.STRING,
        validator=CompositeValidator.of(NonEmptyString(), RegexValidator()),
        importance=Importance.MEDIUM,
        documentation="A Java regular expression for matching against the name of a record's topic.",
    )

    def __init__(self) -> None:
        self._pattern: re.Pattern[str] | None = None

    def config(self) -> ConfigDef:
        return self.CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        value: str = self.CONFIG_DEF.parse(configs)[PATTERN]
        try:
            self._pattern = compile_java_regex(value)
        except JavaRegexError as e:
            raise ConfigError(
                PATTERN, value, f"entry must be a Java-compatible regular expression: {e}"
            ) from e

    def test(self, record: R) -> bool:
        if self._pattern is None:
            raise RuntimeError("TopicNameMatches used before configure()")
        return record.topic is not None and self._pattern.fullmatch(record.topic) is not None

    def __repr__(self) -> str:
        return f"TopicNameMatches{{pattern={self._pattern.pattern if self._pattern else None}}}"


class HasHeaderKey(Predicate[R]):
    """True for records with at least one header named ``name``."""

    OVERVIEW_DOC = "A predicate which is true for records with at least one header with the configured name."
    CONFIG_DEF = ConfigDef().define(
        NAME,
        ConfigType.STRING,
        validator=NonEmptyString(),
        importance=Importance.MEDIUM,
        documentation="The header name.",
    )

    def __init__(self) -> None:
        self._name = ""

    def config(self) -> ConfigDef:
        return self.CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        self._name = self.CONFIG_DEF.parse(configs)[NAME]

    def test(self, record: R) -> bool:
        return record.headers.last_with_name(self._name) is not None

    def __repr__(self) -> str:
        return f"HasHeaderKey{{name='{self._name}'}}"


class RecordIsTombstone(Predicate[R]):
    """True for tombstones: records whose value is null."""

    OVERVIEW_DOC = "A predicate which is true for records which are tombstones (i.e. have null value)."
    CONFIG_DEF = ConfigDef()

    def config(self) -> ConfigDef:
        return self.CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        """Nothing to configure."""

    def test(self, record: R) -> bool:
        return record.value is None

    def __repr__(self) -> str:
        return "RecordIsTombstone{}"


def apply_with_predicate(
    transformation: Transformation[R], predicate: Predicate[R] | None, negate: bool, record: R
) -> R | None:
    """Apply ``transformation`` if there is no predicate or ``predicate.test(record) != negate``;
    otherwise return ``record`` unchanged. ``None`` means the transformation dropped it."""
    if predicate is None or predicate.test(record) != negate:
        return transformation.apply(record)
    return record


class PredicatedTransformation(Transformation[R]):
    """A transformation guarded by an optional predicate (Kafka's ``TransformationStage``).

    Built by the runtime from already configured parts; it owns both and :meth:`close` closes
    both, logging rather than raising a failure so the other still gets closed.
    """

    def __init__(
        self, transformation: Transformation[R], predicate: Predicate[R] | None = None, negate: bool = False
    ) -> None:
        self.transformation = transformation
        self.predicate = predicate
        self.negate = negate

    def config(self) -> ConfigDef:
        return self.transformation.config()

    def configure(self, configs: Mapping[str, Any]) -> None:
        """Configure the wrapped transformation (the predicate is configured by its owner)."""
        self.transformation.configure(configs)

    def apply(self, record: R) -> R | None:
        return apply_with_predicate(self.transformation, self.predicate, self.negate, record)

    def close(self) -> None:
        for what, part in (("transformation", self.transformation), ("predicate", self.predicate)):
            if part is None:
                continue
            try:
                part.close()
            except Exception:
                _log.warning("Failed to close %s %r", what, part, exc_info=True)

    def __repr__(self) -> str:
        return (
            f"PredicatedTransformation{{predicate={self.predicate!r}, "
            f"transformation={self.transformation!r}, negate={self.negate}}}"
        )


__all__ = [
    "HasHeaderKey",
    "PredicatedTransformation",
    "RecordIsTombstone",
    "TopicNameMatches",
    "apply_with_predicate",
]
