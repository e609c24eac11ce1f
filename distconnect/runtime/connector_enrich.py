"""Transformations and predicates of a connector config: the "enriched" ConfigDef (Java's
``ConnectorConfig.enrich``) and the configured chain of :class:`TransformationStage`.

For each alias in ``transforms`` the enriched definition declares ``transforms.<alias>.type``
(a CLASS checked against the plugin registry), the implicit ``transforms.<alias>.predicate`` and
``transforms.<alias>.negate``, and the transformation's own ``config()`` keys under
``transforms.<alias>.``; likewise ``predicates.<alias>.type`` and the predicate's keys for each
alias in ``predicates``. Validation then reports problems against the full prefixed key names.

Pure and synchronous apart from instantiating plugins to read their ``config()``, which by
contract does no I/O. A stage chain is owned by one task and used from its event loop only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from distconnect.api.config import NO_DEFAULT, ConfigDef, ConfigType, Importance, LambdaValidator, Width
from distconnect.api.config_parse import parse_type
from distconnect.api.config_types import config_failure, invalid_value
from distconnect.api.errors import ConfigError, ConnectError
from distconnect.api.plugins import Predicate, Transformation
from distconnect.api.records import ConnectRecord
from distconnect.runtime.connector_config_defs import (
    PREDICATES_CONFIG,
    PREDICATES_GROUP,
    TRANSFORMS_CONFIG,
    TRANSFORMS_GROUP,
    embed_with_full_names,
)
from distconnect.runtime.plugin_kinds import PluginDesc, python_path

if TYPE_CHECKING:
    from distconnect.runtime.plugins import PluginRegistry

log = logging.getLogger(__name__)

PREDICATE_CONFIG: Final = "predicate"
NEGATE_CONFIG: Final = "negate"


@dataclass(frozen=True)
class TransformationStage:
    """One configured transformation, applied only when its predicate (if any) says so.

    ``apply`` runs the transformation when there is no predicate or when
    ``predicate.test(record) != negate``; otherwise the record passes unchanged. ``None`` from
    the transformation drops the record. :meth:`close` closes both plugins.
    """

    alias: str
    transformation: Transformation[Any]
    predicate: Predicate[Any] | None = None
    negate: bool = False

    @property
    def executing_class(self) -> str:
        """The transformation's class, for error reports (``__connect.errors.class.name``)."""
        return python_path(type(self.transformation))

    def apply(self, record: ConnectRecord) -> ConnectRecord | None:
        if self.predicate is None or self.predicate.test(record) != self.negate:
            result: ConnectRecord | None = self.transformation.apply(record)
            return result
        return record

    def close(self) -> None:
        for part in (self.transformation, self.predicate):
            if part is None:
                continue
            try:
                part.close()
            except Exception:  # closing must reach the other part; the failure is only logged
                log.warning("Failed to close %r of transform %s", part, self.alias, exc_info=True)


def _aliases(props: Mapping[str, Any], key: str) -> list[str]:
    try:
        parsed = parse_type(key, props.get(key), ConfigType.LIST)
    except ConfigError:
        return []  # the alias list's own validation reports it
    return list(dict.fromkeys(parsed or []))


class _ClassRecommender:
    def __init__(self, plugins: Callable[[], list[PluginDesc]]) -> None:
        self._plugins = plugins

    def valid_values(self, name: str, parsed: Mapping[str, Any]) -> list[Any]:
        return [desc.class_name for desc in self._plugins()]

    def visible(self, name: str, parsed: Mapping[str, Any]) -> bool:
        return True


def _plugin_config(kind: str, new: Callable[[str], Any], key: str, value: Any) -> ConfigDef:
    if value is None:
        raise invalid_value(key, None, f"Not a {kind}")
    try:
        plugin = new(value)
    except ConnectError as e:
        raise invalid_value(key, value, str(e)) from e
    try:
        definition = plugin.config()
    except Exception as e:
        raise invalid_value(key, value, f"Error getting config definition from {kind}: {e}") from e
    if not isinstance(definition, ConfigDef):
        raise ConnectError(f"{python_path(type(plugin))}.config() must return a ConfigDef that is not null.")
    return definition


@dataclass(frozen=True)
class _Enrichable:
    """What differs between the transforms and the predicates of a config."""

    aliases_config: str  # "transforms" / "predicates"
    group: str
    kind: str  # "Transformation" / "Predicate", for messages
    new: Callable[[str], Any]
    plugins: Callable[[], list[PluginDesc]]


def enrich(
    registry: PluginRegistry, base: ConfigDef, props: Mapping[str, Any], require_full: bool
) -> ConfigDef:
    """A copy of ``base`` with the keys of every transform and predicate alias in ``props``.

    With ``require_full`` (building a config to run) a missing or unusable ``.type`` raises
    ConfigError; without it (validation) that alias gets only its ``.type`` key, whose
    validator reports the problem.
    """
    d = ConfigDef(base)
    transforms = _Enrichable(
        TRANSFORMS_CONFIG,
        TRANSFORMS_GROUP,
        "Transformation",
        registry.new_transformation,
        registry.transformations,
    )
    predicates = _Enrichable(
        PREDICATES_CONFIG, PREDICATES_GROUP, "Predicate", registry.new_predicate, registry.predicates
    )
    predicate_aliases = _aliases(props, PREDICATES_CONFIG)
    for alias in _aliases(props, TRANSFORMS_CONFIG):
        prefix = f"{TRANSFORMS_CONFIG}.{alias}."

        def check_negate(prefix: str = prefix) -> None:
            negate, predicate = prefix + NEGATE_CONFIG, prefix + PREDICATE_CONFIG
            if negate in props and predicate not in props:
                raise config_failure(
                    prefix + "type",
                    f"Config '{negate}' was provided but there is no config '{predicate}' "
                    "defining a predicate to be negated.",
                )

        implicit = _implicit_transform_keys(predicate_aliases)
        _enrich_alias(d, props, transforms, alias, implicit, check_negate, require_full)
    for alias in predicate_aliases:
        _enrich_alias(d, props, predicates, alias, ConfigDef(), None, require_full)
    return d


def _implicit_transform_keys(predicate_aliases: list[str]) -> ConfigDef:
    def known_predicate(name: str, value: Any) -> None:
        if value is not None and value not in predicate_aliases:
            message = f"the predicate alias '{value}' is not listed in '{PREDICATES_CONFIG}'"
            raise invalid_value(name, value, message)

    known = LambdaValidator.with_(known_predicate, "an alias listed in predicates")
    return (
        ConfigDef()
        .define(
            PREDICATE_CONFIG,
            ConfigType.STRING,
            None,
            known,
            Importance.MEDIUM,
            "Alias of the predicate that decides whether this transformation applies to a record.",
        )
        .define(
            NEGATE_CONFIG,
            ConfigType.BOOLEAN,
            False,
            None,
            Importance.MEDIUM,
            "Whether to apply the transformation when the predicate does not match instead.",
        )
    )


def _enrich_alias(
    d: ConfigDef,
    props: Mapping[str, Any],
    spec: _Enrichable,
    alias: str,
    implicit: ConfigDef,
    extra_check: Callable[[], None] | None,
    require_full: bool,
) -> None:
    prefix = f"{spec.aliases_config}.{alias}."
    group = f"{spec.group}: {alias}"
    type_key = prefix + "type"
    kind = spec.kind.lower()

    def ensure_type(name: str, value: Any) -> None:
        if extra_check is not None:
            extra_check()
        if value is not None:  # unset is reported as missing already
            _plugin_config(spec.kind, spec.new, type_key, value)

    d.define(
        type_key,
        ConfigType.CLASS,
        NO_DEFAULT,
        LambdaValidator.with_(ensure_type, f"valid configs for {alias} {kind}"),
        Importance.HIGH,
        f"Class for the '{alias}' {kind}.",
        group=group,
        order_in_group=0,
        width=Width.LONG,
        display_name=f"{spec.kind} type for {alias}",
        recommender=_ClassRecommender(spec.plugins),
    )
    try:
        own = _plugin_config(spec.kind, spec.new, type_key, props.get(type_key))
    except ConfigError:
        if require_full:
            raise
        return
    child = ConfigDef(implicit)
    for key in own.config_keys.values():
        if key.name in implicit or key.name == "type":
            log.warning(
                "%s config %s of %s is masked by the implicit config of that name", kind, key.name, alias
            )
            continue
        child.define_key(key)
    embed_with_full_names(d, prefix, group, 1, child)


__all__ = ["NEGATE_CONFIG", "PREDICATE_CONFIG", "TransformationStage", "enrich"]
