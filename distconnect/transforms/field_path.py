"""Field paths for transforms that accept nested fields (KIP-821's ``field.syntax.version``).

``V1`` treats the configured text as one top-level field name (the behaviour before KIP-821).
``V2`` splits it on dots into steps; a step wrapped in backticks may itself contain dots, and a
backslash before a backtick that is followed by a dot keeps that backtick literally. A trailing
dot yields a final empty step, as in Apache Kafka.

Paths are immutable and stateless, so one instance may be shared freely.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from distconnect.api.config import CaseInsensitiveValidString, ConfigDef, ConfigType, Importance
from distconnect.api.data import Field, Schema
from distconnect.api.errors import ConfigError
from distconnect.api.struct import Struct
from distconnect.transforms.util import require_map_or_none, require_struct_or_none, struct_get

FIELD_SYNTAX_VERSION_CONFIG = "field.syntax.version"
FIELD_SYNTAX_VERSION_DOC = (
    "Defines the version of the syntax to access fields. If set to `V1`, then the field paths are "
    "limited to access the elements at the root level of the struct or map. If set to `V2`, the "
    "syntax will support accessing nested elements. To access nested elements, dotted notation is "
    "used. If dots are already included in the field name, then backtick pairs can be used to wrap "
    'field names containing dots. E.g. to access the subfield `baz` from a field named "foo.bar" '
    'in a struct/map the following format can be used to access its elements: "`foo.bar`.baz".'
)

_BACKTICK = "`"
_DOT = "."
_BACKSLASH = "\\"
_NESTED = "nested field access"


class FieldSyntaxVersion(enum.Enum):
    """How a configured field path is read."""

    V1 = "V1"  # top-level fields only (backward compatible)
    V2 = "V2"  # dotted nested paths with backtick quoting

    @classmethod
    def append_config_to(cls, definition: ConfigDef) -> ConfigDef:
        """Add the ``field.syntax.version`` key to ``definition`` and return it."""
        return definition.define(
            FIELD_SYNTAX_VERSION_CONFIG,
            ConfigType.STRING,
            cls.V1.value,
            CaseInsensitiveValidString.in_(*(v.value for v in cls)),
            Importance.HIGH,
            FIELD_SYNTAX_VERSION_DOC,
        )

    @classmethod
    def from_config(cls, parsed: Mapping[str, Any]) -> FieldSyntaxVersion:
        """Read the version from parsed config values; ConfigError if unrecognised."""
        text = parsed.get(FIELD_SYNTAX_VERSION_CONFIG)
        try:
            return cls(str(text).upper())
        except ValueError:
            raise ConfigError(
                FIELD_SYNTAX_VERSION_CONFIG, text, "Unrecognized field syntax version"
            ) from None


class SingleFieldPath:
    """One or more steps leading to a value inside a Struct or a schemaless map."""

    __slots__ = ("_steps", "_version")

    def __init__(self, path: str, version: FieldSyntaxVersion) -> None:
        self._version = version
        self._steps: tuple[str, ...] = (path,) if version is FieldSyntaxVersion.V1 else _parse_v2(path)

    @property
    def steps(self) -> tuple[str, ...]:
        """The parsed steps; empty only for an empty V2 path, which matches nothing."""
        return self._steps

    def field_from(self, schema: Schema | None) -> Field | None:
        """The field at this path in a struct schema, or None if any step is missing."""
        if schema is None or not self._steps:
            return None
        current = schema
        for step in self._steps[:-1]:
            found = current.field(step)
            if found is None:
                return None
            current = found.schema
        return current.field(self._steps[-1])

    def value_from_struct(self, struct: Struct | None, with_default: bool = True) -> Any:
        """The value at this path, or None if the path leaves the struct or crosses a null."""
        if struct is None or not self._steps:
            return None
        current: Struct | None = struct
        for step in self._steps[:-1]:
            assert current is not None
            if current.schema.field(step) is None:
                return None
            current = require_struct_or_none(current.get(step), _NESTED)
            if current is None:
                return None
        assert current is not None
        last = self._steps[-1]
        if current.schema.field(last) is None:
            return None
        return struct_get(current, last, with_default)

    def value_from_map(self, value: Mapping[str, Any] | None) -> Any:
        """The value at this path in a schemaless map, or None if absent."""
        if value is None or not self._steps:
            return None
        current: Mapping[str, Any] | None = value
        for step in self._steps[:-1]:
            assert current is not None
            current = require_map_or_none(current.get(step), _NESTED)
            if current is None:
                return None
        assert current is not None
        return current.get(self._steps[-1])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SingleFieldPath) and other._steps == self._steps

    def __hash__(self) -> int:
        return hash(self._steps)

    def __repr__(self) -> str:
        return f"SingleFieldPath(version={self._version.value}, path={'.'.join(self._steps)})"


def _incomplete_backtick(path: str, at: int) -> ConfigError:
    return ConfigError(
        "field",
        path,
        f"Incomplete backtick pair in path: [{path}], consider adding a backslash before backtick "
        f"at position {at} to escape it",
    )


def _parse_v2(path: str) -> tuple[str, ...]:
    steps: list[str] = []
    idx = 0
    length = len(path)
    while 0 <= idx < length:
        if path[idx] != _BACKTICK:
            dot = path.find(_DOT, idx)
            if dot >= 0:
                steps.append(path[idx:dot])
                idx = dot + 1
            else:
                steps.append(path[idx:])
                idx = length
            continue
        opened_at = idx
        idx += 1
        start = idx
        parts: list[str] = []
        while True:
            idx = path.find(_BACKTICK, idx)
            if idx == -1:
                raise _incomplete_backtick(path, opened_at)
            escaped = path[idx - 1] == _BACKSLASH
            if idx >= length - 1:
                # closing backtick is the last character of the path
                if escaped:
                    raise _incomplete_backtick(path, opened_at)
                parts.append(path[start:idx])
                steps.append("".join(parts))
                idx += 1
                break
            if path[idx + 1] != _DOT:
                # a backtick inside the name; keep scanning for one followed by a dot
                idx += 1
                continue
            if escaped:
                parts.append(path[start : idx - 1])
                parts.append(_BACKTICK)
                idx += 1
                start = idx
                continue
            parts.append(path[start:idx])
            steps.append("".join(parts))
            idx += 2
            break
    if path.endswith(_DOT):
        steps.append("")
    return tuple(steps)


__all__ = [
    "FIELD_SYNTAX_VERSION_CONFIG",
    "FIELD_SYNTAX_VERSION_DOC",
    "FieldSyntaxVersion",
    "SingleFieldPath",
]
