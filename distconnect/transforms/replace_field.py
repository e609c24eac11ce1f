"""ReplaceField: drop, keep or rename fields of the key or value. Port of Kafka's
``ReplaceField``; use ``ReplaceField.Key`` or ``ReplaceField.Value``.

``exclude`` wins over ``include``; an empty ``include`` keeps everything. The pre-3.0 names
``blacklist`` and ``whitelist`` are still accepted as aliases of ``exclude`` and ``include``
(the new name wins when both are given).

Lifecycle: ``configure`` once, then ``apply`` per record on the task's loop. Not thread-safe.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from distconnect.api.config import ConfigDef, ConfigType, Importance
from distconnect.api.data import Schema, SchemaBuilder
from distconnect.api.errors import ConfigError
from distconnect.api.plugins import Transformation
from distconnect.api.struct import Struct
from distconnect.transforms.util import (
    KeyOrValue,
    KeySide,
    R,
    SchemaCache,
    ValueSide,
    attach_variants,
    copy_schema_basics,
    require_map,
    require_struct,
    struct_get,
)

_log = logging.getLogger(__name__)

EXCLUDE = "exclude"
INCLUDE = "include"
RENAMES = "renames"
REPLACE_NULL_WITH_DEFAULT = "replace.null.with.default"
#: Deprecated alias -> current name.
DEPRECATED_ALIASES: Mapping[str, str] = {"blacklist": EXCLUDE, "whitelist": INCLUDE}

_PURPOSE = "field replacement"


def parse_rename_mappings(mappings: Sequence[str]) -> dict[str, str]:
    """``["old:new", ...]`` to ``{old: new}``; ConfigError naming ``renames`` if malformed."""
    renames: dict[str, str] = {}
    for mapping in mappings:
        parts = mapping.split(":")
        if len(parts) != 2:
            raise ConfigError(RENAMES, list(mappings), f"Invalid rename mapping: {mapping}")
        renames[parts[0]] = parts[1]
    return renames


class _RenamesValidator:
    def __call__(self, name: str, value: Any) -> None:
        if value is not None:
            parse_rename_mappings(value)

    def __str__(self) -> str:
        return "list of colon-delimited pairs, e.g. foo:bar,abc:xyz"


CONFIG_DEF = (
    ConfigDef()
    .define(EXCLUDE, ConfigType.LIST, [], None, Importance.MEDIUM,
            "Fields to exclude. This takes precedence over the fields to include.")
    .define(INCLUDE, ConfigType.LIST, [], None, Importance.MEDIUM,
            "Fields to include. If specified, only these fields will be used.")
    .define(RENAMES, ConfigType.LIST, [], _RenamesValidator(), Importance.MEDIUM, "Field rename mappings.")
    .define(REPLACE_NULL_WITH_DEFAULT, ConfigType.BOOLEAN, True, None, Importance.MEDIUM,
            "Whether to replace fields that have a default value and that are null to the default value. "
            "When set to true, the default value is used, otherwise null is used.")
)  # fmt: skip


def translate_deprecated(configs: Mapping[str, Any]) -> dict[str, Any]:
    """Map ``blacklist``/``whitelist`` onto ``exclude``/``include``, warning about each use."""
    out = dict(configs)
    for alias, target in DEPRECATED_ALIASES.items():
        if alias not in out:
            continue
        alias_value = out.pop(alias)
        if target in out:
            _log.warning("Both %r and its deprecated alias %r are set; using %r", target, alias, target)
        else:
            _log.warning("Configuration %r is deprecated; use %r instead", alias, target)
            out[target] = alias_value
    return out


class ReplaceField(KeyOrValue, Transformation[R]):
    """Filter or rename fields of a Struct (with schema) or a map (schemaless).

    Null keys/values pass through unchanged.
    """

    Key: ClassVar[type[ReplaceField[Any]]]
    Value: ClassVar[type[ReplaceField[Any]]]

    def __init__(self) -> None:
        self._exclude: frozenset[str] = frozenset()
        self._include: frozenset[str] = frozenset()
        self._renames: dict[str, str] = {}
        self._reverse: dict[str, str] = {}
        self._replace_null_with_default = True
        self._cache = SchemaCache()

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = CONFIG_DEF.parse(translate_deprecated(configs))
        self._exclude = frozenset(parsed[EXCLUDE])
        self._include = frozenset(parsed[INCLUDE])
        self._renames = parse_rename_mappings(parsed[RENAMES])
        self._reverse = {new: old for old, new in self._renames.items()}
        self._replace_null_with_default = parsed[REPLACE_NULL_WITH_DEFAULT]
        self._cache = SchemaCache()

    def keeps(self, field_name: str) -> bool:
        """Whether a field survives the exclude/include filter."""
        return field_name not in self._exclude and (not self._include or field_name in self._include)

    def renamed(self, field_name: str) -> str:
        return self._renames.get(field_name, field_name)

    def apply(self, record: R) -> R:
        value = self.operating_value(record)
        if value is None:
            return record
        if self.operating_schema(record) is None:
            original = require_map(value, _PURPOSE)
            updated = {self.renamed(k): v for k, v in original.items() if self.keeps(k)}
            return self.new_record(record, None, updated)
        struct = require_struct(value, _PURPOSE)
        updated_schema = self._cache.get(struct.schema)
        if updated_schema is None:
            updated_schema = self._updated_schema(struct.schema)
            self._cache.put(struct.schema, updated_schema)
        result = Struct(updated_schema)
        for field in updated_schema.fields:
            source = self._reverse.get(field.name, field.name)
            result.put(field.name, struct_get(struct, source, self._replace_null_with_default))
        return self.new_record(record, updated_schema, result)

    def close(self) -> None:
        self._cache.clear()

    def _updated_schema(self, schema: Schema) -> Schema:
        builder = copy_schema_basics(schema, SchemaBuilder.struct())
        for field in schema.fields:
            if self.keeps(field.name):
                builder.field(self.renamed(field.name), field.schema)
        return builder.build()


class _ReplaceFieldKey(KeySide, ReplaceField[R]):
    """Filter or rename fields of the record key."""


class _ReplaceFieldValue(ValueSide, ReplaceField[R]):
    """Filter or rename fields of the record value."""


attach_variants(ReplaceField, _ReplaceFieldKey, _ReplaceFieldValue)

__all__ = [
    "CONFIG_DEF",
    "DEPRECATED_ALIASES",
    "ReplaceField",
    "parse_rename_mappings",
    "translate_deprecated",
]
