"""The distributed herder's operations that any worker serves by itself: connector plugins, config
validation and log levels (Apache's ``ConnectorPluginsResource`` and ``LoggingResource`` call the
herder without forwarding).

A cluster-wide log level (KIP-976) is a ``logger-cluster-<namespace>`` record that the receiving
worker writes to the config topic itself, leader or not (Apache's
``DistributedHerder.setClusterLoggerLevel``); every worker, the writer included, applies it when
its config store reads it (:attr:`ConfigChanges.apply_logger_level
<distconnect.distributed.herder_state.ConfigChanges.apply_logger_level>`). A worker that starts
later ignores the records written before it finished starting, as Apache's does.

Concurrency: none of these take the herder's lock, so they answer during a rebalance too.
"""

from __future__ import annotations

from distconnect.runtime.herder_admin import AdminOperations
from distconnect.storage.config_store import ConfigStore


class LocalOperations(AdminOperations):
    """A mixin of :class:`~distconnect.distributed.herder.DistributedHerder`: everything
    :class:`AdminOperations` delegates to ``admin``, with the cluster scope written to the config
    topic. ``admin`` and ``configs`` are set by
    :class:`~distconnect.distributed.herder_core.HerderCore`."""

    configs: ConfigStore

    async def set_cluster_logger_level(self, namespace: str, level: str) -> None:
        await self.configs.put_logger_level(namespace, level)


__all__ = ["LocalOperations"]
