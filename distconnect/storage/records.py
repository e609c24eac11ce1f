"""What the record codecs of the internal topics share: the internal converter and tolerant readers.

Apache Kafka Connect writes the values of all three internal topics (and the offsets topic's keys)
with its *internal converter*: a ``JsonConverter`` configured with ``schemas.enable=false``
(``Worker``'s constructor and ``ConnectDistributed``). A Connect ``Struct`` therefore becomes a bare
JSON object with its fields in schema order, optional fields present as ``null``, and no
``{"schema", "payload"}`` envelope. Reading is schemaless: integers come back as int64, objects
as maps. The readers here accept anything Java would and ignore fields they do not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from distconnect.api.errors import DataError
from distconnect.api.plugins import Converter
from distconnect.runtime.plugins import PluginRegistry
from distconnect.runtime.states import TaskId

JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"
#: ``ConnectDistributed``/``Worker`` configure the internal converter with exactly this.
INTERNAL_CONVERTER_CONFIG: Mapping[str, str] = {"schemas.enable": "false"}


def internal_converter(is_key: bool = False, registry: PluginRegistry | None = None) -> Converter:
    """A JsonConverter configured as Java's internal key (``is_key``) or value converter."""
    converter = (registry or PluginRegistry()).new_converter(JSON_CONVERTER)
    converter.configure(dict(INTERNAL_CONVERTER_CONFIG), is_key)
    return converter


def decode_map(converter: Converter, topic: str, data: bytes) -> dict[str, Any]:
    """The JSON object in ``data``; :class:`DataError` if it is not valid JSON or not an object."""
    value = converter.to_connect_data(topic, data).value
    if not isinstance(value, dict):
        raise DataError(f"expected a JSON object but found {type(value).__name__}: {data[:200]!r}")
    return value


def int_value(value: Any) -> int | None:
    """A JSON integer as Java's ``intValue`` accepts it (Integer or Long), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def string_properties(value: Any) -> dict[str, str | None] | None:
    """A ``properties`` map: string keys, string or null values. None if it is not a map.

    Java casts the map unchecked; a non-string scalar (written by some other tool) is kept as its
    JSON text rather than failing later.
    """
    if not isinstance(value, dict):
        return None
    out: dict[str, str | None] = {}
    for key, item in value.items():
        if item is None or isinstance(item, str):
            out[str(key)] = item
        elif isinstance(item, bool):
            out[str(key)] = "true" if item else "false"
        else:
            out[str(key)] = str(item)
    return out


def _java_int(text: str) -> int | None:
    """``Integer.parseInt`` on ASCII digits with an optional sign; None if it would throw."""
    digits = text[1:] if text[:1] in "+-" and len(text) > 1 else text
    if not (digits.isascii() and digits.isdigit()):
        return None
    number = int(text)
    return number if -(2**31) <= number < 2**31 else None


def parse_task_key(key: str, prefix_parts: int) -> TaskId | None:
    """Java's task-key parsing: split on ``-``; the last part is the task number and the parts
    after the first ``prefix_parts`` ones, re-joined with ``-``, are the connector name.

    ``task-<name>-<n>`` has 1 prefix part, ``status-task-<name>-<n>`` 2. Java's ``split`` drops
    trailing empty strings, so they are dropped here too.
    """
    parts = key.split("-")
    while parts and parts[-1] == "":
        parts.pop()
    if len(parts) < prefix_parts + 2:
        return None
    task = _java_int(parts[-1])
    if task is None:
        return None
    return TaskId("-".join(parts[prefix_parts:-1]), task)
