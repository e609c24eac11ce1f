"""``ConfigDef.validate_all``: Kafka's ``validateAll`` algorithm over a set of declared keys.

Pure and synchronous; it reads the keys and ``props`` and builds fresh results, so concurrent
calls on one ConfigDef are safe. Use it through :meth:`distconnect.api.config.ConfigDef.validate`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from distconnect.api.config_key import ConfigKey
from distconnect.api.config_parse import parse_type
from distconnect.api.config_types import ConfigValue, missing_required
from distconnect.api.errors import ConfigError


def undefined_dependents(keys: Mapping[str, ConfigKey]) -> list[str]:
    """Names listed as dependents but never declared, sorted."""
    return sorted({d for key in keys.values() for d in key.dependents if d not in keys})


def validate_all(keys: Mapping[str, ConfigKey], props: Mapping[str, Any]) -> dict[str, ConfigValue]:
    """One result per declared key (declaration order), plus one per undefined dependent."""
    results = {name: ConfigValue(name) for name in keys}
    for name in undefined_dependents(keys):
        results[name] = ConfigValue(
            name, errors=[f"{name} is referred in the dependents, but not defined."], visible=False
        )
    parsed: dict[str, Any] = {}
    children = {d for key in keys.values() for d in key.dependents}
    roots = [name for name in keys if name not in children]
    _walk(keys, roots, lambda key: _parse_one(key, props, parsed, results[key.name]))
    _walk(keys, roots, lambda key: _recommend(key, parsed, results[key.name]))
    return results


def _walk(keys: Mapping[str, ConfigKey], roots: Sequence[str], visit: Callable[[ConfigKey], None]) -> None:
    # Depth-first from the roots through ``dependents``, as Kafka recurses. A key reached from
    # two parents is visited twice, as in Kafka (its errors then appear twice, which Kafka's own
    # tests expect); a dependency cycle is cut instead of recursing forever.
    def visit_tree(name: str, path: frozenset[str]) -> None:
        key = keys.get(name)
        if key is None or name in path:
            return
        visit(key)
        for dependent in key.dependents:
            visit_tree(dependent, path | {name})

    for root in roots:
        visit_tree(root, frozenset())


def _parse_one(key: ConfigKey, props: Mapping[str, Any], parsed: dict[str, Any], result: ConfigValue) -> None:
    value = None
    if key.name in props:
        try:
            value = parse_type(key.name, props[key.name], key.type)
        except ConfigError as e:
            result.add_error(str(e))
    elif not key.has_default:
        result.add_error(str(missing_required(key.name)))
    else:
        value = key.default
    if key.validator is not None:
        # Kafka runs the validator even after a parse failure (on null); so do we.
        try:
            key.validator(key.name, value)
        except ConfigError as e:
            result.add_error(str(e))
    result.value = value
    parsed[key.name] = value


def _recommend(key: ConfigKey, parsed: Mapping[str, Any], result: ConfigValue) -> None:
    if key.recommender is None:
        return
    try:
        recommended = list(key.recommender.valid_values(key.name, parsed))
        if result.recommended_values:
            recommended = [v for v in recommended if v in result.recommended_values]
        result.recommended_values = recommended
        result.visible = bool(key.recommender.visible(key.name, parsed))
    except ConfigError as e:
        result.add_error(str(e))
