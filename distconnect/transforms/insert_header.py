"""InsertHeader: append a header with a fixed value to every record. Port of Kafka's
``InsertHeader``.

``value.literal`` is parsed once with :meth:`Values.parse_string`, so ``42`` becomes an INT8
header, ``true`` a BOOLEAN, ``[1,2]`` an ARRAY and anything else a STRING, as Kafka does.

Lifecycle: ``configure`` once, then ``apply`` per record; stateless apart from configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from distconnect.api.config import ConfigDef, ConfigType, Importance, NonNullValidator
from distconnect.api.data import NULL_SCHEMA_AND_VALUE, SchemaAndValue
from distconnect.api.plugins import Transformation
from distconnect.api.values import Values
from distconnect.transforms.util import R

HEADER = "header"
VALUE_LITERAL = "value.literal"

OVERVIEW_DOC = "Add a header to each record."

CONFIG_DEF = (
    ConfigDef()
    .define(HEADER, ConfigType.STRING, validator=NonNullValidator(), importance=Importance.HIGH,
            documentation="The name of the header.")
    .define(VALUE_LITERAL, ConfigType.STRING, validator=NonNullValidator(), importance=Importance.HIGH,
            documentation="The literal value that is to be set as the header value on all records.")
)  # fmt: skip


class InsertHeader(Transformation[R]):
    """Append header ``header`` with the parsed ``value.literal`` (earlier headers are kept)."""

    def __init__(self) -> None:
        self._header = ""
        self._literal: SchemaAndValue = NULL_SCHEMA_AND_VALUE

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = CONFIG_DEF.parse(configs)
        self._header = parsed[HEADER]
        self._literal = Values.parse_string(parsed[VALUE_LITERAL])

    def apply(self, record: R) -> R:
        updated = record.new_record()
        updated.headers.add(self._header, self._literal.value, self._literal.schema)
        return updated


__all__ = ["CONFIG_DEF", "OVERVIEW_DOC", "InsertHeader"]
