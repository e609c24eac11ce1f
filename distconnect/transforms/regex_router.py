"""RegexRouter: rename the record's topic with a Java regular expression and replacement.
Port of Kafka's ``RegexRouter``.

If the regex matches the *whole* topic, the topic becomes the result of Java's
``Matcher.replaceFirst(replacement)``; otherwise the record passes through unchanged. The
replacement may refer to groups as ``$1`` or ``${name}`` (see :mod:`distconnect.transforms.java_regex`).
Unlike Kafka, a replacement naming a group the regex lacks is rejected by ``configure`` rather
than failing on the first matching record.

Lifecycle: ``configure`` once, then ``apply`` per record; stateless and safe to share.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from distconnect.api.config import ConfigDef, ConfigType, Importance
from distconnect.api.errors import ConfigError
from distconnect.api.plugins import Transformation
from distconnect.transforms.java_regex import (
    JavaRegexError,
    JavaReplacement,
    RegexValidator,
    compile_java_regex,
)
from distconnect.transforms.util import R

REGEX = "regex"
REPLACEMENT = "replacement"

OVERVIEW_DOC = (
    "Update the record topic using the configured regular expression and replacement string. "
    "If the pattern matches the whole input topic, the first match is replaced (Java's "
    "Matcher#replaceFirst()) with the replacement string to obtain the new topic."
)

CONFIG_DEF = (
    ConfigDef()
    .define(REGEX, ConfigType.STRING, validator=RegexValidator(), importance=Importance.HIGH,
            documentation="Regular expression to use for matching.")
    .define(REPLACEMENT, ConfigType.STRING, importance=Importance.HIGH, documentation="Replacement string.")
)  # fmt: skip


class RegexRouter(Transformation[R]):
    """Route records to a topic derived from their current topic by regex replacement."""

    def __init__(self) -> None:
        self._regex: re.Pattern[str] | None = None
        self._replacement: JavaReplacement | None = None

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = CONFIG_DEF.parse(configs)
        regex = compile_java_regex(parsed[REGEX])  # already checked by the validator
        template: str = parsed[REPLACEMENT]
        try:
            replacement = JavaReplacement(template, regex)
        except JavaRegexError as e:
            raise ConfigError(REPLACEMENT, template, str(e)) from e
        self._regex, self._replacement = regex, replacement

    def apply(self, record: R) -> R:
        if self._regex is None or self._replacement is None:
            raise RuntimeError("RegexRouter used before configure()")
        if self._regex.fullmatch(record.topic) is None:
            return record
        return record.new_record(topic=self._replacement.replace_first(self._regex, record.topic))


__all__ = ["CONFIG_DEF", "OVERVIEW_DOC", "RegexRouter"]
