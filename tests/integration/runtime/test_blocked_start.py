"""A connector whose ``start()`` does not return holds up nothing: the herder goes on after a
bounded wait, other connectors run, and the connector is configured once ``start()`` returns, or
stopped then if it was deleted meanwhile (the system test ``test_a_connector_blocked_in_start``
covers the worker process exiting on SIGTERM with such a thread still blocked)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from distconnect.connectors.verifiable import VerifiableSourceConnector
from distconnect.runtime import worker as worker_module
from distconnect.runtime.standalone import StandaloneHerder
from tests.integration.runtime.conftest import StandaloneFactory
from tests.support import eventually

GATE = threading.Event()
STOPPED: list[str] = []


class GatedSource(VerifiableSourceConnector):
    """``start`` waits until the test opens :data:`GATE`."""

    def start(self, props: Mapping[str, str]) -> None:
        GATE.wait()
        super().start(props)

    def stop(self) -> None:
        STOPPED.append(self.__class__.__name__)
        super().stop()


PLUGINS = (("distconnect.connectors", "tests.GatedSource", GatedSource),)


@pytest.fixture(autouse=True)
def short_wait(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(worker_module, "CONNECTOR_START_WAIT_S", 0.5)
    GATE.clear()
    STOPPED.clear()
    yield
    GATE.set()  # never leave a thread blocked behind


def config(cls: str, topic: str, log: Path) -> dict[str, str]:
    return {
        "connector.class": cls,
        "tasks.max": "2",
        "topic": topic,
        "throughput": "20",
        "verifiable.log.file": str(log),
    }


async def state(herder: StandaloneHerder, name: str) -> tuple[str, list[str]] | None:
    try:
        info = await herder.connector_status(name)
    except Exception:
        return None
    return info.connector.state.value, [info.tasks[t].state.value for t in sorted(info.tasks)]


async def test_a_blocked_start_holds_up_nothing_and_completes_later(
    standalone: StandaloneFactory, topic: str, tmp_path: Path
) -> None:
    async with standalone(extra_plugins=PLUGINS) as herder:
        began = time.monotonic()
        await herder.put_connector_config("gated", config("tests.GatedSource", topic, tmp_path / "g.jsonl"))
        assert time.monotonic() - began < 5, "the create waited for start()"
        assert await state(herder, "gated") is None  # no status while start() runs
        async with asyncio.timeout(2):
            await herder.health_check()

        await herder.put_connector_config(
            "free", config("VerifiableSourceConnector", topic, tmp_path / "f.jsonl")
        )
        await eventually(
            lambda: _is(herder, "free", ("RUNNING", ["RUNNING", "RUNNING"])), what="free RUNNING"
        )

        GATE.set()  # start() returns: the connector gets its status and its tasks
        await eventually(
            lambda: _is(herder, "gated", ("RUNNING", ["RUNNING", "RUNNING"])), what="gated RUNNING"
        )


async def test_a_connector_deleted_while_starting_is_stopped_when_start_returns(
    standalone: StandaloneFactory, topic: str, tmp_path: Path
) -> None:
    async with standalone(extra_plugins=PLUGINS) as herder:
        await herder.put_connector_config("gated", config("tests.GatedSource", topic, tmp_path / "g.jsonl"))
        await herder.delete_connector("gated")
        GATE.set()
        await eventually(lambda: STOPPED == ["GatedSource"], what="stop() after the late start()")
        assert "gated" not in herder.worker.connector_names()
        assert await state(herder, "gated") is None
        assert herder.worker.task_ids() == []


async def _is(herder: StandaloneHerder, name: str, expected: tuple[str, list[str]]) -> bool:
    return await state(herder, name) == expected
