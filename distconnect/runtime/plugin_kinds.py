"""The kinds of plugin, their descriptions, and the helpers :mod:`distconnect.runtime.plugins`
uses to load, instantiate and version them. Import the public names from that module.

Pure and synchronous apart from importing modules; no shared state.
"""

from __future__ import annotations

import builtins
import enum
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Final, TypeVar

from distconnect.api.config import LambdaValidator
from distconnect.api.config_types import invalid_value
from distconnect.api.connector import Connector, SinkConnector, SourceConnector
from distconnect.api.errors import ConnectError
from distconnect.api.plugins import Converter, HeaderConverter, Predicate, Transformation

log = logging.getLogger(__name__)

_T = TypeVar("_T")


class PluginType(enum.StrEnum):
    """The ``type`` of ``GET /connector-plugins`` (Java's lower-cased PluginType)."""

    SOURCE = "source"
    SINK = "sink"
    CONVERTER = "converter"
    HEADER_CONVERTER = "header_converter"
    TRANSFORMATION = "transformation"
    PREDICATE = "predicate"


@dataclass(frozen=True)
class PluginKind:
    group: str
    base: type[Any]
    label: str  # names the kind in messages: "Connector", "Converter", ...
    suffix: str  # what Java prunes from the class name to make an alias


CONNECTOR: Final = PluginKind("distconnect.connectors", Connector, "Connector", "Connector")
CONVERTER: Final = PluginKind("distconnect.converters", Converter, "Converter", "Converter")
HEADER_CONVERTER: Final = PluginKind(
    "distconnect.header_converters", HeaderConverter, "HeaderConverter", "HeaderConverter"
)
TRANSFORMATION: Final = PluginKind(
    "distconnect.transforms", Transformation, "Transformation", "Transformation"
)
PREDICATE: Final = PluginKind("distconnect.predicates", Predicate, "Predicate", "Predicate")
KINDS: Final = (CONNECTOR, TRANSFORMATION, PREDICATE, CONVERTER, HEADER_CONVERTER)
BY_GROUP: Final = {kind.group: kind for kind in KINDS}
#: The entry-point groups the registry reads.
ENTRY_POINT_GROUPS: Final = tuple(BY_GROUP)


@dataclass(frozen=True, order=True)
class PluginDesc:
    """One installed plugin, as ``GET /connector-plugins`` lists it."""

    class_name: str  # the Python path, module.QualName
    type: PluginType
    version: str | None = None  # None is "undefined" and omitted from REST bodies
    plugin_class: builtins.type[Any] = field(default=object, compare=False, repr=False)

    def to_json(self) -> dict[str, str]:
        body = {"class": self.class_name, "type": self.type.value}
        if self.version is not None:
            body["version"] = self.version
        return body


def python_path(cls: type[Any]) -> str:
    """``module.QualName``, the canonical name of a plugin class."""
    return f"{cls.__module__}.{cls.__qualname__}"


def plugin_type(kind: PluginKind, cls: type[Any]) -> PluginType | None:
    if kind is CONNECTOR:
        if issubclass(cls, SourceConnector):
            return PluginType.SOURCE
        return PluginType.SINK if issubclass(cls, SinkConnector) else None
    return {
        CONVERTER: PluginType.CONVERTER,
        HEADER_CONVERTER: PluginType.HEADER_CONVERTER,
        TRANSFORMATION: PluginType.TRANSFORMATION,
        PREDICATE: PluginType.PREDICATE,
    }[kind]


def import_dotted(path: str) -> Any:
    """The object a dotted path names (``pkg.mod.Outer.Inner``), or None if nothing is there.
    An import error raised *inside* an existing module is not hidden: it is a broken plugin."""
    parts = path.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    for split in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:split])
        try:
            obj: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name is not None and (module_name == e.name or module_name.startswith(e.name + ".")):
                continue  # this prefix is not a module; try a shorter one
            raise ConnectError(f"Failed to import plugin module {module_name}: {e}") from e
        except Exception as e:
            raise ConnectError(f"Failed to import plugin module {module_name}: {e}") from e
        for attr in parts[split:]:
            obj = getattr(obj, attr, None)
            if obj is None:
                return None
        return obj
    return None


def instantiate(kind: PluginKind, cls: type[_T]) -> _T:
    try:
        return cls()
    except ConnectError:
        raise
    except Exception as e:
        raise ConnectError(f"Failed to instantiate {kind.label} {python_path(cls)}: {e}") from e


def plugin_version(cls: type[Any]) -> str | None:
    """A connector's ``version()``; for other plugins a ``version()`` method if they define one;
    failing that, bundled plugins report the distconnect version (as Kafka's bundled plugins
    report the Kafka version)."""
    if callable(getattr(cls, "version", None)):
        try:
            version = cls().version()
            return None if version is None else str(version)
        except Exception:
            log.debug("Could not get the version of plugin %s", python_path(cls), exc_info=True)
            return None
    if cls.__module__.startswith("distconnect."):
        try:
            return metadata.version("distconnect")
        except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
            return None
    return None


def class_validator(lookup: Callable[[str], type[Any]], description: str) -> LambdaValidator:
    """A validator for a CLASS key: ``lookup`` (e.g. ``registry.converter_class``) must resolve
    the name; its error message becomes the key's error. ``None`` (unset) passes."""

    def ensure(name: str, value: Any) -> None:
        if value is None:
            return
        try:
            lookup(value)
        except ConnectError as e:
            raise invalid_value(name, value, str(e)) from e

    return LambdaValidator.with_(ensure, description)


__all__ = [
    "BY_GROUP",
    "CONNECTOR",
    "CONVERTER",
    "ENTRY_POINT_GROUPS",
    "HEADER_CONVERTER",
    "KINDS",
    "PREDICATE",
    "TRANSFORMATION",
    "PluginDesc",
    "PluginKind",
    "PluginType",
    "class_validator",
    "import_dotted",
    "instantiate",
    "plugin_type",
    "plugin_version",
    "python_path",
]
