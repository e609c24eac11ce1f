"""Plugin discovery and lookup: which connectors, converters, header converters, transformations
and predicates this worker can run, and how a name in a config resolves to one of them.

Discovery uses Python entry points only (no file-system scanning, so ``plugin.path`` has no
effect): a distribution publishes a plugin under one of the groups in :data:`ENTRY_POINT_GROUPS`.
Every entry point of a class becomes a name for it, which is how the bundled plugins answer to
the Apache class names users already have in their configs (``org.apache.kafka.connect.file.
FileStreamSourceConnector``, ``org.apache.kafka.connect.transforms.InsertField$Value``).

A plugin is addressable by
  1. its Python path, ``package.module.ClassName`` (nested: ``package.module.InsertField.Value``
     or Java-style ``package.module.InsertField$Value``), and any entry-point name;
  2. its class name (``FileStreamSourceConnector``, ``InsertField$Value``, ``InsertField.Value``)
     and the class name without its kind's suffix, as Java prunes it (``FileStreamSource``,
     ``Json`` for ``JsonConverter``).
Names of the first tier win over the second. A name that fits two different classes of the same
kind is not an alias (as in Java): the lookup fails and asks for the full name. A dotted name that
is not registered is imported (a user's own plugin on ``PYTHONPATH``) and must subclass the kind's
base class.

Lifecycle and concurrency: build one registry per worker at start-up (this imports every plugin
module; a plugin that fails to import is logged and skipped). Afterwards it is only read, apart
from a cache of imported classes, so it may be shared by every task and request. Everything is
synchronous; instantiating a plugin runs its ``__init__``, which by contract does no I/O.
"""

from __future__ import annotations

import difflib
import inspect
import logging
from collections.abc import Iterable
from importlib import metadata
from typing import Any

from distconnect.api.connector import Connector
from distconnect.api.errors import NotFoundError
from distconnect.api.plugins import Converter, HeaderConverter, Predicate, Transformation
from distconnect.runtime.plugin_kinds import (
    BY_GROUP,
    CONNECTOR,
    CONVERTER,
    ENTRY_POINT_GROUPS,
    HEADER_CONVERTER,
    KINDS,
    PREDICATE,
    TRANSFORMATION,
    PluginDesc,
    PluginKind,
    PluginType,
    import_dotted,
    instantiate,
    plugin_type,
    plugin_version,
    python_path,
)

log = logging.getLogger(__name__)


class AmbiguousPluginError(NotFoundError):
    """A short name fits more than one plugin class; the full class name is needed."""


class PluginRegistry:
    """The plugins of one worker, with Connect's aliasing rules (see the module docstring).

    ``extra`` adds ``(group, name, class)`` entries as if they were installed entry points (tests,
    embedding); ``include_installed=False`` ignores the installed ones. ``allow_import=False``
    disables importing unregistered dotted names (a worker that must run only vetted plugins).
    """

    def __init__(
        self,
        extra: Iterable[tuple[str, str, object]] = (),
        *,
        include_installed: bool = True,
        allow_import: bool = True,
    ) -> None:
        self._allow_import = allow_import
        # per kind: class -> its entry-point names (and the dotted paths they point to), in order
        self._classes: dict[PluginKind, dict[type[Any], list[str]]] = {kind: {} for kind in KINDS}
        # per kind: class -> the name it is listed under (first entry-point target, else module.QualName)
        self._canonical: dict[PluginKind, dict[type[Any], str]] = {kind: {} for kind in KINDS}
        self._imported: dict[tuple[PluginKind, str], type[Any]] = {}
        self._versions: dict[type[Any], str | None] = {}
        if include_installed:
            for kind in KINDS:
                for ep in metadata.entry_points(group=kind.group):
                    try:
                        loaded = ep.load()
                    except Exception:
                        log.warning(
                            "Skipping plugin %s = %s: it failed to load", ep.name, ep.value, exc_info=True
                        )
                        continue
                    target = f"{ep.module}.{ep.attr}" if ep.attr else ep.module
                    problem = self._add(kind, loaded, ep.name, target, ep.value)
                    if problem:
                        log.warning("Skipping plugin %s = %s: %s", ep.name, ep.value, problem)
        for group, name, obj in extra:
            if group not in BY_GROUP:
                raise ValueError(f"Unknown plugin group {group!r}; expected one of {ENTRY_POINT_GROUPS}")
            problem = self._add(BY_GROUP[group], obj, name)
            if problem:
                raise TypeError(f"Plugin {name!r} in {group}: {problem}")
        self._exact: dict[PluginKind, dict[str, set[type[Any]]]] = {}
        self._short: dict[PluginKind, dict[str, set[type[Any]]]] = {}
        for kind in KINDS:
            self._index(kind)

    def _add(self, kind: PluginKind, obj: object, *names: str) -> str | None:
        if not isinstance(obj, type) or not issubclass(obj, kind.base):
            return f"{obj!r} is not a subclass of {kind.label}"
        if inspect.isabstract(obj):
            return f"{python_path(obj)} is abstract"
        if plugin_type(kind, obj) is None:
            return f"{python_path(obj)} is neither a SourceConnector nor a SinkConnector"
        known = self._classes[kind].setdefault(obj, [])
        known += [name for name in names if name not in known]
        self._canonical[kind].setdefault(obj, names[1] if len(names) > 1 else python_path(obj))
        return None

    def _index(self, kind: PluginKind) -> None:
        exact: dict[str, set[type[Any]]] = {}
        short: dict[str, set[type[Any]]] = {}
        for cls, ep_names in self._classes[kind].items():
            path = python_path(cls)
            colon = path.replace(f"{cls.__module__}.", f"{cls.__module__}:", 1)
            for name in (self._canonical[kind][cls], path, colon, *ep_names):
                exact.setdefault(name, set()).add(cls)
                exact.setdefault(name.replace("$", "."), set()).add(cls)
            dollar = cls.__qualname__.replace(".", "$")
            exact.setdefault(f"{cls.__module__}.{dollar}", set()).add(cls)
            pos = dollar.rfind(kind.suffix)
            pruned = dollar[:pos] if pos > 0 else dollar  # Java prunes at the last occurrence
            for name in {cls.__qualname__, dollar, pruned}:
                short.setdefault(name, set()).add(cls)
        self._exact[kind] = exact
        self._short[kind] = short

    # -- listing -------------------------------------------------------------------------------

    def _descs(self, kind: PluginKind) -> list[PluginDesc]:
        return sorted(
            PluginDesc(self._canonical[kind][cls], ptype, self._version(cls), cls)
            for cls in self._classes[kind]
            if (ptype := plugin_type(kind, cls)) is not None
        )

    def connectors(self) -> list[PluginDesc]:
        """Source and sink connectors, sorted by class name."""
        return self._descs(CONNECTOR)

    def converters(self) -> list[PluginDesc]:
        return self._descs(CONVERTER)

    def header_converters(self) -> list[PluginDesc]:
        return self._descs(HEADER_CONVERTER)

    def transformations(self) -> list[PluginDesc]:
        return self._descs(TRANSFORMATION)

    def predicates(self) -> list[PluginDesc]:
        return self._descs(PREDICATE)

    def plugins(self, connectors_only: bool = True) -> list[PluginDesc]:
        """``GET /connector-plugins?connectorsOnly=``: sinks, sources, then (unless
        ``connectors_only``) transformations, predicates, converters, header converters."""
        connectors = self.connectors()
        result = [d for d in connectors if d.type is PluginType.SINK]
        result += [d for d in connectors if d.type is PluginType.SOURCE]
        if not connectors_only:
            for kind in (TRANSFORMATION, PREDICATE, CONVERTER, HEADER_CONVERTER):
                result += self._descs(kind)
        return result

    def plugin_desc(self, name: str) -> PluginDesc:
        """Any plugin by name (``GET /connector-plugins/{plugin}/config``); kinds are tried in
        the order connectors, transformations, predicates, converters, header converters."""
        ambiguous: AmbiguousPluginError | None = None
        for kind in KINDS:
            try:
                cls = self._resolve(kind, name, allow_import=False)
            except AmbiguousPluginError as e:
                ambiguous = ambiguous or e
                continue
            except NotFoundError:
                continue
            ptype = plugin_type(kind, cls)
            assert ptype is not None  # only usable classes are registered
            return PluginDesc(
                self._canonical[kind].get(cls, python_path(cls)), ptype, self._version(cls), cls
            )
        raise ambiguous or NotFoundError(f"Unknown plugin {name}.")

    def _version(self, cls: type[Any]) -> str | None:
        if cls not in self._versions:
            self._versions[cls] = plugin_version(cls)
        return self._versions[cls]

    # -- lookup --------------------------------------------------------------------------------

    def connector_class(self, name: str | type[Any]) -> type[Connector]:
        return self._resolve(CONNECTOR, name)

    def converter_class(self, name: str | type[Any]) -> type[Converter]:
        return self._resolve(CONVERTER, name)

    def header_converter_class(self, name: str | type[Any]) -> type[HeaderConverter]:
        return self._resolve(HEADER_CONVERTER, name)

    def transformation_class(self, name: str | type[Any]) -> type[Transformation[Any]]:
        return self._resolve(TRANSFORMATION, name)

    def predicate_class(self, name: str | type[Any]) -> type[Predicate[Any]]:
        return self._resolve(PREDICATE, name)

    def new_connector(self, name: str | type[Any]) -> Connector:
        return instantiate(CONNECTOR, self.connector_class(name))

    def new_converter(self, name: str | type[Any]) -> Converter:
        """An unconfigured converter; the caller calls ``configure(settings, is_key)``."""
        return instantiate(CONVERTER, self.converter_class(name))

    def new_header_converter(self, name: str | type[Any]) -> HeaderConverter:
        return instantiate(HEADER_CONVERTER, self.header_converter_class(name))

    def new_transformation(self, name: str | type[Any]) -> Transformation[Any]:
        return instantiate(TRANSFORMATION, self.transformation_class(name))

    def new_predicate(self, name: str | type[Any]) -> Predicate[Any]:
        return instantiate(PREDICATE, self.predicate_class(name))

    def _resolve(self, kind: PluginKind, name: str | type[Any], allow_import: bool = True) -> type[Any]:
        if isinstance(name, type):
            if self._unusable(kind, name):
                raise NotFoundError(f"Class {python_path(name)} is not a concrete {kind.label}")
            return name
        text = name.strip()
        for table in (self._exact[kind], self._short[kind]):
            found = table.get(text)
            if found and len(found) == 1:
                return next(iter(found))
            if found:
                paths = ", ".join(sorted(python_path(c) for c in found))
                raise AmbiguousPluginError(
                    f"The {kind.label} name {text} is ambiguous: it matches {paths}. Use the full class name."
                )
        if allow_import and self._allow_import and ("." in text or ":" in text):
            cls = self._import(kind, text)
            if cls is not None:
                return cls
        raise NotFoundError(self._not_found_message(kind, text))

    def _unusable(self, kind: PluginKind, cls: type[Any]) -> bool:
        """True if ``cls`` cannot serve as a plugin of ``kind``."""
        return not issubclass(cls, kind.base) or inspect.isabstract(cls) or plugin_type(kind, cls) is None

    def _import(self, kind: PluginKind, text: str) -> type[Any] | None:
        key = (kind, text)
        if key not in self._imported:
            obj = import_dotted(text.replace(":", ".").replace("$", "."))
            if obj is None:
                return None
            if not isinstance(obj, type) or self._unusable(kind, obj):
                raise NotFoundError(f"Class {text} is not a concrete {kind.label} and cannot be used as one")
            self._imported[key] = obj
        return self._imported[key]

    def _not_found_message(self, kind: PluginKind, text: str) -> str:
        merged = {**self._short[kind], **self._exact[kind]}
        unique = {name: next(iter(classes)) for name, classes in merged.items() if len(classes) == 1}
        candidates = [n for n in unique if n.lower() == text.lower()]
        candidates += difflib.get_close_matches(text, list(unique), n=10, cutoff=0.6)
        close: list[str] = []
        seen: set[type[Any]] = set()
        for name in candidates:  # one suggestion per class: its best-matching name
            if unique[name] not in seen:
                seen.add(unique[name])
                close.append(name)
        base = f"Failed to find any class that implements {kind.label} and which name matches {text}"
        if close:
            return f"{base}. Did you mean: {', '.join(close[:5])}?"
        available = sorted(self._canonical[kind].values())
        return f"{base}. Available: {', '.join(available) if available else 'none'}"


__all__ = [
    "ENTRY_POINT_GROUPS",
    "AmbiguousPluginError",
    "PluginDesc",
    "PluginRegistry",
    "PluginType",
    "python_path",
]
