"""The values Datagen produces: a fixed 10-field record, as a Struct or as a schemaless dict.

Pure and synchronous. Everything that does not depend on the record number (the schema, the
padding string, the categories) is computed once per :class:`PayloadFactory`, so producing a value
is one dict literal (schemaless) or one Struct with ten puts.
"""

from __future__ import annotations

import json
import string
from typing import Any, Final

from distconnect.api.data import (
    BOOLEAN_SCHEMA,
    FLOAT64_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
)
from distconnect.api.struct import Struct

VALUE_SCHEMA: Final = (
    SchemaBuilder.struct()
    .name("distconnect.datagen.Record")
    .version(1)
    .field("task", INT32_SCHEMA)
    .field("part", INT32_SCHEMA)
    .field("seq", INT64_SCHEMA)
    .field("ts", INT64_SCHEMA)
    .field("flag", BOOLEAN_SCHEMA)
    .field("price", FLOAT64_SCHEMA)
    .field("qty", INT16_SCHEMA)
    .field("cat", STRING_SCHEMA)
    .field("tag", STRING_SCHEMA)
    .field("pad", STRING_SCHEMA)
    .build()
)

#: Equal lengths, so that the category does not change the value's size.
CATEGORIES: Final = ("amber", "azure", "black", "coral", "green", "ivory", "khaki", "olive")
TAGS: Final = tuple(f"t{i:02d}" for i in range(16))
_PAD_ALPHABET: Final = string.ascii_letters + string.digits
#: A record number and a timestamp with typical digit counts, used to size the padding.
_TYPICAL_SEQNO: Final = 1_234_567
_TYPICAL_TIMESTAMP: Final = 1_700_000_000_000


def _json_size(value: dict[str, Any]) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def min_record_size(task: int = 0) -> int:
    """Approximate JSON size of a value with an empty ``pad`` (what the nine other fields take)."""
    return _json_size(PayloadFactory(task, 0, False).value(0, _TYPICAL_SEQNO, _TYPICAL_TIMESTAMP))


class PayloadFactory:
    """Makes the value of record ``seqno`` of source partition ``partition`` of task ``task``.

    ``record_size`` is the approximate length in bytes of a schemaless value serialised as
    compact JSON: the ``pad`` field is filled to reach it. Only the digit counts of the task,
    partition and record numbers vary the size (a byte per digit away from 1, 1 and 7 digits),
    and ``flag`` by one byte (``true``/``false``); the other fields have a constant width. The
    nine fields besides ``pad`` take :func:`min_record_size` bytes (127); smaller sizes give an
    empty ``pad``.
    """

    __slots__ = ("_padding", "_schema", "_task", "record_size", "schema_enabled")

    def __init__(self, task: int, record_size: int, schema_enabled: bool) -> None:
        self._task = task
        self.record_size = record_size
        self.schema_enabled = schema_enabled
        self._schema: Schema | None = VALUE_SCHEMA if schema_enabled else None
        self._padding = ""
        fixed = _json_size(self._dict(0, _TYPICAL_SEQNO, _TYPICAL_TIMESTAMP))
        pad = max(0, record_size - fixed)
        self._padding = (_PAD_ALPHABET * (pad // len(_PAD_ALPHABET) + 1))[:pad]

    @property
    def schema(self) -> Schema | None:
        """The value schema, or ``None`` when schemaless."""
        return self._schema

    def value(self, partition: int, seqno: int, timestamp: int) -> Any:
        if self.schema_enabled:
            return self._struct(partition, seqno, timestamp)
        return self._dict(partition, seqno, timestamp)

    def _dict(self, partition: int, seqno: int, timestamp: int) -> dict[str, Any]:
        return {
            "task": self._task,
            "part": partition,
            "seq": seqno,
            "ts": timestamp,
            "flag": not seqno & 1,
            "price": 1000.25 + (seqno & 0xFF),
            "qty": 1000 + (seqno & 0x3FF),
            "cat": CATEGORIES[seqno & 7],
            "tag": TAGS[seqno & 15],
            "pad": self._padding,
        }

    def _struct(self, partition: int, seqno: int, timestamp: int) -> Struct:
        return (
            Struct(VALUE_SCHEMA)
            .put("task", self._task)
            .put("part", partition)
            .put("seq", seqno)
            .put("ts", timestamp)
            .put("flag", not seqno & 1)
            .put("price", 1000.25 + (seqno & 0xFF))
            .put("qty", 1000 + (seqno & 0x3FF))
            .put("cat", CATEGORIES[seqno & 7])
            .put("tag", TAGS[seqno & 15])
            .put("pad", self._padding)
        )


__all__ = ["CATEGORIES", "TAGS", "VALUE_SCHEMA", "PayloadFactory", "min_record_size"]
