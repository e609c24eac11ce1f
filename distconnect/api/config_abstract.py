"""Parsed settings with typed getters: a port of Kafka's ``AbstractConfig``.

Import :class:`AbstractConfig` from :mod:`distconnect.api.config`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from distconnect.api.config_parse import java_trim
from distconnect.api.config_types import ConfigType, Password, config_failure

if TYPE_CHECKING:
    from distconnect.api.config import ConfigDef

_T = TypeVar("_T")


class AbstractConfig:
    """A ConfigDef applied to one set of raw settings.

    Construction parses and validates every declared key (ConfigError names the first bad or
    missing one); keys the definition does not declare are kept in :meth:`originals` for
    prefixed sub-configs (``key.converter.*``, ``transforms.<alias>.*``). Subclasses add
    typed properties and may override :meth:`post_process_parsed_config`.

    After construction the parsed values are never changed; the getters only record which keys
    were read (:meth:`unused`), so an instance may be shared between tasks on one event loop.
    ``repr``/``str`` list the parsed values with passwords shown as ``[hidden]``.
    """

    def __init__(self, definition: ConfigDef, originals: Mapping[str, Any]) -> None:
        for key in originals:
            if not isinstance(key, str):
                raise config_failure(str(key), "Key must be a string.")
        self._definition = definition
        self._used: set[str] = set()
        self._originals: dict[str, Any] = dict(originals)
        self._values: dict[str, Any] = definition.parse(self._originals)
        updates = self.post_process_parsed_config(dict(self._values))
        if updates:
            self._values.update(updates)
            definition.parse(self._values)  # the updated values must still be valid

    def post_process_parsed_config(self, parsed: Mapping[str, Any]) -> Mapping[str, Any]:
        """Hook: return values to replace in the parsed config (e.g. derived defaults)."""
        return {}

    @property
    def definition(self) -> ConfigDef:
        return self._definition

    # -- getters -------------------------------------------------------------------------------

    def get(self, name: str) -> Any:
        if name not in self._values:
            raise config_failure(name, f"Unknown configuration '{name}'")
        self._used.add(name)
        return self._values[name]

    def _typed(self, name: str, expected: type[_T], label: str) -> _T | None:
        value = self.get(name)
        is_bool_as_int = expected is int and isinstance(value, bool)
        if value is None or (isinstance(value, expected) and not is_bool_as_int):
            return value
        raise config_failure(name, f"Configuration '{name}' is not of type {label}")

    def get_boolean(self, name: str) -> bool | None:
        return self._typed(name, bool, "BOOLEAN")

    def get_int(self, name: str) -> int | None:
        return self._typed(name, int, "INT")

    def get_short(self, name: str) -> int | None:
        return self._typed(name, int, "SHORT")

    def get_long(self, name: str) -> int | None:
        return self._typed(name, int, "LONG")

    def get_double(self, name: str) -> float | None:
        return self._typed(name, float, "DOUBLE")

    def get_string(self, name: str) -> str | None:
        value = self._typed(name, str, "STRING")
        return None if value is None else java_trim(value)

    def get_list(self, name: str) -> list[str] | None:
        value = self._typed(name, list, "LIST")
        return None if value is None else list(value)

    def get_password(self, name: str) -> Password | None:
        return self._typed(name, Password, "PASSWORD")

    def get_class(self, name: str) -> str | None:
        """The dotted class name; resolving it to a class is the plugin loader's job."""
        return self._typed(name, str, "CLASS")

    def type_of(self, name: str) -> ConfigType | None:
        key = self._definition.config_keys.get(name)
        return None if key is None else key.type

    def documentation_of(self, name: str) -> str | None:
        key = self._definition.config_keys.get(name)
        return None if key is None else key.documentation

    def ignore(self, name: str) -> None:
        self._used.add(name)

    def unused(self) -> set[str]:
        """Original keys never read through a getter (Kafka logs these as "not used yet")."""
        return set(self._originals) - self._used

    # -- views ---------------------------------------------------------------------------------

    def originals(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A copy of the raw settings, declared or not, with ``overrides`` applied."""
        return {**self._originals, **(overrides or {})}

    def originals_strings(self) -> dict[str, str]:
        for name, value in self._originals.items():
            if not isinstance(value, str):
                kind = type(value).__name__
                message = f"Non-string value found in original settings for key {name}: {kind}"
                raise config_failure(name, message)
        return dict(self._originals)

    def originals_with_prefix(self, prefix: str, strip: bool = True) -> dict[str, Any]:
        """Raw settings whose key starts with ``prefix``; with ``strip`` the prefix is removed and
        a key equal to the bare prefix is dropped (Kafka's ``entriesWithPrefix``)."""
        if not strip:
            return {k: v for k, v in self._originals.items() if k.startswith(prefix)}
        n = len(prefix)
        return {k[n:]: v for k, v in self._originals.items() if k.startswith(prefix) and len(k) > n}

    def values(self) -> dict[str, Any]:
        """A copy of the parsed values of every declared key."""
        return dict(self._values)

    def non_internal_values(self) -> dict[str, Any]:
        keys = self._definition.config_keys
        return {k: v for k, v in self._values.items() if k not in keys or not keys[k].internal}

    def values_with_prefix_override(self, prefix: str) -> dict[str, Any]:
        """Parsed values, overridden by ``<prefix><key>`` originals (parsed as ``<key>``, or
        as the key after a second prefix segment, as Kafka does for per-listener settings)."""
        result = dict(self._values)
        keys = self._definition.config_keys
        for name, raw in self._originals.items():
            if not name.startswith(prefix) or len(name) == len(prefix):
                continue
            stripped = name[len(prefix) :]
            key = keys.get(stripped) or keys.get(stripped[stripped.find(".") + 1 :])
            if key is not None:
                result[stripped] = self._definition.parse_value(key, raw, True)
        return result

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AbstractConfig) or type(other) is not type(self):
            return False
        return other._originals == self._originals

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._originals)))

    def __repr__(self) -> str:
        keys = self._definition.config_keys
        shown = []
        for name in sorted(self._values):
            value = self._values[name]
            key = keys.get(name)
            masked = key is not None and key.type is ConfigType.PASSWORD and value is not None
            shown.append(f"{name}={'[hidden]' if masked else repr(value)}")
        return f"{type(self).__name__}({', '.join(shown)})"

    __str__ = __repr__
