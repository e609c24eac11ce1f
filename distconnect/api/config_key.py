"""One key's declaration in a :class:`~distconnect.api.config.ConfigDef`.

Import it from :mod:`distconnect.api.config`. Immutable once built, so safe to share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from distconnect.api.config_parse import parse_type
from distconnect.api.config_types import NO_DEFAULT, ConfigType, Importance, Width
from distconnect.api.config_validators import LambdaValidator, Recommender, ValidatorFn, describe_validator


@dataclass(frozen=True, eq=False)
class ConfigKey:
    """A declared key. ``default`` is stored parsed (``"5"`` for an INT becomes ``5``) and, when
    present, must pass the validator: a bad declaration fails at definition time with ConfigError,
    as in Kafka. ``default is NO_DEFAULT`` marks a required key."""

    name: str
    type: ConfigType
    default: Any = NO_DEFAULT
    validator: ValidatorFn | None = None
    importance: Importance = Importance.MEDIUM
    documentation: str = ""
    group: str | None = None
    order_in_group: int = -1
    width: Width = Width.NONE
    display_name: str | None = None
    dependents: tuple[str, ...] = field(default=())
    recommender: Recommender | None = None
    internal: bool = False
    #: Shown instead of the default in HTML docs (e.g. "the broker's hostname").
    alternative_string: str | None = None

    def __post_init__(self) -> None:
        # frozen: normalise through object.__setattr__ once, before anyone can see the key
        object.__setattr__(self, "dependents", tuple(self.dependents))
        if self.display_name is None:
            object.__setattr__(self, "display_name", self.name)
        if self.has_default:
            parsed = parse_type(self.name, self.default, self.type)
            object.__setattr__(self, "default", parsed)
            if self.validator is not None:
                self.validator(self.name, parsed)

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT


def embedded_key(key: ConfigKey, key_prefix: str, group_prefix: str, order: int) -> ConfigKey:
    """``key`` re-declared as ``key_prefix + name`` under group ``group_prefix[: group]`` (Kafka's
    ``ConfigDef.embed``). Its validator and recommender still see the unprefixed names."""
    validator = key.validator
    return ConfigKey(
        key_prefix + key.name,
        key.type,
        key.default,
        None if validator is None else _unprefixed_validator(key_prefix, validator),
        key.importance,
        key.documentation,
        group_prefix + ("" if key.group is None else ": " + key.group),
        order,
        key.width,
        key.display_name,
        tuple(key_prefix + d for d in key.dependents),
        None if key.recommender is None else _PrefixedRecommender(key_prefix, key.recommender),
        key.internal,
        key.alternative_string,
    )


def _unprefixed_validator(prefix: str, base: ValidatorFn) -> LambdaValidator:
    def ensure(name: str, value: Any) -> None:
        base(name[len(prefix) :], value)

    return LambdaValidator.with_(ensure, lambda: describe_validator(base))


class _PrefixedRecommender:
    """Presents an embedded key's recommender with the names it was written for."""

    def __init__(self, prefix: str, base: Recommender) -> None:
        self._prefix = prefix
        self._base = base

    def _strip(self, parsed: Mapping[str, Any]) -> dict[str, Any]:
        n = len(self._prefix)
        return {k[n:]: v for k, v in parsed.items() if k.startswith(self._prefix)}

    def valid_values(self, name: str, parsed: Mapping[str, Any]) -> list[Any]:
        return self._base.valid_values(name[len(self._prefix) :], self._strip(parsed))

    def visible(self, name: str, parsed: Mapping[str, Any]) -> bool:
        return self._base.visible(name[len(self._prefix) :], self._strip(parsed))
