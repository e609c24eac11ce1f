"""JSON bodies of Kafka Connect's config REST entities, built from ConfigDef declarations and
validation results: ``ConfigInfos`` (``PUT /connector-plugins/{plugin}/config/validate``),
``ConfigKeyInfo`` (``GET /connector-plugins/{plugin}/config``) and ``ConfigValueInfo``.

Pure functions returning plain dicts whose key order is the order Kafka's JSON has; serialise
them as they are. A PASSWORD key's value, default and recommended values always render as
``[hidden]``. The ports follow ``AbstractHerder.generateResult`` / ``prefixedConfigInfos`` /
``convertConfigKey`` / ``convertConfigValue``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from distconnect.api.config import ConfigDef, ConfigKey
from distconnect.api.config_parse import convert_to_string
from distconnect.api.config_types import HIDDEN, ConfigType, ConfigValue, qualified_name


def _string(value: Any, type_: ConfigType | None) -> str | None:
    if type_ is ConfigType.PASSWORD and value is not None:
        return HIDDEN  # even if a plugin's own validate() put the raw secret here
    return convert_to_string(value, type_)


def config_key_info(key: ConfigKey, prefix: str = "") -> dict[str, Any]:
    """``ConfigKeyInfo``: type/importance/width as upper-case names, the default as a string
    (``None`` for a required key), fields in the order Apache Kafka Connect 4.x's JSON has them
    (checked against a live 4.3 worker: the field is ``order_in_group``, after ``group``)."""
    return {
        "name": prefix + key.name,
        "type": key.type.value,
        "required": not key.has_default,
        "default_value": _string(key.default, key.type) if key.has_default else None,
        "importance": key.importance.value,
        "documentation": key.documentation,
        "group": key.group,
        "order_in_group": key.order_in_group,
        "width": key.width.value,
        "display_name": key.display_name,
        "dependents": list(key.dependents),
    }


def config_value_info(
    value: ConfigValue, type_: ConfigType | None, name: str | None = None
) -> dict[str, Any]:
    """``ConfigValueInfo``: the value and recommended values in string form (recommended values
    of a LIST key are single elements, rendered as strings)."""
    recommended_type = ConfigType.STRING if type_ is ConfigType.LIST else type_
    return {
        "name": value.name if name is None else name,
        "value": _string(value.value, type_),
        "recommended_values": [_string(v, recommended_type) for v in value.recommended_values],
        "errors": list(value.errors),
        "visible": value.visible,
    }


def _as_list(config_values: Iterable[ConfigValue] | Mapping[str, ConfigValue]) -> list[ConfigValue]:
    if isinstance(config_values, Mapping):
        return list(config_values.values())
    return list(config_values)


def generate_result(
    connector_type: str,
    config_keys: Mapping[str, ConfigKey],
    config_values: Iterable[ConfigValue] | Mapping[str, ConfigValue],
    groups: Sequence[str],
) -> dict[str, Any]:
    """``ConfigInfos`` for keys and results that may come from several ConfigDefs.

    Results for undeclared names come first with ``"definition": null``; then one entry per
    declared key, in ``config_keys`` order, with ``"value": null`` if it has no result.
    ``error_count`` is the total number of error messages.
    """
    values = _as_list(config_values)
    by_name: dict[str, ConfigValue] = {}
    configs: list[dict[str, Any]] = []
    error_count = 0
    for value in values:
        by_name[value.name] = value
        if value.name not in config_keys:
            configs.append({"definition": None, "value": config_value_info(value, None)})
            error_count += len(value.errors)
    for name, key in config_keys.items():
        result = by_name.get(name)
        configs.append(
            {
                "definition": config_key_info(key),
                "value": None if result is None else config_value_info(result, key.type),
            }
        )
        if result is not None:
            error_count += len(result.errors)
    return {"name": connector_type, "error_count": error_count, "groups": list(groups), "configs": configs}


def validation_response(
    connector_name_or_class: str | type,
    config_def: ConfigDef,
    config_values: Iterable[ConfigValue] | Mapping[str, ConfigValue],
) -> dict[str, Any]:
    """The body of ``PUT /connector-plugins/{plugin}/config/validate`` for one ConfigDef and
    its validation results (``config_def.validate(props)`` plus any the connector's own
    ``validate`` added). ``name`` is the ``connector.class`` value; a class is named by its
    dotted qualified name."""
    name = (
        qualified_name(connector_name_or_class)
        if isinstance(connector_name_or_class, type)
        else connector_name_or_class
    )
    return generate_result(name, config_def.config_keys, config_values, config_def.groups)


def prefixed_config_infos(
    config_keys: Mapping[str, ConfigKey],
    config_values: Iterable[ConfigValue] | Mapping[str, ConfigValue],
    prefix: str,
) -> dict[str, Any]:
    """``ConfigInfos`` for a sub-config validated under ``prefix`` (converters, client overrides).

    Kafka's quirks kept: entries follow the results' order, names get the prefix, every entry
    is shown visible, and ``error_count`` counts entries with errors, not messages.
    """
    groups: list[str] = []
    configs: list[dict[str, Any]] = []
    error_count = 0
    for value in _as_list(config_values):
        key = config_keys.get(value.name)
        if key is not None and key.group is not None and key.group not in groups:
            groups.append(key.group)
        info = config_value_info(value, None if key is None else key.type, name=prefix + value.name)
        info["visible"] = True
        configs.append({"definition": None if key is None else config_key_info(key, prefix), "value": info})
        error_count += 1 if value.errors else 0
    return {"name": "", "error_count": error_count, "groups": groups, "configs": configs}


def merge_config_infos(connector_type: str, *infos: Mapping[str, Any] | None) -> dict[str, Any]:
    """Concatenate several ``ConfigInfos`` (``None`` entries skipped) under one name."""
    groups: list[str] = []
    configs: list[Any] = []
    error_count = 0
    for info in infos:
        if info is None:
            continue
        error_count += int(info["error_count"])
        configs += info["configs"]
        groups += [g for g in info["groups"] if g not in groups]
    return {"name": connector_type, "error_count": error_count, "groups": groups, "configs": configs}


def invalid_config_message(infos: Mapping[str, Any]) -> str | None:
    """The 400 message Connect gives when creating or updating a connector whose validation
    found errors, or ``None`` if ``error_count`` is 0."""
    count = int(infos["error_count"])
    if count == 0:
        return None
    lines = [f"Connector configuration is invalid and contains the following {count} error(s):"]
    for entry in infos["configs"]:
        if entry["value"] is not None:
            lines += entry["value"]["errors"]
    lines.append(
        "You can also find the above list of errors at the endpoint "
        "`/connector-plugins/{connectorType}/config/validate`"
    )
    return "\n".join(lines)
