"""Every public endpoint on a real 3-worker cluster, each write sent to a worker that is not the
leader (so forwarding is on the path), each answer's status and shape asserted.

The tour records which operations it called; the last test compares that with the operations
``/openapi.json`` lists, so an endpoint added without being exercised here fails the module.
Deeper behaviour of each group of endpoints is in the neighbouring modules (plugins, offsets,
security, lifecycle); this one proves the whole surface works through forwarding.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from distconnect.local.cluster import LocalCluster, WorkerProcess
from tests.integration.cluster.cluster_support import (
    a_follower,
    three_workers,
)
from tests.support import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio(loop_scope="module")]

NAME = "tour-source"
CALLED: set[tuple[str, str]] = set()
#: Concrete path segments → the spec's templates, for the coverage check.
_TEMPLATES = (
    (re.compile(rf"^/connectors/{NAME}/tasks/0/"), "/connectors/{name}/tasks/{task}/"),
    (re.compile(rf"^/connectors/{NAME}(?=/|$)"), "/connectors/{name}"),
    (re.compile(r"^/connector-plugins/FileStreamSource(?=/)"), "/connector-plugins/{pluginName}"),
    (re.compile(r"^/admin/loggers/[^/?]+"), "/admin/loggers/{logger}"),
)


def template(path: str) -> str:
    path = path.split("?")[0]
    for pattern, replacement in _TEMPLATES:
        path = pattern.sub(replacement, path)
    return path


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LocalCluster]:
    async with three_workers(kafka_bootstrap, tmp_path_factory.mktemp("cluster")) as local:
        yield local


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def follower(cluster: LocalCluster) -> WorkerProcess:
    return await a_follower(cluster)


async def call(
    cluster: LocalCluster, method: str, path: str, body: Any = None, *, worker: WorkerProcess, expect: int
) -> Any:
    status, answer = await cluster.rest(method, path, body, worker=worker)
    assert status == expect, f"{method} {path} on worker {worker.index}: {status} {answer}"
    CALLED.add((method, template(path)))
    return answer


async def state(cluster: LocalCluster, worker: WorkerProcess) -> tuple[str, list[str]] | None:
    body = await cluster.status(NAME, worker)
    return None if body is None else (body["connector"]["state"], [t["state"] for t in body["tasks"]])


async def test_server_endpoints(cluster: LocalCluster) -> None:
    for worker in cluster.running():
        root = await call(cluster, "GET", "/", worker=worker, expect=200)
        assert set(root) == {"version", "commit", "kafka_cluster_id"}
        health = await call(cluster, "GET", "/health", worker=worker, expect=200)
        assert health["status"] == "healthy"
        spec = await call(cluster, "GET", "/openapi.json", worker=worker, expect=200)
        assert spec["openapi"].startswith("3.")
        async with aiohttp.ClientSession() as http, http.get(f"{worker.url}/metrics") as response:
            assert response.status == 200
            text = await response.text()
        assert "distconnect_worker_" in text
        CALLED.add(("GET", "/metrics"))


async def test_connector_lifecycle_through_a_follower(
    cluster: LocalCluster, follower: WorkerProcess, tmp_path_factory: pytest.TempPathFactory
) -> None:
    source = Path(tmp_path_factory.mktemp("tour")) / "in.txt"
    source.write_text("".join(f"line {i}\n" for i in range(20)))
    config = {"connector.class": "FileStreamSource", "file": str(source), "topic": "tour-topic"}
    w = follower

    plugins = await call(cluster, "GET", "/connector-plugins", worker=w, expect=200)
    assert {"class", "type", "version"} <= set(plugins[0])
    keys = await call(cluster, "GET", "/connector-plugins/FileStreamSource/config", worker=w, expect=200)
    assert {k["name"] for k in keys} >= {"file", "topic", "connector.class"}
    infos = await call(
        cluster,
        "PUT",
        "/connector-plugins/FileStreamSource/config/validate",
        {**config, "name": NAME},
        worker=w,
        expect=200,
    )
    assert infos["error_count"] == 0

    created = await call(
        cluster, "POST", "/connectors", {"name": NAME, "config": config}, worker=w, expect=201
    )
    assert created["name"] == NAME
    assert created["type"] == "source"
    await eventually(lambda: _is(cluster, w, ("RUNNING", ["RUNNING"])), what="RUNNING")
    for worker in cluster.running():
        assert NAME in await call(cluster, "GET", "/connectors", worker=worker, expect=200)
    expanded = await call(cluster, "GET", "/connectors?expand=status&expand=info", worker=w, expect=200)
    assert set(expanded[NAME]) == {"status", "info"}
    info = await call(cluster, "GET", f"/connectors/{NAME}", worker=w, expect=200)
    assert info["tasks"] == [{"connector": NAME, "task": 0}]
    assert (await call(cluster, "GET", f"/connectors/{NAME}/config", worker=w, expect=200))["file"] == str(
        source
    )
    for worker in cluster.running():
        status = await call(cluster, "GET", f"/connectors/{NAME}/status", worker=worker, expect=200)
        assert status["connector"]["state"] == "RUNNING"
        assert status["type"] == "source"
    tasks = await call(cluster, "GET", f"/connectors/{NAME}/tasks", worker=w, expect=200)
    assert tasks[0]["id"] == {"connector": NAME, "task": 0}
    task = await call(cluster, "GET", f"/connectors/{NAME}/tasks/0/status", worker=w, expect=200)
    assert task["id"] == 0
    assert task["state"] == "RUNNING"

    replaced = await call(
        cluster, "PUT", f"/connectors/{NAME}/config", {**config, "batch.size": "100"}, worker=w, expect=200
    )
    assert replaced["config"]["batch.size"] == "100"
    patched = await call(
        cluster, "PATCH", f"/connectors/{NAME}/config", {"batch.size": None}, worker=w, expect=200
    )
    assert "batch.size" not in patched["config"]

    await call(cluster, "POST", f"/connectors/{NAME}/restart", worker=w, expect=204)
    plan = await call(
        cluster,
        "POST",
        f"/connectors/{NAME}/restart?includeTasks=true&onlyFailed=false",
        worker=w,
        expect=202,
    )
    assert plan["connector"]["state"] == "RESTARTING"
    await eventually(lambda: _is(cluster, w, ("RUNNING", ["RUNNING"])), what="RUNNING after restart")
    await call(cluster, "POST", f"/connectors/{NAME}/tasks/0/restart", worker=w, expect=204)

    await call(cluster, "PUT", f"/connectors/{NAME}/pause", worker=w, expect=202)
    await eventually(lambda: _is(cluster, w, ("PAUSED", ["PAUSED"])), what="PAUSED")
    await call(cluster, "PUT", f"/connectors/{NAME}/resume", worker=w, expect=202)
    await eventually(lambda: _is(cluster, w, ("RUNNING", ["RUNNING"])), what="resumed")

    async def topics_seen() -> bool:
        body = await call(cluster, "GET", f"/connectors/{NAME}/topics", worker=w, expect=200)
        return bool(body[NAME]["topics"] == ["tour-topic"])

    await eventually(topics_seen, what="active topic recorded")
    await call(cluster, "PUT", f"/connectors/{NAME}/topics/reset", worker=w, expect=202)

    await call(cluster, "PUT", f"/connectors/{NAME}/stop", worker=w, expect=204)
    await eventually(lambda: _is(cluster, w, ("STOPPED", [])), what="STOPPED")
    partition = {"filename": str(source)}

    async def committed() -> Any:
        body = await call(cluster, "GET", f"/connectors/{NAME}/offsets", worker=w, expect=200)
        return body["offsets"]

    offsets = await eventually(committed, what="committed source offsets")
    assert offsets[0]["partition"] == partition
    altered = await call(
        cluster,
        "PATCH",
        f"/connectors/{NAME}/offsets",
        {"offsets": [{"partition": partition, "offset": {"position": 7}}]},
        worker=w,
        expect=200,
    )
    assert "altered" in altered["message"]
    reset = await call(cluster, "DELETE", f"/connectors/{NAME}/offsets", worker=w, expect=200)
    assert "reset" in reset["message"]
    await call(cluster, "DELETE", f"/connectors/{NAME}", worker=w, expect=204)
    for worker in cluster.running():
        await eventually(
            lambda worker=worker: _gone(cluster, worker), what=f"deleted on worker {worker.index}"
        )


async def _is(cluster: LocalCluster, worker: WorkerProcess, expected: tuple[str, list[str]]) -> bool:
    return await state(cluster, worker) == expected


async def _gone(cluster: LocalCluster, worker: WorkerProcess) -> bool:
    status, _ = await cluster.rest("GET", f"/connectors/{NAME}", worker=worker)
    return status == 404


async def test_log_levels_through_a_follower(cluster: LocalCluster, follower: WorkerProcess) -> None:
    levels = await call(cluster, "GET", "/admin/loggers", worker=follower, expect=200)
    assert "root" in levels
    changed = await call(
        cluster, "PUT", "/admin/loggers/distconnect.admin", {"level": "DEBUG"}, worker=follower, expect=200
    )
    assert "distconnect.admin" in changed
    level = await call(cluster, "GET", "/admin/loggers/distconnect.admin", worker=follower, expect=200)
    assert level["level"] == "DEBUG"


async def test_every_operation_in_the_spec_was_called(cluster: LocalCluster) -> None:
    _, spec = await cluster.rest("GET", "/openapi.json")
    listed = {(method.upper(), path) for path, methods in spec["paths"].items() for method in methods}
    assert listed - CALLED == set(), "operations the tour did not call"
