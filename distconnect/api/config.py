"""Declared, validated and documented configuration: a Python port of Apache Kafka's
``ConfigDef`` / ``AbstractConfig`` (``org.apache.kafka.common.config``).

A plugin declares its keys once in a :class:`ConfigDef`; the same declaration parses settings
(:meth:`ConfigDef.parse`, :class:`AbstractConfig`), reports per-key problems for the REST
``/connector-plugins/{plugin}/config/validate`` endpoint (:meth:`ConfigDef.validate`, rendered
by :func:`distconnect.api.config_rest.validation_response`) and generates docs
(:meth:`ConfigDef.to_rst`, :meth:`ConfigDef.to_html`, :meth:`ConfigDef.to_markdown`).

Lifecycle and concurrency: build a ConfigDef once (usually at import time, as a module
constant) and then only read it; reads never mutate it, so one instance may be shared by every
task and request. ``define``/``merge``/``embed`` are not safe to run concurrently with reads.
Everything is synchronous and does no I/O.

All public names of the config package are importable from this module.
"""

from __future__ import annotations

from collections.abc import Callable, KeysView, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from distconnect.api import config_docs
from distconnect.api.config_abstract import AbstractConfig
from distconnect.api.config_key import ConfigKey, embedded_key
from distconnect.api.config_parse import convert_to_string, parse_type
from distconnect.api.config_types import (
    HIDDEN,
    NO_DEFAULT,
    ConfigType,
    ConfigValue,
    Importance,
    Password,
    Width,
    config_failure,
    invalid_value,
    missing_required,
)
from distconnect.api.config_validate import undefined_dependents, validate_all
from distconnect.api.config_validators import (
    CaseInsensitiveValidString,
    CompositeValidator,
    LambdaValidator,
    ListSize,
    NonEmptyString,
    NonEmptyStringWithoutControlChars,
    NonNullValidator,
    Range,
    Recommender,
    Validator,
    ValidatorFn,
    ValidList,
    ValidString,
    describe_validator,
)
from distconnect.api.errors import ConfigError


class ConfigDef:
    """An ordered set of declared keys plus the order of their groups."""

    def __init__(self, base: ConfigDef | None = None) -> None:
        self._keys: dict[str, ConfigKey] = dict(base._keys) if base else {}
        self._groups: list[str] = list(base._groups) if base else []

    # -- declaration ---------------------------------------------------------------------------

    def define(
        self,
        name: str,
        type: ConfigType,
        default: Any = NO_DEFAULT,
        validator: ValidatorFn | None = None,
        importance: Importance = Importance.MEDIUM,
        documentation: str = "",
        *,
        group: str | None = None,
        order_in_group: int = -1,
        width: Width = Width.NONE,
        display_name: str | None = None,
        dependents: Sequence[str] = (),
        recommender: Recommender | None = None,
        internal: bool = False,
        alternative_string: str | None = None,
    ) -> ConfigDef:
        """Declare a key; returns ``self`` for chaining. ConfigError if ``name`` is already
        defined, or if the default does not parse or fails the validator."""
        key = ConfigKey(
            name,
            type,
            default,
            validator,
            importance,
            documentation,
            group,
            order_in_group,
            width,
            display_name,
            tuple(dependents),
            recommender,
            internal,
            alternative_string,
        )
        return self.define_key(key)

    def define_key(self, key: ConfigKey) -> ConfigDef:
        if key.name in self._keys:
            raise config_failure(key.name, f"Configuration {key.name} is defined twice.")
        if key.group is not None and key.group not in self._groups:
            self._groups.append(key.group)
        self._keys[key.name] = key
        return self

    def merge(self, other: ConfigDef) -> ConfigDef:
        """A new ConfigDef with this one's keys, then ``other``'s. A key defined in both takes
        ``other``'s declaration but keeps its first position (how Connect lets a plugin's own
        definition win over the framework's). Groups are combined in first-seen order."""
        merged = ConfigDef(self)
        merged._keys.update(other._keys)
        merged._groups += [g for g in other._groups if g not in merged._groups]
        return merged

    def embed(self, key_prefix: str, group_prefix: str, starting_order: int, child: ConfigDef) -> None:
        """Define every key of ``child`` under ``key_prefix`` (as Connect does for each
        transform alias), in ``child``'s doc order, grouped under ``group_prefix``.
        Validators and recommenders still see the unprefixed names."""
        for order, key in enumerate(child.sorted_configs(), start=starting_order):
            self.define_key(embedded_key(key, key_prefix, group_prefix, order))

    # -- inspection ----------------------------------------------------------------------------

    @property
    def config_keys(self) -> Mapping[str, ConfigKey]:
        return MappingProxyType(self._keys)

    @property
    def groups(self) -> list[str]:
        return list(self._groups)

    def names(self) -> KeysView[str]:
        return self._keys.keys()

    def default_values(self) -> dict[str, Any]:
        return {k.name: k.default for k in self._keys.values() if k.has_default}

    def sorted_configs(self) -> list[ConfigKey]:
        """The keys in documentation order (see :mod:`distconnect.api.config_docs`)."""
        return config_docs.sorted_configs(self._keys.values(), self._groups)

    def __contains__(self, name: object) -> bool:
        return name in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"ConfigDef({list(self._keys)!r})"

    # -- parsing -------------------------------------------------------------------------------

    parse_type = staticmethod(parse_type)
    convert_to_string = staticmethod(convert_to_string)

    def parse(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Parse and validate every declared key; undeclared keys in ``props`` are ignored.
        Raises ConfigError for the first bad or missing key, naming it."""
        undefined = undefined_dependents(self._keys)
        if undefined:
            raise config_failure(
                undefined[0],
                "Some configurations in are referred in the dependents, but not defined: "
                + ",".join(undefined),
            )
        keys = self._keys.values()
        return {key.name: self.parse_value(key, props.get(key.name), key.name in props) for key in keys}

    def parse_value(self, key: ConfigKey, value: Any, is_set: bool) -> Any:
        if is_set:
            parsed = parse_type(key.name, value, key.type)
        elif not key.has_default:
            raise missing_required(key.name)
        else:
            parsed = key.default
        if key.validator is not None:
            key.validator(key.name, parsed)
        return parsed

    # -- validation ----------------------------------------------------------------------------

    def validate(self, props: Mapping[str, Any]) -> list[ConfigValue]:
        """Per-key results for every declared key (declaration order), see :meth:`validate_all`."""
        return list(self.validate_all(props).values())

    def validate_all(self, props: Mapping[str, Any]) -> dict[str, ConfigValue]:
        """Kafka's ``validateAll``: never raises for bad input, collects it instead.

        Each key is parsed (parse errors, a missing required key and validator failures all go
        into that key's ``errors``; the validator runs even when parsing failed, on ``None``),
        then recommenders set ``recommended_values`` and ``visible`` from the parsed values.
        Keys are visited from the ones that are nobody's dependent, depth-first through
        ``dependents``, so a key with two parents is checked twice and its errors appear twice
        (Kafka's behaviour); a dependent named but not defined gets an error entry of its own.
        Keys in ``props`` that are not declared are ignored.
        """
        return validate_all(self._keys, props)

    # -- documentation -------------------------------------------------------------------------

    def to_rst(self) -> str:
        return config_docs.to_rst(self._keys.values(), self._groups)

    def to_enriched_rst(self) -> str:
        return config_docs.to_enriched_rst(self._keys.values(), self._groups)

    def to_html(self) -> str:
        """Kafka's HTML table (``toHtmlTable``)."""
        return config_docs.to_html_table(self._keys.values(), self._groups)

    def to_html_list(self, header_depth: int = 4, id_generator: Callable[[str], str] = lambda n: n) -> str:
        """Kafka's newer per-key HTML list (``toHtml``)."""
        return config_docs.to_html_list(self._keys.values(), self._groups, header_depth, id_generator)

    def to_markdown(self, heading_level: int = 3) -> str:
        return config_docs.to_markdown(self._keys.values(), self._groups, heading_level)


__all__ = [
    "HIDDEN",
    "NO_DEFAULT",
    "AbstractConfig",
    "CaseInsensitiveValidString",
    "CompositeValidator",
    "ConfigDef",
    "ConfigError",
    "ConfigKey",
    "ConfigType",
    "ConfigValue",
    "Importance",
    "LambdaValidator",
    "ListSize",
    "NonEmptyString",
    "NonEmptyStringWithoutControlChars",
    "NonNullValidator",
    "Password",
    "Range",
    "Recommender",
    "ValidList",
    "ValidString",
    "Validator",
    "ValidatorFn",
    "Width",
    "convert_to_string",
    "describe_validator",
    "invalid_value",
    "parse_type",
]
