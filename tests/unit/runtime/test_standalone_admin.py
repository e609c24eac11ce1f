"""The standalone herder's plugin, validation and log-level operations: served from the worker's
own plugins, and the cluster scope is this worker (as Apache's standalone herder). Nothing here
needs the herder started or a broker."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from distconnect.runtime.herder_admin import HerderAdmin
from distconnect.runtime.loggers import Loggers
from distconnect.runtime.offsets import FileOffsetStore
from distconnect.runtime.plugins import PluginRegistry
from distconnect.runtime.standalone import StandaloneHerder
from distconnect.runtime.states import MemoryStatusListener
from distconnect.runtime.worker import Worker
from distconnect.runtime.worker_config import StandaloneConfig
from distconnect.standalone_cmd import offset_codec


@pytest.fixture
def herder(tmp_path: Path) -> StandaloneHerder:
    settings = {
        "bootstrap.servers": "127.0.0.1:1",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "offset.storage.file.filename": str(tmp_path / "offsets.json"),
    }
    registry = PluginRegistry()
    status = MemoryStatusListener()
    offsets = FileOffsetStore(tmp_path / "offsets.json", offset_codec(registry))
    worker = Worker("w:8083", StandaloneConfig(settings), registry, offsets, status)
    herder = StandaloneHerder(worker, status)
    assert herder.admin.registry is registry
    # Keep the test's hands off the process's logging.
    herder.admin = HerderAdmin(registry, loggers=Loggers(logging.Manager(logging.RootLogger(logging.INFO))))
    return herder


async def test_cluster_scope_is_this_worker(herder: StandaloneHerder) -> None:
    await herder.set_cluster_logger_level("distconnect", "DEBUG")
    level = await herder.logger_level("distconnect")
    assert level is not None
    assert level.level == "DEBUG"
    assert list(await herder.all_logger_levels()) == ["distconnect", "root"]
    assert await herder.set_worker_logger_level("distconnect", "INFO") == ["distconnect"]


async def test_plugins_and_validation_come_from_the_workers_registry(herder: StandaloneHerder) -> None:
    classes = {p.class_name for p in await herder.connector_plugins()}
    assert "distconnect.connectors.file.FileStreamSinkConnector" in classes
    keys = await herder.connector_plugin_config("FileStreamSink")
    assert keys[0]["name"] == "file"
    infos = await herder.validate_connector_config({"connector.class": "FileStreamSink", "name": "s"})
    assert infos["name"] == "FileStreamSink"
    errors = {c["value"]["name"]: c["value"]["errors"] for c in infos["configs"] if c["value"]["errors"]}
    assert "topics" in errors  # a sink needs topics or topics.regex
