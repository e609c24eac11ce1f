"""Plugins that sit between connectors and Kafka: converters, header converters, transformations
and predicates.

Threading and I/O: every method here except the ``async`` ones is called on the worker's event
loop, once per record (or per header) inside a batch, and must neither block nor do I/O, or it
stalls every task on the worker. A converter that needs remote state (a schema registry) fetches
or registers it in ``prepare_from_connect`` / ``prepare_to_connect``, which the runtime awaits
once per batch before the per-record calls. ``configure`` and ``config`` are called once, before
the plugin is used, and may be slow but should not block on the network either.

Errors: a per-record method raises :class:`~distconnect.api.errors.DataError` for data it cannot
handle, and :class:`~distconnect.api.errors.RetriableError` for a transient failure (the runtime
backs off and retries the batch). What happens to a record that keeps failing follows the
connector's ``errors.tolerance`` setting: fail the task (the default), or skip the record and
report it to the dead letter queue.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from distconnect.api.config import ConfigDef
from distconnect.api.data import Schema, SchemaAndValue
from distconnect.api.headers import Headers
from distconnect.api.records import ConnectRecord

R = TypeVar("R", bound=ConnectRecord)


class Converter(ABC):
    """Translates keys or values between Connect data (schema + value) and Kafka bytes.

    Each task gets its own instances, one configured for keys and one for values (``is_key`` in
    :meth:`configure`), so an instance is never used by two tasks at once.
    """

    @abstractmethod
    def configure(self, configs: Mapping[str, Any], is_key: bool) -> None:
        """Receive the converter's settings (prefix already stripped) once, before first use."""

    @abstractmethod
    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        """Serialise one key or value on its way to ``topic``. ``None`` means a Kafka null.

        A converter may add or read ``headers`` (the record's own, which it may mutate).
        """

    @abstractmethod
    def to_connect_data(
        self, topic: str, value: bytes | None, headers: Headers | None = None
    ) -> SchemaAndValue:
        """Deserialise one key or value read from ``topic``; a Kafka null is ``value=None``."""

    def config(self) -> ConfigDef:
        """The settings :meth:`configure` understands. Default: none."""
        return ConfigDef()

    async def prepare_from_connect(  # noqa: B027  (an optional hook: the default does nothing)
        self, topic: str, schemas: Sequence[Schema | None]
    ) -> None:
        """Make the remote state the next batch needs available before it is serialised.

        Awaited on the event loop before every batch bound for ``topic``, with the schemas of its
        records (duplicates possible). A registry-backed converter registers or looks up schema ids
        here, so :meth:`from_connect_data` only reads its cache. Default: nothing.
        """

    async def prepare_to_connect(  # noqa: B027  (an optional hook)
        self, topic: str, values: Sequence[bytes | None]
    ) -> None:
        """Like :meth:`prepare_from_connect` for a batch of raw values read from ``topic``."""

    async def aclose(self) -> None:  # noqa: B027  (an optional hook)
        """Release resources (sessions, caches). Awaited once when the owning task stops."""


class HeaderConverter(ABC):
    """Translates individual header values between Connect data and bytes."""

    @abstractmethod
    def configure(self, configs: Mapping[str, Any]) -> None:
        """Receive the converter's settings once, before first use."""

    @abstractmethod
    def from_connect_header(self, topic: str, key: str, schema: Schema | None, value: Any) -> bytes | None:
        """Serialise the value of header ``key`` of a record bound for ``topic``."""

    @abstractmethod
    def to_connect_header(self, topic: str, key: str, value: bytes | None) -> SchemaAndValue:
        """Deserialise the raw value of header ``key`` of a record read from ``topic``."""

    @abstractmethod
    def config(self) -> ConfigDef:
        """The settings :meth:`configure` understands."""

    async def aclose(self) -> None:  # noqa: B027  (an optional hook)
        """Release resources. Awaited once when the owning task stops. Default: nothing."""


class Transformation(ABC, Generic[R]):
    """A single-message transform: changes, replaces or drops one record at a time.

    Transformations are pure and synchronous; they run in the task's chain in configuration order.
    A transformation must not mutate the record it is given: return ``record.new_record(...)``.
    """

    @abstractmethod
    def configure(self, configs: Mapping[str, Any]) -> None:
        """Receive the transformation's settings (prefix already stripped) once, before first use."""

    @abstractmethod
    def apply(self, record: R) -> R | None:
        """Return the transformed record, the same record if unchanged, or ``None`` to drop it."""

    @abstractmethod
    def config(self) -> ConfigDef:
        """The settings :meth:`configure` understands (also used to validate and document them)."""

    def close(self) -> None:
        """Release resources when the owning task stops. Default: nothing."""


class Predicate(ABC, Generic[R]):
    """A condition that decides whether a transformation applies to a record."""

    @abstractmethod
    def configure(self, configs: Mapping[str, Any]) -> None:
        """Receive the predicate's settings once, before first use."""

    @abstractmethod
    def test(self, record: R) -> bool:
        """Whether the record matches. Must not mutate it."""

    @abstractmethod
    def config(self) -> ConfigDef:
        """The settings :meth:`configure` understands."""

    def close(self) -> None:
        """Release resources when the owning task stops. Default: nothing."""


__all__ = ["Converter", "HeaderConverter", "Predicate", "Transformation"]
