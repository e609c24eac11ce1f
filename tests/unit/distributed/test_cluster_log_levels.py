"""Cluster-wide log levels (KIP-976) without Kafka: the ``logger-cluster-<namespace>`` record any
worker writes, and every started worker applying it through the herder's change listener."""

from __future__ import annotations

import logging

import orjson

from distconnect.distributed.herder_state import ConfigChanges
from distconnect.runtime.herder_admin import HerderAdmin
from distconnect.runtime.loggers import Loggers
from distconnect.runtime.plugins import PluginRegistry
from distconnect.storage.config_store import MemoryConfigLog, MemoryConfigStore


def worker(log: MemoryConfigLog) -> tuple[MemoryConfigStore, logging.Manager]:
    """A worker's config store whose changes go to a herder-style listener applying levels to a
    logger hierarchy of its own."""
    manager = logging.Manager(logging.RootLogger(logging.INFO))
    admin = HerderAdmin(PluginRegistry(include_installed=False), loggers=Loggers(manager))
    store = MemoryConfigStore(log)
    store.set_listener(ConfigChanges(lambda: None, apply_logger_level=admin.set_worker_logger_level))
    return store, manager


async def test_the_record_is_apaches_key_and_value() -> None:
    log = MemoryConfigLog()
    store = MemoryConfigStore(log)
    await store.start()
    await store.put_logger_level("org.apache.kafka.connect", "DEBUG")
    assert log.records == [("logger-cluster-org.apache.kafka.connect", b'{"level":"DEBUG"}')]
    assert orjson.loads(log.records[0][1]) == {"level": "DEBUG"}


async def test_every_started_worker_applies_it_the_writer_too() -> None:
    log = MemoryConfigLog()
    workers = [worker(log) for _ in range(3)]
    for store, _ in workers:
        await store.start()
    writer = workers[1][0]
    await writer.put_logger_level("distconnect", "debug")
    for store, _ in workers:
        await store.refresh()
    for _, manager in workers:
        assert manager.getLogger("distconnect").level == logging.DEBUG


async def test_records_from_before_start_up_are_history() -> None:
    log = MemoryConfigLog()
    first, _ = worker(log)
    await first.start()
    await first.put_logger_level("distconnect", "ERROR")
    late, manager = worker(log)
    await late.start()
    assert "distconnect" not in manager.loggerDict
    await first.put_logger_level("distconnect.rest", "TRACE")
    await late.refresh()
    assert manager.getLogger("distconnect.rest").level == 5
    assert "distconnect" in manager.loggerDict  # created as the parent, but never given a level
    assert manager.getLogger("distconnect").level == logging.NOTSET


async def test_an_invalid_level_from_another_worker_is_ignored() -> None:
    log = MemoryConfigLog()
    store, manager = worker(log)
    await store.start()
    await store.put_logger_level("distconnect", "LOUDEST")
    await store.refresh()
    assert "distconnect" not in manager.loggerDict
