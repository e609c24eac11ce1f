"""The runtime's one boundary with aiokafka: client settings in, Connect errors out.

Workers are configured with Java client names (``producer.linger.ms``, ``consumer.max.poll.records``,
``security.protocol`` …) because users copy them from Apache Kafka Connect. :func:`producer_kwargs`
and :func:`consumer_kwargs` translate the ones aiokafka understands and log the rest once, so a
setting is never silently dropped. :func:`kafka_errors` turns aiokafka's exceptions into
:class:`RetriableError` / :class:`ConnectError` so nothing above this module imports aiokafka errors.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from aiokafka.errors import KafkaError

from distconnect.api.errors import ConnectError, RetriableError

log = logging.getLogger(__name__)

Parser = Callable[[str], Any]


def _bool(text: str) -> bool:
    return str(text).strip().lower() == "true"


def _list(text: str) -> list[str]:
    return [part.strip() for part in str(text).split(",") if part.strip()]


def _acks(text: str) -> Any:
    text = str(text).strip()
    return "all" if text in ("all", "-1") else int(text)


_COMMON: dict[str, tuple[str, Parser]] = {
    "bootstrap.servers": ("bootstrap_servers", _list),
    "client.id": ("client_id", str),
    "request.timeout.ms": ("request_timeout_ms", int),
    "metadata.max.age.ms": ("metadata_max_age_ms", int),
    "retry.backoff.ms": ("retry_backoff_ms", int),
    "connections.max.idle.ms": ("connections_max_idle_ms", int),
    "security.protocol": ("security_protocol", str),
    "sasl.mechanism": ("sasl_mechanism", str),
    "sasl.kerberos.service.name": ("sasl_kerberos_service_name", str),
}

_PRODUCER: dict[str, tuple[str, Parser]] = {
    **_COMMON,
    "acks": ("acks", _acks),
    "linger.ms": ("linger_ms", int),
    "batch.size": ("max_batch_size", int),
    "max.request.size": ("max_request_size", int),
    "compression.type": ("compression_type", lambda v: None if v == "none" else v),
    "enable.idempotence": ("enable_idempotence", _bool),
    "transactional.id": ("transactional_id", str),
    "transaction.timeout.ms": ("transaction_timeout_ms", int),
    "partitioner.class": ("partitioner_class_name_ignored", str),
}

_CONSUMER: dict[str, tuple[str, Parser]] = {
    **_COMMON,
    "group.id": ("group_id", str),
    "group.instance.id": ("group_instance_id", str),
    "auto.offset.reset": ("auto_offset_reset", str),
    "enable.auto.commit": ("enable_auto_commit", _bool),
    "fetch.max.wait.ms": ("fetch_max_wait_ms", int),
    "fetch.min.bytes": ("fetch_min_bytes", int),
    "fetch.max.bytes": ("fetch_max_bytes", int),
    "max.partition.fetch.bytes": ("max_partition_fetch_bytes", int),
    "max.poll.records": ("max_poll_records", int),
    "max.poll.interval.ms": ("max_poll_interval_ms", int),
    "session.timeout.ms": ("session_timeout_ms", int),
    "heartbeat.interval.ms": ("heartbeat_interval_ms", int),
    "isolation.level": ("isolation_level", str),
    "check.crcs": ("check_crcs", _bool),
}

# Settings whose meaning aiokafka covers differently or that do not apply; accepted without a warning.
_IGNORED = {
    "key.serializer",
    "value.serializer",
    "key.deserializer",
    "value.deserializer",
    "buffer.memory",
    "max.in.flight.requests.per.connection",
    "delivery.timeout.ms",
    "retries",
    "partitioner.class",
    "auto.commit.interval.ms",
    "client.dns.lookup",
}
_warned: set[str] = set()


def _translate(
    settings: Mapping[str, Any], table: Mapping[str, tuple[str, Parser]], role: str
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for key, value in settings.items():
        if value is None:
            continue
        if key in table:
            name, parse = table[key]
            if name.endswith("_ignored"):
                continue
            kwargs[name] = parse(value) if isinstance(value, str) else value
        elif key.startswith(("sasl.jaas", "ssl.")) or key == "sasl.jaas.config":
            _warn_once(
                f"{role}:{key}",
                "%s setting %s is not applied: configure TLS/SASL through "
                "security.protocol and the worker's ssl.* settings",
                role,
                key,
            )
        elif key not in _IGNORED:
            _warn_once(
                f"{role}:{key}",
                "%s setting %s is not supported by the Python client and is ignored",
                role,
                key,
            )
    return kwargs


def _warn_once(token: str, message: str, *args: Any) -> None:
    if token not in _warned:
        _warned.add(token)
        log.warning(message, *args)


def producer_kwargs(settings: Mapping[str, Any]) -> dict[str, Any]:
    """aiokafka ``AIOKafkaProducer`` keyword arguments for Java-named producer settings."""
    return _translate(settings, _PRODUCER, "producer")


def consumer_kwargs(settings: Mapping[str, Any]) -> dict[str, Any]:
    """aiokafka ``AIOKafkaConsumer`` keyword arguments for Java-named consumer settings."""
    return _translate(settings, _CONSUMER, "consumer")


def admin_kwargs(settings: Mapping[str, Any]) -> dict[str, Any]:
    return _translate({k: v for k, v in settings.items() if k in _COMMON}, _COMMON, "admin")


def translate_kafka_error(error: BaseException, doing: str) -> ConnectError:
    """A Connect error for an aiokafka (or socket) failure while ``doing`` something."""
    if isinstance(error, ConnectError):
        return error
    if isinstance(error, KafkaError):
        cls = RetriableError if getattr(error, "retriable", False) else ConnectError
        return cls(f"{doing} failed: {type(error).__name__}: {error}")
    if isinstance(error, OSError | TimeoutError):
        return RetriableError(f"{doing} failed: {type(error).__name__}: {error}")
    return ConnectError(f"{doing} failed: {type(error).__name__}: {error}")


@contextlib.contextmanager
def kafka_errors(doing: str) -> Iterator[None]:
    """Translate aiokafka errors raised inside the block (the cause stays chained)."""
    try:
        yield
    except (KafkaError, OSError, TimeoutError) as err:
        raise translate_kafka_error(err, doing) from err
