"""The three Kafka stores of a distributed worker, wired from its configuration as Java wires them.

``ConnectDistributed`` gives each store the worker's settings, the internal JSON converter and a
client id of ``<group.id>[-<client.id>]-configs`` / ``-offsets`` / ``-statuses``
(``ConnectUtils.clientIdBase``). Nothing is started here.
"""

from __future__ import annotations

from typing import NamedTuple

from distconnect.runtime.offsets import OffsetCodec
from distconnect.runtime.plugins import PluginRegistry
from distconnect.runtime.worker_config import DistributedConfig
from distconnect.storage.config_store import KafkaConfigStore
from distconnect.storage.offset_store import KafkaOffsetStore
from distconnect.storage.records import internal_converter
from distconnect.storage.status_store import KafkaStatusStore
from distconnect.storage.topics import internal_topic_specs


class KafkaStores(NamedTuple):
    config: KafkaConfigStore
    offsets: KafkaOffsetStore
    status: KafkaStatusStore


def client_id_base(config: DistributedConfig) -> str:
    """Java's ``ConnectUtils.clientIdBase``: ``<group.id>[-<client.id>]-``."""
    base = config.group_id or "connect"
    user = str(config.originals().get("client.id") or "").strip()
    return f"{base}-{user}-" if user else f"{base}-"


def kafka_stores(config: DistributedConfig, registry: PluginRegistry | None = None) -> KafkaStores:
    """Unstarted config, offset and status stores for ``config``'s internal topics."""
    registry = registry or PluginRegistry()
    settings = config.originals()
    base = client_id_base(config)
    config_spec, offsets_spec, status_spec = internal_topic_specs(config)
    value_converter = internal_converter(False, registry)
    return KafkaStores(
        config=KafkaConfigStore(config_spec, settings, value_converter, client_id=base + "configs"),
        offsets=KafkaOffsetStore(
            offsets_spec,
            settings,
            OffsetCodec(internal_converter(True, registry)),
            client_id=base + "offsets",
        ),
        status=KafkaStatusStore(status_spec, settings, value_converter, client_id=base + "statuses"),
    )
