"""An in-process standalone worker on the session broker, plus polling helpers.

Multi-process behaviour (SIGKILL, restarts) is tested through the ``distconnect standalone``
command in separate processes; everything else runs the same herder in the test's event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from distconnect.runtime.offsets import FileOffsetStore
from distconnect.runtime.plugins import PluginRegistry
from distconnect.runtime.standalone import StandaloneHerder
from distconnect.runtime.states import MemoryStatusListener
from distconnect.runtime.worker import Worker
from distconnect.runtime.worker_config import StandaloneConfig
from distconnect.standalone_cmd import offset_codec

StandaloneFactory = Callable[..., Any]


@pytest.fixture
def standalone(kafka_bootstrap: str, tmp_path: Path) -> StandaloneFactory:
    """``async with standalone(extra_plugins=[...], **worker_props) as herder:`` runs a worker."""

    @asynccontextmanager
    async def run(
        extra_plugins: tuple[tuple[str, str, Any], ...] = (), **props: str
    ) -> AsyncIterator[StandaloneHerder]:
        settings = {
            "bootstrap.servers": kafka_bootstrap,
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "offset.storage.file.filename": str(tmp_path / "offsets.json"),
            "offset.flush.interval.ms": "500",
            **{k.replace("_", "."): v for k, v in props.items()},
        }
        registry = PluginRegistry(extra_plugins)
        status = MemoryStatusListener()
        offsets = FileOffsetStore(Path(settings["offset.storage.file.filename"]), offset_codec(registry))
        worker = Worker("test-worker", StandaloneConfig(settings), registry, offsets, status)
        async with StandaloneHerder(worker, status) as herder:
            yield herder

    return run
