"""Connect schemas: the Python port of ``ConnectSchema``, ``Field`` and ``SchemaAndValue``.

Import these through :mod:`distconnect.api.data`, the public face of the data model.

A :class:`Schema` is immutable, value-equal and hashable, so converters may cache per schema.
Equality and hashing cover type, optionality, default, name, version, doc, parameters, fields
and key/value schemas (like Java's ``ConnectSchema``). Default values are part of that identity,
so a default that is a ``list``/``dict``/``Struct`` must not be mutated after the schema is built.
Schemas are pure values: safe to share between threads and tasks.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

from distconnect.api.errors import DataError


class Type(enum.Enum):
    """Connect schema types; values are Connect's lowercase names (as in the JSON envelope)."""

    INT8 = "int8"
    INT16 = "int16"
    INT32 = "int32"
    INT64 = "int64"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    BOOLEAN = "boolean"
    STRING = "string"
    BYTES = "bytes"
    ARRAY = "array"
    MAP = "map"
    STRUCT = "struct"

    @property
    def is_primitive(self) -> bool:
        """True for every type except ARRAY, MAP and STRUCT."""
        return self not in _COMPOUND_TYPES


_COMPOUND_TYPES = frozenset({Type.ARRAY, Type.MAP, Type.STRUCT})


@dataclass(frozen=True, slots=True)
class Field:
    """A named, positioned member of a STRUCT schema."""

    name: str
    index: int
    schema: Schema


def hash_value(value: Any) -> int:
    """Hash a Connect value by content: lists, dicts and byte buffers hash like their contents.

    Equal values (under ``==``, with ``bytes == bytearray``) hash equally, which lets schemas with
    mutable defaults and structs holding lists be hashed consistently with their equality.
    """
    if isinstance(value, bytes | bytearray | memoryview):
        return hash(bytes(value))
    if isinstance(value, list | tuple):
        return hash(tuple(hash_value(v) for v in value))
    if isinstance(value, Mapping):
        return hash(frozenset((hash_value(k), hash_value(v)) for k, v in value.items()))
    return hash(value)


class Schema:
    """An immutable Connect schema (Java ``ConnectSchema``).

    Most code should use :class:`SchemaBuilder` or the module constants. The constructor does not
    validate ``default_value`` (the builder does); it does check that struct fields are indexed by
    position with unique names. ARRAY/MAP schemas may lack element schemas only when made by
    ``Values`` for data whose element type is unknown (e.g. ``[null]``); :attr:`value_schema` then
    raises ``DataError``.
    """

    __slots__ = (
        "_default",
        "_doc",
        "_fields",
        "_fields_by_name",
        "_hash",
        "_key_schema",
        "_name",
        "_optional",
        "_parameters",
        "_type",
        "_value_schema",
        "_version",
    )

    def __init__(
        self,
        type: Type,
        optional: bool = False,
        default_value: Any = None,
        name: str | None = None,
        version: int | None = None,
        doc: str | None = None,
        parameters: Mapping[str, str] | None = None,
        fields: Iterable[Field] | None = None,
        key_schema: Schema | None = None,
        value_schema: Schema | None = None,
    ) -> None:
        if not isinstance(type, Type):
            raise DataError(f"Schema type must be a Type, got {type!r}")
        self._type = type
        self._optional = bool(optional)
        self._default = default_value
        self._name = name
        self._version = version
        self._doc = doc
        # An empty parameter map and no map mean the same thing; normalising keeps equality sane.
        self._parameters: Mapping[str, str] | None = (
            MappingProxyType(dict(parameters)) if parameters else None
        )
        field_list = tuple(fields) if fields is not None else ()
        if type is Type.STRUCT:
            by_name: dict[str, Field] = {}
            for position, field in enumerate(field_list):
                if field.index != position:
                    raise DataError(f"Field {field.name!r} has index {field.index}, expected {position}")
                if field.name in by_name:
                    raise DataError(f"Duplicate field name {field.name!r}")
                by_name[field.name] = field
            self._fields: tuple[Field, ...] | None = field_list
            self._fields_by_name: dict[str, Field] | None = by_name
        elif field_list:
            raise DataError(f"Only STRUCT schemas have fields, not {type.name}")
        else:
            self._fields = None
            self._fields_by_name = None
        self._key_schema = key_schema if type is Type.MAP else None
        self._value_schema = value_schema if type in (Type.MAP, Type.ARRAY) else None
        self._hash: int | None = None

    @property
    def type(self) -> Type:
        return self._type

    @property
    def optional(self) -> bool:
        return self._optional

    @property
    def default_value(self) -> Any:
        return self._default

    @property
    def name(self) -> str | None:
        return self._name

    @property
    def version(self) -> int | None:
        return self._version

    @property
    def doc(self) -> str | None:
        return self._doc

    @property
    def parameters(self) -> Mapping[str, str] | None:
        """Read-only parameters (e.g. a Decimal's ``scale``), or None when there are none."""
        return self._parameters

    @property
    def fields(self) -> tuple[Field, ...]:
        """The struct's fields in order; DataError for a non-STRUCT schema."""
        if self._fields is None:
            raise DataError(f"Cannot list fields on non-struct type {self._type.name}")
        return self._fields

    def field(self, name: str) -> Field | None:
        """The field called ``name`` or None; DataError for a non-STRUCT schema."""
        if self._fields_by_name is None:
            raise DataError(f"Cannot look up fields on non-struct type {self._type.name}")
        return self._fields_by_name.get(name)

    @property
    def key_schema(self) -> Schema:
        """A MAP's key schema; DataError for other types or when the key type is unknown."""
        if self._type is not Type.MAP:
            raise DataError(f"Cannot look up key schema on non-map type {self._type.name}")
        if self._key_schema is None:
            raise DataError("Map schema has no key schema (key type unknown)")
        return self._key_schema

    @property
    def value_schema(self) -> Schema:
        """An ARRAY's element or a MAP's value schema; DataError otherwise or when unknown."""
        if self._type is not Type.MAP and self._type is not Type.ARRAY:
            raise DataError(f"Cannot look up value schema on non-array and non-map type {self._type.name}")
        if self._value_schema is None:
            raise DataError(f"{self._type.name} schema has no value schema (element type unknown)")
        return self._value_schema

    @property
    def has_key_schema(self) -> bool:
        """Whether :attr:`key_schema` would return a schema."""
        return self._key_schema is not None

    @property
    def has_value_schema(self) -> bool:
        """Whether :attr:`value_schema` would return a schema."""
        return self._value_schema is not None

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Schema):
            return NotImplemented
        if self._hash is not None and other._hash is not None and self._hash != other._hash:
            return False
        return (
            self._type is other._type
            and self._optional == other._optional
            and self._version == other._version
            and self._name == other._name
            and self._doc == other._doc
            and self._default == other._default
            and self._fields == other._fields
            and self._key_schema == other._key_schema
            and self._value_schema == other._value_schema
            and self._parameters == other._parameters
        )

    def __hash__(self) -> int:
        if self._hash is None:
            params = frozenset(self._parameters.items()) if self._parameters else None
            self._hash = hash(
                (
                    self._type,
                    self._optional,
                    hash_value(self._default),
                    self._fields,
                    self._key_schema,
                    self._value_schema,
                    self._name,
                    self._version,
                    self._doc,
                    params,
                )
            )
        return self._hash

    def __repr__(self) -> str:
        if self._name is not None:
            return f"Schema{{{self._name}:{self._type.name}}}"
        return f"Schema{{{self._type.name}}}"


class SchemaAndValue(NamedTuple):
    """A value with its (possibly unknown) schema, as converters return."""

    schema: Schema | None
    value: Any


NULL_SCHEMA_AND_VALUE = SchemaAndValue(None, None)

INT8_SCHEMA = Schema(Type.INT8)
INT16_SCHEMA = Schema(Type.INT16)
INT32_SCHEMA = Schema(Type.INT32)
INT64_SCHEMA = Schema(Type.INT64)
FLOAT32_SCHEMA = Schema(Type.FLOAT32)
FLOAT64_SCHEMA = Schema(Type.FLOAT64)
BOOLEAN_SCHEMA = Schema(Type.BOOLEAN)
STRING_SCHEMA = Schema(Type.STRING)
BYTES_SCHEMA = Schema(Type.BYTES)
OPTIONAL_INT8_SCHEMA = Schema(Type.INT8, optional=True)
OPTIONAL_INT16_SCHEMA = Schema(Type.INT16, optional=True)
OPTIONAL_INT32_SCHEMA = Schema(Type.INT32, optional=True)
OPTIONAL_INT64_SCHEMA = Schema(Type.INT64, optional=True)
OPTIONAL_FLOAT32_SCHEMA = Schema(Type.FLOAT32, optional=True)
OPTIONAL_FLOAT64_SCHEMA = Schema(Type.FLOAT64, optional=True)
OPTIONAL_BOOLEAN_SCHEMA = Schema(Type.BOOLEAN, optional=True)
OPTIONAL_STRING_SCHEMA = Schema(Type.STRING, optional=True)
OPTIONAL_BYTES_SCHEMA = Schema(Type.BYTES, optional=True)
