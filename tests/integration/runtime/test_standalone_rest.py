"""A standalone worker driven over its REST API on the session broker: create, watch, pause, delete."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from distconnect.rest import RestServer
from distconnect.runtime.standalone import NO_EXTERNAL_TASK_CONFIGS, StandaloneHerder
from distconnect.runtime.topic_admin import lookup_kafka_cluster_id
from distconnect.runtime.worker_config import StandaloneConfig
from tests.integration.runtime.conftest import StandaloneFactory
from tests.support import consume_all, eventually

JSON = "org.apache.kafka.connect.json.JsonConverter"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> tuple[int, Any]:
    async with http.request(method, url, json=body) as response:
        text = await response.text()
        return response.status, (await response.json() if text else None)


async def test_file_source_created_paused_and_deleted_over_rest(
    standalone: StandaloneFactory,
    tmp_path: Path,
    topic: str,
    kafka_bootstrap: str,
    http: aiohttp.ClientSession,
) -> None:
    source = tmp_path / "in.txt"
    source.write_text("".join(f"line {i}\n" for i in range(200)))
    config = StandaloneConfig(
        {
            "bootstrap.servers": kafka_bootstrap,
            "key.converter": JSON,
            "value.converter": JSON,
            "offset.storage.file.filename": str(tmp_path / "unused"),
            "listeners": "http://127.0.0.1:0",
        }
    )
    cluster_id = await lookup_kafka_cluster_id(config.client_configs("admin"))
    herder: StandaloneHerder
    async with RestServer(config, kafka_cluster_id=cluster_id) as server, standalone() as herder:
        server.set_herder(herder)
        url = server.advertised_url

        status, root = await call(http, "GET", url)
        assert status == 200
        assert cluster_id is not None
        assert root["kafka_cluster_id"] == cluster_id

        connector = {"connector.class": "FileStreamSource", "file": str(source), "topic": topic}
        status, info = await call(http, "POST", f"{url}connectors", {"name": "rest-src", "config": connector})
        assert status == 201, info
        assert info == {
            "name": "rest-src",
            "config": {**connector, "name": "rest-src"},
            "tasks": [{"connector": "rest-src", "task": 0}],
            "type": "source",
        }

        async def state() -> Any:
            code, body = await call(http, "GET", f"{url}connectors/rest-src/status")
            assert code == 200, body
            return body

        async def running() -> bool:
            body = await state()
            return body["connector"]["state"] == "RUNNING" and [t["state"] for t in body["tasks"]] == [
                "RUNNING"
            ]

        await eventually(running, deadline_s=30, what="connector and task RUNNING")
        assert (await state())["connector"]["worker_id"] == herder.worker_id
        await consume_all(kafka_bootstrap, topic, 200)

        assert await call(http, "PUT", f"{url}connectors/rest-src/pause") == (202, None)

        async def paused() -> bool:
            body = await state()
            return body["connector"]["state"] == "PAUSED" and [t["state"] for t in body["tasks"]] == [
                "PAUSED"
            ]

        await eventually(paused, deadline_s=30, what="connector and task PAUSED")
        status, listing = await call(http, "GET", f"{url}connectors?expand=status")
        assert listing["rest-src"]["status"]["connector"]["state"] == "PAUSED"

        status, error = await call(http, "POST", f"{url}connectors/rest-src/tasks", [{"task": "0"}])
        assert (status, error) == (500, {"error_code": 500, "message": NO_EXTERNAL_TASK_CONFIGS})

        assert await call(http, "DELETE", f"{url}connectors/rest-src") == (204, None)
        assert await call(http, "GET", f"{url}connectors") == (200, [])
        status, error = await call(http, "GET", f"{url}connectors/rest-src/status")
        assert (status, error["message"]) == (404, "No status found for connector rest-src")


async def test_invalid_config_is_400_with_the_validation_errors(
    standalone: StandaloneFactory, kafka_bootstrap: str, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    config = StandaloneConfig(
        {
            "key.converter": JSON,
            "value.converter": JSON,
            "offset.storage.file.filename": str(tmp_path / "unused"),
            "listeners": "http://127.0.0.1:0",
        }
    )
    async with RestServer(config) as server, standalone() as herder:
        server.set_herder(herder)
        body = {"name": "bad", "config": {"connector.class": "FileStreamSource", "tasks.max": "zero"}}
        status, error = await call(http, "POST", f"{server.advertised_url}connectors", body)
        assert status == 400
        assert error["message"].startswith("Connector configuration is invalid and contains the following")
        assert error["message"].endswith("`/connector-plugins/{connectorType}/config/validate`")
        assert await call(http, "GET", f"{server.advertised_url}connectors") == (200, [])
