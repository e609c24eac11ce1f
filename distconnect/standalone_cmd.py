"""``distconnect standalone worker.properties connector1.properties …``.

The ``connect-standalone`` equivalent: one worker, connector configs from ``.properties`` files,
source offsets in ``offset.storage.file.filename``, and the REST API on ``listeners`` (as Apache's
standalone worker serves it). Runs until SIGTERM or SIGINT, then stops the REST server, then every
task gracefully (committing offsets), and exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

from prometheus_client import CollectorRegistry

from distconnect import __version__
from distconnect.api.errors import ConnectError
from distconnect.metrics import register_worker
from distconnect.rest import RestServer
from distconnect.runtime.auto_restart import AutoRestarter
from distconnect.runtime.offsets import FileOffsetStore, OffsetCodec
from distconnect.runtime.plugins import PluginRegistry
from distconnect.runtime.properties import load_properties
from distconnect.runtime.standalone import StandaloneHerder
from distconnect.runtime.states import MemoryStatusListener
from distconnect.runtime.topic_admin import lookup_kafka_cluster_id
from distconnect.runtime.worker import Worker
from distconnect.runtime.worker_config import StandaloneConfig

log = logging.getLogger("distconnect.standalone")

#: Apache's internal converter for offsets: JSON without the schema envelope.
INTERNAL_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"


def offset_codec(registry: PluginRegistry) -> OffsetCodec:
    """Offsets are rendered by Apache's internal converter: JSON without the schema envelope."""
    converter = registry.new_converter(INTERNAL_CONVERTER)
    converter.configure({"schemas.enable": "false"}, False)
    return OffsetCodec(converter)


async def run_standalone(
    worker_file: Path, connector_files: list[Path], stop: asyncio.Event | None = None
) -> int:
    config = StandaloneConfig(load_properties(worker_file))
    registry = PluginRegistry()
    codec = offset_codec(registry)
    offsets_path = Path(config.get_string("offset.storage.file.filename") or "")
    status = MemoryStatusListener()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    cluster_id = await lookup_kafka_cluster_id(config.client_configs("admin"))
    # The REST server binds first: the worker id is its advertised host:port, as in Apache.
    metrics = CollectorRegistry()
    async with RestServer(config, kafka_cluster_id=cluster_id, version=__version__, metrics=metrics) as rest:
        worker = Worker(rest.worker_id, config, registry, FileOffsetStore(offsets_path, codec), status)
        herder = StandaloneHerder(worker, status)
        restarter = AutoRestarter.from_config(config, herder, worker, status)
        register_worker(metrics, worker, status, restarter)
        await herder.start()
        try:
            await restarter.start()
            rest.set_herder(herder)
            for path in connector_files:
                props = load_properties(path)
                name = props.get("name")
                if not name:
                    raise ConnectError(f"{path}: the connector config has no 'name'")
                await herder.put_connector_config(name, props, allow_replace=False)
                log.info("created connector %s from %s", name, path)
            await stop.wait()
            log.info("stopping: shutting down tasks and committing offsets")
        finally:
            # REST first, so no request reaches a herder that is stopping (Apache's Connect.stop).
            await rest.stop()
            await restarter.stop()
            await herder.stop()
    return 0
