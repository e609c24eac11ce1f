"""Offset keys and values render exactly as Apache's internal JSON converter renders them."""

from __future__ import annotations

from distconnect.api.records import FrozenMapping
from distconnect.runtime.offsets import OffsetCodec
from distconnect.runtime.plugins import PluginRegistry


def _codec() -> OffsetCodec:
    converter = PluginRegistry().new_converter("org.apache.kafka.connect.json.JsonConverter")
    converter.configure({"schemas.enable": "false"}, False)
    return OffsetCodec(converter)


def test_key_is_connector_and_partition_in_compact_json() -> None:
    assert _codec().encode_key("file-source", {"filename": "/tmp/in.txt"}) == (
        b'["file-source",{"filename":"/tmp/in.txt"}]'
    )


def test_key_bytes_do_not_depend_on_field_order() -> None:
    codec = _codec()
    assert codec.encode_key("c", {"b": 1, "a": 2}) == codec.encode_key("c", {"a": 2, "b": 1})


def test_round_trip_of_key_and_value() -> None:
    codec = _codec()
    key = codec.encode_key("c", {"id": 3})
    assert codec.decode_key(key) == ("c", FrozenMapping({"id": 3}))
    assert codec.decode_value(codec.encode_value({"seqno": 41})) == {"seqno": 41}
    assert codec.encode_value(None) is None
