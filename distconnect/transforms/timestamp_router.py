"""TimestampRouter: rename the record's topic from its current topic and its timestamp.
Port of Kafka's ``TimestampRouter``.

``topic.format`` may contain ``${topic}`` and ``${timestamp}``; the timestamp is the record's,
formatted in UTC with the Java ``SimpleDateFormat`` pattern ``timestamp.format`` (see
:mod:`distconnect.transforms.date_format`). A record without a timestamp fails with DataError.
Unlike Kafka, an invalid ``timestamp.format`` is rejected by ``configure`` rather than on the first
record.

Lifecycle: ``configure`` once, then ``apply`` per record; stateless and safe to share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from distconnect.api.config import ConfigDef, ConfigType, Importance
from distconnect.api.errors import ConfigError, DataError
from distconnect.api.plugins import Transformation
from distconnect.transforms.date_format import DateFormatPatternError, SimpleDateFormat
from distconnect.transforms.util import R

TOPIC_FORMAT = "topic.format"
TIMESTAMP_FORMAT = "timestamp.format"

OVERVIEW_DOC = (
    "Update the record's topic field as a function of the original topic value and the record timestamp. "
    "This is mainly useful for sink connectors, since the topic field is often used to determine the "
    "equivalent entity name in the destination system (e.g. database table or search index name)."
)

CONFIG_DEF = (
    ConfigDef()
    .define(TOPIC_FORMAT, ConfigType.STRING, default="${topic}-${timestamp}", importance=Importance.HIGH,
            documentation="Format string which can contain ``${topic}`` and ``${timestamp}`` as placeholders "
            "for the topic and timestamp, respectively.")
    .define(TIMESTAMP_FORMAT, ConfigType.STRING, default="yyyyMMdd", importance=Importance.HIGH,
            documentation="Format string for the timestamp that is compatible with "
            "``java.text.SimpleDateFormat``.")
)  # fmt: skip


class TimestampRouter(Transformation[R]):
    """Route each record to ``topic.format`` with its topic and formatted timestamp filled in."""

    def __init__(self) -> None:
        self._topic_format = "${topic}-${timestamp}"
        self._timestamp_format = SimpleDateFormat("yyyyMMdd")

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = CONFIG_DEF.parse(configs)
        pattern: str = parsed[TIMESTAMP_FORMAT]
        try:
            self._timestamp_format = SimpleDateFormat(pattern)
        except DateFormatPatternError as e:
            raise ConfigError(TIMESTAMP_FORMAT, pattern, str(e)) from e
        self._topic_format = parsed[TOPIC_FORMAT]

    def apply(self, record: R) -> R:
        if record.timestamp is None:
            raise DataError(f"Timestamp missing on record: {record}")
        try:
            formatted = self._timestamp_format.format_millis(record.timestamp)
        except ValueError as e:
            raise DataError(f"Cannot format the timestamp of record: {record}: {e}") from e
        # Topic first, as Kafka does: a topic containing "${timestamp}" gets it replaced too.
        topic = self._topic_format.replace("${topic}", record.topic).replace("${timestamp}", formatted)
        return record.new_record(topic=topic)


__all__ = ["CONFIG_DEF", "OVERVIEW_DOC", "TimestampRouter"]
