"""Connector offsets as the REST API shows and takes them (KIP-875), parsed as Apache does.

Pure functions, no I/O. The body of ``PATCH /connectors/{name}/offsets`` is Apache's
``ConnectorOffsets``: ``{"offsets": [{"partition": {...}, "offset": {...} | null}, ...]}``.

* :func:`parse_offsets_request` checks the body's shape (Apache's resource: ``Partitions /
  offsets need to be provided for an alter offsets request`` when ``offsets`` is missing, null or
  empty; a later entry for the same partition wins, as ``ConnectorOffsets.toMap`` does).
* :func:`parse_sink_offsets` turns sink entries into topic partitions and offsets with the
  messages of Apache's ``SinkUtils.parseSinkConnectorOffsets``; ``"10"`` and ``10`` are both
  accepted, as in Java.
* :func:`check_source_offsets` applies ``OffsetUtils.validateFormat`` (primitive values only).

Every client mistake is a :class:`ConnectRestError` 400 whose message names the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from distconnect.api.records import FrozenMapping, TopicPartition
from distconnect.runtime.herder import ConnectRestError

KAFKA_TOPIC_KEY = "kafka_topic"
KAFKA_PARTITION_KEY = "kafka_partition"
KAFKA_OFFSET_KEY = "kafka_offset"

NO_OFFSETS = "Partitions / offsets need to be provided for an alter offsets request"
_JAVA_INT = re.compile(r"[+-]?[0-9]+")
_INT_MAX, _LONG_MAX = 2**31 - 1, 2**63 - 1


@dataclass(frozen=True)
class ConnectorOffset:
    """One ``{"partition", "offset"}`` entry; ``offset`` None resets that partition."""

    partition: Mapping[str, Any] | None
    offset: Mapping[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {"partition": _plain(self.partition), "offset": _plain(self.offset)}


def _plain(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else dict(value)


def offsets_json(offsets: Sequence[ConnectorOffset]) -> dict[str, Any]:
    """The body of ``GET /connectors/{name}/offsets``."""
    return {"offsets": [o.to_json() for o in offsets]}


def sink_group_id(connector: str, connector_config: Mapping[str, str]) -> str:
    """A sink connector's consumer group: ``connect-<name>`` unless ``consumer.override.group.id``
    sets another (Apache applies connector client overrides after the default)."""
    return connector_config.get("consumer.override.group.id") or f"connect-{connector}"


def sink_offsets(committed: Mapping[TopicPartition, int]) -> list[ConnectorOffset]:
    """A consumer group's committed offsets as Apache's ``consumerGroupOffsetsToConnectorOffsets``
    shows them (sorted here, so the answer is stable)."""
    return [
        ConnectorOffset(
            {KAFKA_TOPIC_KEY: tp.topic, KAFKA_PARTITION_KEY: tp.partition}, {KAFKA_OFFSET_KEY: offset}
        )
        for tp, offset in sorted(committed.items(), key=lambda item: (item[0].topic, item[0].partition))
    ]


def modified_message(connector_confirmed: bool, reset: bool) -> str:
    """Apache's ``completeModifyOffsetsCallback`` message."""
    kind = "reset" if reset else "altered"
    if connector_confirmed:
        return f"The offsets for this connector have been {kind} successfully"
    return (
        f"The Connect framework-managed offsets for this connector have been {kind} successfully. "
        "However, if this connector manages offsets externally, they will need to be manually "
        f"{kind} in the system that the connector uses."
    )


def _bad(message: str) -> ConnectRestError:
    return ConnectRestError(400, message)


def parse_offsets_request(body: Any) -> list[ConnectorOffset]:
    """The entries of an alter request, one per partition (the last one for a repeated partition)."""
    if body is None:
        raise _bad(NO_OFFSETS)
    if not isinstance(body, dict):
        raise _bad(f"The request body must be a JSON object with an 'offsets' array, not {_kind(body)}")
    entries = body.get("offsets")
    if entries is None or entries == []:
        raise _bad(NO_OFFSETS)
    if not isinstance(entries, list):
        raise _bad(
            f'\'offsets\' must be a JSON array of {{"partition", "offset"}} objects, not {_kind(entries)}'
        )
    found: dict[Any, ConnectorOffset] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise _bad(
                f"offsets[{index}] must be a JSON object with 'partition' and 'offset', not {_kind(entry)}"
            )
        partition, offset = entry.get("partition"), entry.get("offset")
        for name, value in (("partition", partition), ("offset", offset)):
            if value is not None and not isinstance(value, dict):
                raise _bad(
                    f"The '{name}' of offsets[{index}] must be a JSON object or null, not {_kind(value)}"
                )
        key = None if partition is None else FrozenMapping(partition)
        found.pop(key, None)  # a later entry wins, and takes the later place
        found[key] = ConnectorOffset(partition, offset)
    return list(found.values())


def parse_sink_offsets(entries: Sequence[ConnectorOffset]) -> dict[TopicPartition, int | None]:
    """Apache's ``SinkUtils.parseSinkConnectorOffsets`` (messages included)."""
    parsed: dict[TopicPartition, int | None] = {}
    for entry in entries:
        partition = entry.partition
        if partition is None:
            raise _bad("The partition for a sink connector offset cannot be null or missing")
        if KAFKA_TOPIC_KEY not in partition or KAFKA_PARTITION_KEY not in partition:
            raise _bad(
                f"The partition for a sink connector offset must contain the keys "
                f"'{KAFKA_TOPIC_KEY}' and '{KAFKA_PARTITION_KEY}'"
            )
        if partition[KAFKA_TOPIC_KEY] is None:
            raise _bad("Kafka topic names must be valid strings and may not be null")
        if partition[KAFKA_PARTITION_KEY] is None:
            raise _bad("Kafka partitions must be valid numbers and may not be null")
        topic = _java_text(partition[KAFKA_TOPIC_KEY])
        raw_partition = partition[KAFKA_PARTITION_KEY]
        number = _java_integer(raw_partition, _INT_MAX)
        if number is None:
            raise _bad(
                f"Failed to parse the following Kafka partition value in the provided offsets: "
                f"'{_java_text(raw_partition)}'. Partition values for sink connectors need to be integers."
            )
        if number < 0:
            raise _bad(f"Kafka partitions must not be negative: '{KAFKA_PARTITION_KEY}' is {number}")
        tp = TopicPartition(topic, number)
        if entry.offset is None:
            parsed[tp] = None
            continue
        if KAFKA_OFFSET_KEY not in entry.offset:
            raise _bad(
                "The offset for a sink connector should either be null or contain "
                f"the key '{KAFKA_OFFSET_KEY}'"
            )
        raw_offset = entry.offset[KAFKA_OFFSET_KEY]
        offset = _java_integer(raw_offset, _LONG_MAX)
        if offset is None:
            raise _bad(
                f"Failed to parse the following Kafka offset value in the provided offsets: "
                f"'{_java_text(raw_offset)}'. Offset values for sink connectors need to be integers."
            )
        if offset < 0:
            raise _bad(
                f"Invalid negative offset: '{KAFKA_OFFSET_KEY}' of {tp.topic}-{tp.partition} is {offset}"
            )
        parsed[tp] = offset
    return parsed


def check_source_offsets(entries: Sequence[ConnectorOffset]) -> dict[FrozenMapping, dict[str, Any] | None]:
    """Apache's ``OffsetUtils.validateFormat`` on every partition and offset; the entries by partition."""
    checked: dict[FrozenMapping, dict[str, Any] | None] = {}
    for entry in entries:
        if entry.partition is None:
            raise _bad("The partition for a source connector offset cannot be null or missing")
        _check_primitive_values(entry.partition)
        if entry.offset is not None:
            _check_primitive_values(entry.offset)
        checked[FrozenMapping(entry.partition)] = None if entry.offset is None else dict(entry.offset)
    return checked


def _check_primitive_values(data: Mapping[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, dict | list):
            kind = "MAP" if isinstance(value, dict) else "ARRAY"
            raise _bad(f"Offsets may only contain primitive types as values, but field {key} contains {kind}")


def _java_integer(value: Any, maximum: int) -> int | None:
    """``Long.parseLong(String.valueOf(value))`` (or ``Integer``): None if Java would throw."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _JAVA_INT.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if -maximum - 1 <= number <= maximum else None


def _java_text(value: Any) -> str:
    """``String.valueOf`` of a JSON value, near enough for messages and topic names."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    return "null" if value is None else names.get(type(value), "a number")


__all__ = [
    "KAFKA_OFFSET_KEY",
    "KAFKA_PARTITION_KEY",
    "KAFKA_TOPIC_KEY",
    "NO_OFFSETS",
    "ConnectorOffset",
    "check_source_offsets",
    "modified_message",
    "offsets_json",
    "parse_offsets_request",
    "parse_sink_offsets",
    "sink_group_id",
    "sink_offsets",
]
