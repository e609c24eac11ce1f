"""The error hierarchy every plugin and the runtime share.

``ConnectError`` is the one root. Policy lives in class attributes rather than in
``isinstance`` lists, so retry code can ask ``err.retriable`` (a natural tenacity predicate).
Third-party errors (aiokafka, aiohttp) are translated into these at one boundary per layer and
never leak into the public API.
"""

from __future__ import annotations

from typing import Any


class ConnectError(Exception):
    """Root of every error distconnect raises or expects plugins to raise."""

    #: The operation may succeed if attempted again (after a back-off).
    retriable: bool = False


class RetriableError(ConnectError):
    """A transient failure: the runtime backs off and redelivers the same work."""

    retriable = True


class DataError(ConnectError):
    """Data does not fit its schema, cannot be converted, or is malformed."""


class SchemaBuilderError(DataError):
    """A schema was built inconsistently (e.g. a field added to a non-struct)."""


class SchemaProjectorError(DataError):
    """A value cannot be projected from one schema version onto another."""


class ConfigError(ConnectError):
    """A configuration value is missing or invalid. The message names the key.

    Formatted like Java's ``ConfigException(name, value, message)``:
    ``Invalid value <value> for configuration <name>: <message>``, with Java's renderings of
    ``None`` (``null``), booleans and lists, so error texts match Apache Kafka Connect's.
    """

    def __init__(self, name: str, value: Any = None, message: str | None = None) -> None:
        self.name = name
        self.value = value
        self.reason = message
        text = f"Invalid value {_java_str(value)} for configuration {name}"
        super().__init__(text if message is None else f"{text}: {message}")


def _java_str(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_java_str(v) for v in value) + "]"
    return str(value)


class NotFoundError(ConnectError):
    """A connector, task, plugin or other named entity does not exist."""


class AlreadyExistsError(ConnectError):
    """An entity with the same name already exists."""


class IllegalWorkerStateError(ConnectError):
    """An operation is not allowed in the worker's or connector's current state."""


__all__ = [
    "AlreadyExistsError",
    "ConfigError",
    "ConnectError",
    "DataError",
    "IllegalWorkerStateError",
    "NotFoundError",
    "RetriableError",
    "SchemaBuilderError",
    "SchemaProjectorError",
]
