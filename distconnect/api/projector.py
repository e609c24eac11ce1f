"""``SchemaProjector``: project a value written with one schema onto a compatible schema version.

Same rules as Java's ``SchemaProjector``: types must match or be a numeric promotion
(INT8 -> INT16 -> INT32 -> INT64 -> FLOAT32 -> FLOAT64, any step forward); names and parameters
must be equal; an optional source needs an optional target or a target default (even when the
value at hand is present); struct fields are matched by name, and target fields missing from the
source must be optional or have a default. Failures raise ``SchemaProjectorError``. Pure and
stateless; safe from any thread.
"""

from __future__ import annotations

import math
import struct as _binary
from typing import Any

from distconnect.api.errors import SchemaProjectorError
from distconnect.api.schema import Schema, Type
from distconnect.api.struct import Struct

_NUMERIC_ORDER = (Type.INT8, Type.INT16, Type.INT32, Type.INT64, Type.FLOAT32, Type.FLOAT64)
_RANK = {t: i for i, t in enumerate(_NUMERIC_ORDER)}


def _is_promotable(source: Type, target: Type) -> bool:
    return source in _RANK and target in _RANK and _RANK[source] <= _RANK[target]


def _to_float32(value: float) -> float:
    # Round to single precision as Java's Number.floatValue() does; overflow becomes infinity.
    try:
        result: float = _binary.unpack("<f", _binary.pack("<f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)
    return result


class SchemaProjector:
    """Namespace for :meth:`project` (mirrors the Java static class)."""

    @staticmethod
    def project(source: Schema, record: Any, target: Schema) -> Any:
        """``record`` (valid for ``source``) re-expressed for ``target``, or SchemaProjectorError."""
        _check_maybe_compatible(source, target)
        if source.optional and not target.optional:
            if target.default_value is None:
                raise SchemaProjectorError(
                    "Writer schema is optional, however, target schema does not provide a default value."
                )
            return target.default_value if record is None else _project_required(source, record, target)
        return None if record is None else _project_required(source, record, target)


def _check_maybe_compatible(source: Schema, target: Schema) -> None:
    if source.type is not target.type and not _is_promotable(source.type, target.type):
        raise SchemaProjectorError(
            f"Schema type mismatch. source type: {source.type.name} and target type: {target.type.name}"
        )
    if source.name != target.name:
        raise SchemaProjectorError(
            f"Schema name mismatch. source name: {source.name} and target name: {target.name}"
        )
    if source.parameters != target.parameters:
        raise SchemaProjectorError(
            "Schema parameters not equal. source parameters: "
            f"{_params(source)} and target parameters: {_params(target)}"
        )


def _params(schema: Schema) -> dict[str, str] | None:
    return None if schema.parameters is None else dict(schema.parameters)


def _project_required(source: Schema, record: Any, target: Schema) -> Any:
    if target.type is Type.STRUCT:
        return _project_struct(source, record, target)
    if target.type is Type.ARRAY:
        if not isinstance(record, list):
            raise SchemaProjectorError(f"Expected a list for an ARRAY schema, got {type(record).__name__}")
        return [SchemaProjector.project(source.value_schema, v, target.value_schema) for v in record]
    if target.type is Type.MAP:
        if not isinstance(record, dict):
            raise SchemaProjectorError(f"Expected a dict for a MAP schema, got {type(record).__name__}")
        return {
            SchemaProjector.project(source.key_schema, k, target.key_schema): SchemaProjector.project(
                source.value_schema, v, target.value_schema
            )
            for k, v in record.items()
        }
    return _project_primitive(source, record, target)


def _project_struct(source: Schema, record: Any, target: Schema) -> Struct:
    if not isinstance(record, Struct):
        raise SchemaProjectorError(f"Expected a Struct for a STRUCT schema, got {type(record).__name__}")
    result = Struct(target)
    for target_field in target.fields:
        name = target_field.name
        source_field = source.field(name)
        if source_field is not None:
            try:
                value = SchemaProjector.project(source_field.schema, record.get(name), target_field.schema)
            except SchemaProjectorError as e:
                raise SchemaProjectorError(f"Error projecting {name}: {e}") from e
            result.put(name, value)
        elif target_field.schema.optional:
            continue
        elif target_field.schema.default_value is not None:
            result.put(name, target_field.schema.default_value)
        else:
            raise SchemaProjectorError(f"Required field `{name}` is missing from source schema: {source!r}")
    return result


def _project_primitive(source: Schema, record: Any, target: Schema) -> Any:
    is_number = isinstance(record, int | float) and not isinstance(record, bool)
    if not (is_number and _is_promotable(source.type, target.type)):
        return record
    if target.type is Type.FLOAT64:
        return float(record)
    if target.type is Type.FLOAT32:
        return _to_float32(float(record))
    # Integer widening keeps the value as is.
    return record
