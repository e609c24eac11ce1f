"""``distconnect worker worker.properties``: a distributed worker (``connect-distributed``).

Start-up order matters: the REST server binds first, because the worker's advertised URL is its
identity in the group (worker id in statuses, leader URL for forwarding); then the herder starts
its stores, worker and group member and joins; only then does REST reach the herder. On SIGTERM
or SIGINT the REST server stops taking requests, the herder stops every task (committing
offsets), leaves the group unless ``group.instance.id`` is set, and the process exits 0. A herder
that crashes makes the process exit 1, so a supervisor (Kubernetes) restarts it.

``--override KEY=VALUE`` (repeatable) sets a worker property on top of the file, so per-instance
values (a Kubernetes pod's ``group.instance.id`` and ``rest.advertised.host.name``) can come from
the command line while every pod shares one properties file.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

from prometheus_client import CollectorRegistry

from distconnect.api.errors import ConfigError
from distconnect.distributed.herder import DistributedHerder
from distconnect.metrics import register_worker
from distconnect.rest.server import RestServer
from distconnect.runtime.auto_restart import AutoRestarter
from distconnect.runtime.plugins import PluginRegistry
from distconnect.runtime.properties import load_properties
from distconnect.runtime.rest_client import RestClient
from distconnect.runtime.tls import client_context
from distconnect.runtime.topic_admin import lookup_kafka_cluster_id
from distconnect.runtime.worker import Worker
from distconnect.runtime.worker_config import DistributedConfig
from distconnect.storage.factory import kafka_stores

log = logging.getLogger("distconnect.worker")


def parse_overrides(items: Sequence[str]) -> dict[str, str]:
    """``KEY=VALUE`` strings (``--override``) as a dict; a later duplicate key wins, as in a file.

    Only the first ``=`` splits, so values may contain ``=``; ``key=`` sets the empty string, as
    in a properties file. Secrets do not belong here (process arguments are visible to anyone on
    the host): use config providers (``${file:...}``, ``${env:...}``) instead.
    """
    overrides: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError("--override", item, "expected KEY=VALUE, e.g. group.instance.id=worker-0")
        overrides[key.strip()] = value
    return overrides


async def run_distributed(
    worker_file: Path,
    stop: asyncio.Event | None = None,
    overrides: Mapping[str, str] | None = None,
) -> int:
    registry = PluginRegistry()
    properties = {**load_properties(worker_file), **(overrides or {})}
    config = DistributedConfig(properties, registry=registry)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    cluster_id = await lookup_kafka_cluster_id(config.client_configs("admin"))
    # Forwarded requests and task configs reach https:// peers with the worker's ssl.* settings.
    async with RestClient(ssl_context=lambda: client_context(config)) as client:
        metrics = CollectorRegistry()
        server = RestServer(config, client=client, kafka_cluster_id=cluster_id, metrics=metrics)
        await server.start()
        stores = kafka_stores(config, registry)
        worker = Worker(server.worker_id, config, registry, stores.offsets, stores.status)

        async def send_task_configs(
            leader_url: str, connector: str, body: bytes, headers: Mapping[str, str]
        ) -> None:
            url = f"{leader_url.rstrip('/')}/connectors/{quote(connector, safe='')}/tasks"
            await client.request("POST", url, body, headers)

        herder = DistributedHerder(
            config,
            worker,
            stores.config,
            stores.status,
            server.advertised_url,
            send_task_configs=send_task_configs,
        )
        restarter = AutoRestarter.from_config(config, herder, worker, stores.status)
        register_worker(metrics, worker, stores.status, restarter)
        try:
            await herder.start()
            await restarter.start()
            server.set_herder(herder)
            log.info(
                "Worker %s started: REST at %s, group %s",
                server.worker_id,
                server.advertised_url,
                config.group_id,
            )
            stopped = asyncio.ensure_future(stop.wait())
            crashed = asyncio.ensure_future(herder.wait_crashed())
            await asyncio.wait({stopped, crashed}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            crashed.cancel()
            if herder.crash_reason is not None:
                log.error("The herder failed; stopping the worker: %s", herder.crash_reason)
                return 1
            log.info("Stopping: shutting down tasks, committing offsets and leaving the group")
            return 0
        finally:
            await server.stop()
            await restarter.stop()
            await herder.stop()
