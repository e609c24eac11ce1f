"""KIP-891 in validation: the ``*.plugin.version`` keys and the worker-dependent defaults.

Apache Kafka Connect 4.1+ can install several versions of a plugin and lets a connector pin one
with ``connector.plugin.version`` and ``{key,value,header}.converter.plugin.version``. distconnect
installs exactly one version of each plugin (a Python distribution), so a pin may only name that
version; any other is a validation error worded as Apache's. Validation answers also show what
Apache's do: a converter key's default is the worker's setting, a version key's default is the
version of the plugin in effect, and the recommended values list the installed choices.

Pure functions over a :class:`~distconnect.runtime.plugins.PluginRegistry`; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from distconnect.api.config import ConfigValue
from distconnect.runtime.plugins import PluginRegistry

CONVERTER_KEYS = ("key.converter", "value.converter", "header.converter")


def _version(registry: PluginRegistry, name: Any) -> str | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        return registry.plugin_desc(name).version
    except Exception:  # an unknown class is reported by the class key's own validation
        return None


def dynamic_defaults(
    registry: PluginRegistry, props: Mapping[str, Any], worker_converters: Mapping[str, str] | None
) -> dict[str, Any]:
    """Defaults of the converter and version keys for this config on this worker."""
    defaults: dict[str, Any] = {"connector.plugin.version": _version(registry, props.get("connector.class"))}
    for key in CONVERTER_KEYS:
        worker_value = (worker_converters or {}).get(key)
        defaults[key] = worker_value
        defaults[f"{key}.plugin.version"] = _version(registry, props.get(key) or worker_value)
    return defaults


def _mismatch(plugin: Any, wanted: str, installed: str | None) -> str:
    found = f"[{installed}]" if installed else "[]"
    return (
        f"Plugin {plugin} not found that matches the version range [{wanted},{wanted}], "
        f"available versions: {found}"
    )


def apply_versions(
    registry: PluginRegistry,
    props: Mapping[str, Any],
    defaults: Mapping[str, Any],
    results: Mapping[str, ConfigValue],
) -> None:
    """Check pinned versions and fill in recommended values and visibility, in place."""
    pinned = [("connector.plugin.version", "connector.class")]
    pinned += [(f"{key}.plugin.version", key) for key in CONVERTER_KEYS]
    for version_key, plugin_key in pinned:
        value = results.get(version_key)
        if value is None:
            continue
        installed = defaults.get(version_key)
        plugin = props.get(plugin_key) or defaults.get(plugin_key)
        value.recommended_values = [installed] if installed else []
        value.visible = plugin is not None
        wanted = props.get(version_key)
        if wanted not in (None, "") and wanted != installed:
            message = _mismatch(plugin, str(wanted), installed)
            value.add_error(message)
            if plugin_key in results:
                results[plugin_key].add_error(message)
    for key in CONVERTER_KEYS:
        value = results.get(key)
        if value is not None:
            descs = registry.header_converters() if key == "header.converter" else registry.converters()
            value.recommended_values = sorted({desc.class_name for desc in descs})


__all__ = ["CONVERTER_KEYS", "apply_versions", "dynamic_defaults"]
