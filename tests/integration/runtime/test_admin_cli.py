"""The admin CLI (``distconnect connectors ...``) in its own process against a live worker's REST
API: apply is idempotent, state and config changes are applied, prune deletes, errors exit 1."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from distconnect.rest import RestServer
from distconnect.runtime.standalone import StandaloneHerder
from distconnect.runtime.worker_config import StandaloneConfig
from tests.integration.runtime.conftest import StandaloneFactory
from tests.support import eventually

JSON = "org.apache.kafka.connect.json.JsonConverter"


async def cli(url: str, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "distconnect.cli",
        *args,
        "--url",
        url,
        "--wait",
        "10",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "DISTCONNECT_URL": "http://127.0.0.1:1"},
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.fixture
async def worker_url(
    standalone: StandaloneFactory, kafka_bootstrap: str, tmp_path: Path
) -> AsyncIterator[str]:
    config = StandaloneConfig(
        {
            "bootstrap.servers": kafka_bootstrap,
            "key.converter": JSON,
            "value.converter": JSON,
            "offset.storage.file.filename": str(tmp_path / "unused"),
            "listeners": "http://127.0.0.1:0",
        }
    )
    herder: StandaloneHerder
    async with RestServer(config, kafka_cluster_id="test") as server, standalone() as herder:
        server.set_herder(herder)
        yield server.advertised_url.rstrip("/")


def declare(
    directory: Path, name: str, topic: str, source: Path, state: str | None = None, **extra: str
) -> None:
    body: dict[str, Any] = {
        "name": name,
        "config": {"connector.class": "FileStreamSource", "file": str(source), "topic": topic, **extra},
    }
    if state is not None:
        body["state"] = state
    (directory / f"{name}.json").write_bytes(orjson.dumps(body))


async def connector_state(url: str, name: str) -> str | None:
    code, out, _ = await cli(url, "connectors", "status", name, "-o", "json")
    return orjson.loads(out)["connector"]["state"] if code == 0 else None


async def test_apply_creates_updates_changes_state_and_prunes(
    worker_url: str, tmp_path: Path, topic: str
) -> None:
    source = tmp_path / "in.txt"
    source.write_text("a\nb\n")
    declared = tmp_path / "connectors"
    declared.mkdir()
    declare(declared, "cli-one", topic, source)
    declare(declared, "cli-two", topic, source, state="PAUSED")

    code, out, err = await cli(worker_url, "connectors", "apply", "-f", str(declared))
    assert (code, err) == (0, ""), err
    assert out.splitlines() == ["create cli-one", "create cli-two"]
    assert await eventually(lambda: connector_state(worker_url, "cli-two"), what="cli-two status") == "PAUSED"
    await eventually(lambda: _is(worker_url, "cli-one", "RUNNING"), what="cli-one RUNNING")

    code, out, _ = await cli(worker_url, "connectors", "apply", "-f", str(declared))
    assert (code, out) == (0, "2 connector(s) unchanged\n")

    declare(declared, "cli-one", topic, source, **{"batch.size": "10"})
    declare(declared, "cli-two", topic, source, state="RUNNING")
    code, out, _ = await cli(worker_url, "connectors", "apply", "-f", str(declared), "--dry-run")
    assert (code, out.splitlines()) == (0, ["would update cli-one", "would resume cli-two"])
    code, out, _ = await cli(worker_url, "connectors", "apply", "-f", str(declared), "-o", "json")
    assert code == 0
    assert orjson.loads(out)["actions"] == [
        {"action": "update", "connector": "cli-one"},
        {"action": "resume", "connector": "cli-two"},
    ]
    code, out, _ = await cli(worker_url, "connectors", "get", "cli-one", "-o", "json")
    assert orjson.loads(out)["config"]["batch.size"] == "10"
    await eventually(lambda: _is(worker_url, "cli-two", "RUNNING"), what="cli-two resumed")

    (declared / "cli-two.json").unlink()
    code, out, _ = await cli(worker_url, "connectors", "apply", "-f", str(declared), "--prune")
    assert (code, out) == (0, "delete cli-two\n")
    code, out, _ = await cli(worker_url, "connectors", "ls", "-o", "json")
    assert sorted(orjson.loads(out)) == ["cli-one"]


async def _is(url: str, name: str, state: str) -> bool:
    return await connector_state(url, name) == state


async def test_table_output_state_changes_and_errors(worker_url: str, tmp_path: Path, topic: str) -> None:
    source = tmp_path / "in.txt"
    source.write_text("a\n")
    declare(tmp_path, "cli-t", topic, source)
    code, out, _ = await cli(worker_url, "connectors", "create", "-f", str(tmp_path / "cli-t.json"))
    assert (code, out) == (0, "created cli-t\n")
    await eventually(lambda: _is(worker_url, "cli-t", "RUNNING"), what="cli-t RUNNING")

    code, out, _ = await cli(worker_url, "connectors", "ls")
    header, row = out.splitlines()
    assert header.split() == ["NAME", "TYPE", "STATE", "TASKS", "WORKER"]
    assert row.split()[:5] == ["cli-t", "source", "RUNNING", "1", "RUNNING"]

    code, out, _ = await cli(worker_url, "connectors", "stop", "cli-t")
    assert code == 0
    await eventually(lambda: _is(worker_url, "cli-t", "STOPPED"), what="cli-t STOPPED")
    code, out, _ = await cli(worker_url, "connectors", "status", "cli-t")
    assert out.splitlines()[1].split()[:2] == ["connector", "STOPPED"]

    code, out, err = await cli(worker_url, "connectors", "get", "no-such")
    assert (code, out) == (1, "")
    assert err.strip() == "distconnect: Connector no-such not found (HTTP 404)"

    (tmp_path / "bad.json").write_text('{"name": "x", "config": {"k": {"nested": 1}}}')
    code, _, err = await cli(worker_url, "connectors", "apply", "-f", str(tmp_path / "bad.json"))
    assert code == 1
    assert "bad.json: config value of 'k' must be a string, number or boolean" in err
