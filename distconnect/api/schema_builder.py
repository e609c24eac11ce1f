"""``SchemaBuilder``: the fluent way to make a :class:`~distconnect.api.schema.Schema`.

A builder is a short-lived, single-owner object (not thread-safe); the schema it builds is
immutable. Each setter returns the builder. As in Java, a property may be set again only to the
same value (``optional().required()`` is an error), and misuse raises ``SchemaBuilderError``.
The default value is validated against the finished schema in :meth:`SchemaBuilder.build`, so the
order of calls does not matter; ``default(None)`` means "no default".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from distconnect.api.errors import DataError, SchemaBuilderError
from distconnect.api.schema import Field, Schema, Type


class SchemaBuilder:
    """Fluent builder; start with a classmethod such as :meth:`int32` or :meth:`struct`."""

    __slots__ = (
        "_default",
        "_doc",
        "_fields",
        "_key_schema",
        "_name",
        "_optional",
        "_parameters",
        "_type",
        "_value_schema",
        "_version",
    )

    def __init__(self, schema_type: Type) -> None:
        if not isinstance(schema_type, Type):
            raise SchemaBuilderError(f"type must be a Type, got {schema_type!r}")
        self._type = schema_type
        self._optional: bool | None = None
        self._default: Any = None
        self._name: str | None = None
        self._version: int | None = None
        self._doc: str | None = None
        self._parameters: dict[str, str] | None = None
        self._fields: dict[str, Field] | None = {} if schema_type is Type.STRUCT else None
        self._key_schema: Schema | None = None
        self._value_schema: Schema | None = None

    # -- starting points -------------------------------------------------------------------------

    @classmethod
    def type(cls, schema_type: Type) -> SchemaBuilder:
        """A builder for any type (ARRAY/MAP still need element schemas: prefer array()/map())."""
        return cls(schema_type)

    @classmethod
    def int8(cls) -> SchemaBuilder:
        return cls(Type.INT8)

    @classmethod
    def int16(cls) -> SchemaBuilder:
        return cls(Type.INT16)

    @classmethod
    def int32(cls) -> SchemaBuilder:
        return cls(Type.INT32)

    @classmethod
    def int64(cls) -> SchemaBuilder:
        return cls(Type.INT64)

    @classmethod
    def float32(cls) -> SchemaBuilder:
        return cls(Type.FLOAT32)

    @classmethod
    def float64(cls) -> SchemaBuilder:
        return cls(Type.FLOAT64)

    @classmethod
    def boolean(cls) -> SchemaBuilder:
        return cls(Type.BOOLEAN)

    @classmethod
    def string(cls) -> SchemaBuilder:
        return cls(Type.STRING)

    @classmethod
    def bytes_(cls) -> SchemaBuilder:
        return cls(Type.BYTES)

    @classmethod
    def struct(cls) -> SchemaBuilder:
        return cls(Type.STRUCT)

    @classmethod
    def array(cls, value_schema: Schema) -> SchemaBuilder:
        """An ARRAY builder whose elements follow ``value_schema``."""
        if not isinstance(value_schema, Schema):
            raise SchemaBuilderError(f"valueSchema must be a Schema, got {value_schema!r}")
        builder = cls(Type.ARRAY)
        builder._value_schema = value_schema
        return builder

    @classmethod
    def map(cls, key_schema: Schema, value_schema: Schema) -> SchemaBuilder:
        """A MAP builder from ``key_schema`` keys to ``value_schema`` values."""
        if not isinstance(key_schema, Schema):
            raise SchemaBuilderError(f"keySchema must be a Schema, got {key_schema!r}")
        if not isinstance(value_schema, Schema):
            raise SchemaBuilderError(f"valueSchema must be a Schema, got {value_schema!r}")
        builder = cls(Type.MAP)
        builder._key_schema = key_schema
        builder._value_schema = value_schema
        return builder

    # -- properties ------------------------------------------------------------------------------

    def optional(self) -> SchemaBuilder:
        self._optional = _check_can_set("optional", self._optional, True)
        return self

    def required(self) -> SchemaBuilder:
        self._optional = _check_can_set("optional", self._optional, False)
        return self

    def default(self, value: Any) -> SchemaBuilder:
        """Set the default value (checked against the schema when built)."""
        self._default = _check_can_set("default", self._default, value)
        return self

    def name(self, name: str) -> SchemaBuilder:
        if not isinstance(name, str):
            raise SchemaBuilderError(f"name must be a str, got {name!r}")
        self._name = _check_can_set("name", self._name, name)
        return self

    def version(self, version: int) -> SchemaBuilder:
        if not isinstance(version, int) or isinstance(version, bool):
            raise SchemaBuilderError(f"version must be an int, got {version!r}")
        self._version = _check_can_set("version", self._version, version)
        return self

    def doc(self, doc: str) -> SchemaBuilder:
        if not isinstance(doc, str):
            raise SchemaBuilderError(f"doc must be a str, got {doc!r}")
        self._doc = _check_can_set("doc", self._doc, doc)
        return self

    def parameter(self, key: str, value: str) -> SchemaBuilder:
        """Add one string parameter (later values for the same key win, as in Java)."""
        if not isinstance(key, str) or not isinstance(value, str):
            raise SchemaBuilderError(f"parameters must map str to str, got {key!r}: {value!r}")
        if self._parameters is None:
            self._parameters = {}
        self._parameters[key] = value
        return self

    def parameters(self, params: Mapping[str, str]) -> SchemaBuilder:
        """Add every entry of ``params`` (an empty mapping leaves the schema without parameters)."""
        for key, value in params.items():
            self.parameter(key, value)
        return self

    def field(self, name: str, schema: Schema) -> SchemaBuilder:
        """Append a field to a STRUCT builder; names must be non-empty and unique."""
        if self._fields is None:
            raise SchemaBuilderError(f"Cannot create fields on type {self._type.name}")
        if not isinstance(name, str) or not name:
            raise SchemaBuilderError("fieldName cannot be null or empty.")
        if not isinstance(schema, Schema):
            raise SchemaBuilderError(f"fieldSchema for field {name} must be a Schema, got {schema!r}")
        if name in self._fields:
            raise SchemaBuilderError(f"Cannot create field because of field name duplication {name}")
        self._fields[name] = Field(name, len(self._fields), schema)
        return self

    # -- result ----------------------------------------------------------------------------------

    def build(self) -> Schema:
        """The immutable schema; SchemaBuilderError if the default does not fit it."""
        schema = Schema(
            self._type,
            optional=bool(self._optional),
            default_value=self._default,
            name=self._name,
            version=self._version,
            doc=self._doc,
            parameters=self._parameters,
            fields=None if self._fields is None else self._fields.values(),
            key_schema=self._key_schema,
            value_schema=self._value_schema,
        )
        if self._default is not None:
            # Imported here: struct validation depends on schemas, so a top-level import would cycle.
            from distconnect.api.struct import validate_value

            try:
                validate_value(schema, self._default)
            except DataError as e:
                raise SchemaBuilderError(f"Invalid default value for {schema!r}: {e}") from e
        return schema

    def __repr__(self) -> str:
        return f"SchemaBuilder({self._type.name}, name={self._name!r})"


def _check_can_set(prop: str, current: Any, new: Any) -> Any:
    if current is not None and current != new:
        raise SchemaBuilderError(f"Invalid SchemaBuilder call: {prop} has already been set.")
    return new
