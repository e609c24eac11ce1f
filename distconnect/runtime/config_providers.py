"""Config providers (KIP-297): ``${provider:path:key}`` placeholders resolved from files, the
environment or directories, so secrets stay out of the config topic and out of REST answers.

The worker setting ``config.providers=file,env,dir`` names the providers; each needs
``config.providers.<name>.class`` (Apache's class names, their short names or distconnect's own
paths, or the dotted Python path of any class with ``configure``/``get``) and takes parameters
from ``config.providers.<name>.param.*``. The built-in providers are Apache's:

* ``FileConfigProvider`` — ``${file:/path/to/file.properties:key}``: a key of a ``.properties``
  file (param ``allowed.paths``: comma-separated absolute paths it may read under);
* ``DirectoryConfigProvider`` — ``${dir:/path/to/dir:file}``: the whole content of a file in a
  directory, e.g. a Kubernetes secret volume (param ``allowed.paths``);
* ``EnvVarConfigProvider`` — ``${env:NAME}``: an environment variable (param
  ``allowlist.pattern``: a regex the variable's name must match in full).

Placeholders use Apache's pattern (``ConfigTransformer.DEFAULT_PATTERN``); one naming a provider
that is not configured is left as it is (as Apache does, so text such as ``${topic}`` survives).
Unlike Apache, which silently leaves an unresolvable placeholder in place, a missing file, key or
variable of a configured provider is a :class:`ConfigError` naming the config key and the
placeholder: a connector started with the literal text ``${env:DB_PASSWORD}`` as its password
fails later and more confusingly.

Pure and synchronous; a provider reads small files when asked, so callers on the event loop may
call it directly. Instances are immutable after construction and may be shared.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from distconnect.api.config import ConfigDef, ConfigType
from distconnect.api.config_types import java_str
from distconnect.api.errors import ConfigError
from distconnect.runtime.properties import load_properties

log = logging.getLogger(__name__)

#: Apache's ``ConfigTransformer.DEFAULT_PATTERN``: ``${provider:[path:]key}``.
PATTERN = re.compile(r"\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}")
PROVIDERS_CONFIG = "config.providers"
_APACHE_PACKAGE = "org.apache.kafka.common.config.provider."


class ConfigProvider(Protocol):
    """What a provider class implements (Apache's ``ConfigProvider`` without ``subscribe``)."""

    def configure(self, params: Mapping[str, str]) -> None: ...

    def get(self, path: str, keys: set[str]) -> dict[str, str]:
        """The values of ``keys`` found under ``path``; a missing key is simply absent."""
        ...


class _AllowedPaths:
    """Apache's ``AllowedPaths``: ``None`` allows every path."""

    def __init__(self, value: str | None, key: str) -> None:
        self.roots: list[Path] | None = None
        if value:
            self.roots = []
            for item in value.split(","):
                path = Path(os.path.normpath(item.strip()))
                if not path.is_absolute():
                    raise ConfigError(key, value, f"Path {path} is not absolute")
                if not path.exists():
                    raise ConfigError(key, value, f"Path {path} does not exist")
                self.roots.append(path)

    def check(self, path: str) -> Path:
        normalised = Path(os.path.normpath(path))
        if self.roots is not None and not any(normalised.is_relative_to(r) for r in self.roots):
            raise LookupError(f"the path {path} is not allowed by allowed.paths")
        return normalised


class FileConfigProvider:
    def configure(self, params: Mapping[str, str]) -> None:
        self._allowed = _AllowedPaths(params.get("allowed.paths"), "allowed.paths")

    def get(self, path: str, keys: set[str]) -> dict[str, str]:
        target = self._allowed.check(path)
        try:
            props = load_properties(target)
        except OSError as err:
            raise LookupError(f"Could not read properties from file {path}: {err.strerror}") from None
        return {k: props[k] for k in keys if k in props}


class DirectoryConfigProvider:
    def configure(self, params: Mapping[str, str]) -> None:
        self._allowed = _AllowedPaths(params.get("allowed.paths"), "allowed.paths")

    def get(self, path: str, keys: set[str]) -> dict[str, str]:
        directory = self._allowed.check(path)
        if not directory.is_dir():
            raise LookupError(f"The path {path} is not a directory")
        found: dict[str, str] = {}
        for key in keys:
            file = directory / key
            if "/" not in key and file.is_file():
                try:
                    found[key] = file.read_text(encoding="utf-8")
                except OSError as err:
                    raise LookupError(
                        f"Could not read file {file} for property {key}: {err.strerror}"
                    ) from None
        return found


class EnvVarConfigProvider:
    def configure(self, params: Mapping[str, str]) -> None:
        pattern = re.compile(params.get("allowlist.pattern", ".*"))
        self._env = {k: v for k, v in os.environ.items() if pattern.fullmatch(k)}

    def get(self, path: str, keys: set[str]) -> dict[str, str]:
        if path:
            raise LookupError(f"Path is not supported for EnvVarConfigProvider, invalid value '{path}'")
        return {k: self._env[k] for k in keys if k in self._env}


_BUILTIN: dict[str, type[Any]] = {
    name: cls
    for cls in (FileConfigProvider, DirectoryConfigProvider, EnvVarConfigProvider)
    for name in (cls.__name__, _APACHE_PACKAGE + cls.__name__, f"{__name__}.{cls.__name__}")
}


def _load_class(key: str, name: str) -> type[Any]:
    if name in _BUILTIN:
        return _BUILTIN[name]
    module_name, _, attr = name.rpartition(".")
    try:
        found = getattr(importlib.import_module(module_name), attr) if module_name else None
    except (ImportError, AttributeError):
        found = None
    if not isinstance(found, type) or not callable(getattr(found, "get", None)):
        raise ConfigError(
            key,
            name,
            "Class not found: use FileConfigProvider, EnvVarConfigProvider, DirectoryConfigProvider "
            "or the Python path of a class with configure() and get(path, keys)",
        )
    return found


def has_variables(value: Any) -> bool:
    return isinstance(value, str) and PATTERN.search(value) is not None


class ConfigProviders:
    """The configured providers, by name; see the module docstring."""

    def __init__(self, providers: Mapping[str, ConfigProvider] | None = None) -> None:
        self.providers = dict(providers or {})

    @classmethod
    def from_worker_props(cls, props: Mapping[str, Any]) -> ConfigProviders:
        """Build the providers a worker's raw settings name (ConfigError names the bad key)."""
        listed = props.get(PROVIDERS_CONFIG) or ""
        names = listed if isinstance(listed, list) else [n.strip() for n in str(listed).split(",")]
        providers: dict[str, ConfigProvider] = {}
        for name in (n for n in names if n):
            key = f"{PROVIDERS_CONFIG}.{name}.class"
            class_name = str(props.get(key) or "").strip()
            if not class_name:
                raise ConfigError(
                    key, None, f"config provider '{name}' is listed in config.providers without a class"
                )
            provider = _load_class(key, class_name)()
            prefix = f"{PROVIDERS_CONFIG}.{name}.param."
            params = {k[len(prefix) :]: str(v) for k, v in props.items() if k.startswith(prefix)}
            try:
                provider.configure(params)
            except ConfigError as err:
                raise ConfigError(f"{prefix}{err.name}", err.value, err.reason) from None
            providers[name] = provider
        return cls(providers)

    def __bool__(self) -> bool:
        return bool(self.providers)

    def resolve(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """``props`` with every placeholder of a configured provider replaced; the first value
        that cannot be resolved raises ConfigError naming its key and the placeholder."""
        resolved, errors = self.resolve_lenient(props)
        for key, error in errors.items():
            raise ConfigError(key, props[key], error)
        return resolved

    def resolve_lenient(self, props: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """``(resolved props, {key: error})``: keys that fail keep their raw value."""
        resolved = dict(props)
        errors: dict[str, str] = {}
        if not self.providers:
            return resolved, errors
        # As Apache's ConfigTransformer: gather the keys wanted per provider and path, then ask
        # each provider once per path (a file is read once however many keys refer to it).
        wanted: dict[tuple[str, str], set[str]] = {}
        for value in props.values():
            if isinstance(value, str):
                for match in PATTERN.finditer(value):
                    if match.group(1) in self.providers:
                        wanted.setdefault((match.group(1), match.group(3) or ""), set()).add(match.group(4))
        found: dict[tuple[str, str], dict[str, str] | str] = {}
        for (name, path), keys in wanted.items():
            try:
                found[(name, path)] = self.providers[name].get(path, keys)
            except Exception as err:  # a provider's own error, shown as the reason
                found[(name, path)] = str(err) or type(err).__name__
        for key, value in props.items():
            if has_variables(value):
                try:
                    resolved[key] = PATTERN.sub(lambda m: self._substitute(m, found), value)
                except LookupError as err:
                    errors[key] = str(err.args[0])
        return resolved, errors

    def _substitute(self, match: re.Match[str], found: Mapping[tuple[str, str], dict[str, str] | str]) -> str:
        name, path, var = match.group(1), match.group(3) or "", match.group(4)
        if name not in self.providers:
            return match.group(0)
        data = found[(name, path)]
        if isinstance(data, str):
            raise LookupError(f"Cannot resolve the variable {match.group(0)}: {data}")
        if var not in data:
            where = f"in {path}" if path else f"by the '{name}' provider"
            raise LookupError(f"Cannot resolve the variable {match.group(0)}: '{var}' not found {where}")
        return data[var]


def loggable(title: str, definition: ConfigDef, values: Mapping[str, Any], raw: Mapping[str, Any]) -> str:
    """``title: k = v; ...`` for the keys ``definition`` declares that ``values`` holds, as
    Apache's ``AbstractConfig.logAll``: PASSWORD values as ``[hidden]``, values that came from a
    config provider as their placeholder (``raw``), undeclared keys left out (they may be
    secrets of a type nobody declared)."""
    keys = definition.config_keys
    shown = []
    for name in sorted(n for n in values if n in keys):
        value = values[name]
        if keys[name].type is ConfigType.PASSWORD and value is not None:
            text = "[hidden]"
        elif has_variables(raw.get(name)):
            text = str(raw[name])
        else:
            text = java_str(value)
        shown.append(f"{name} = {text}")
    return f"{title}: " + "; ".join(shown)


def reverse_transform(
    raw: Mapping[str, str], task_configs: Iterable[Mapping[str, str]]
) -> list[dict[str, str]]:
    """Task configs with each key whose raw connector value holds a placeholder put back to that
    raw value (Apache's ``AbstractHerder.reverseTransform``): task configs are stored, and must
    not carry the resolved secrets into the config topic."""
    variable_keys = [k for k, v in raw.items() if has_variables(v)]
    result = []
    for config in task_configs:
        copy = dict(config)
        for key in variable_keys:
            if key in copy:
                copy[key] = raw[key]
        result.append(copy)
    return result


__all__ = [
    "PATTERN",
    "PROVIDERS_CONFIG",
    "ConfigProvider",
    "ConfigProviders",
    "DirectoryConfigProvider",
    "EnvVarConfigProvider",
    "FileConfigProvider",
    "has_variables",
    "loggable",
    "reverse_transform",
]
