"""Modifying a source connector's offsets (Apache's ``Worker.modifySourceConnectorOffsets``) against an
in-memory offset store: the ``alter_offsets`` hook, tombstones, messages and refusals."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import pytest

from distconnect.api.config import ConfigDef
from distconnect.api.connector import SourceConnector
from distconnect.api.errors import ConnectError
from distconnect.api.records import FrozenMapping
from distconnect.api.task import SourceTask
from distconnect.runtime.connector_offsets import modify_offsets, read_offsets
from distconnect.runtime.herder import ConnectRestError
from distconnect.runtime.offsets import MemoryOffsetStore
from distconnect.runtime.offsets_parse import ConnectorOffset
from distconnect.runtime.worker_config import StandaloneConfig

CONFIG = {"connector.class": "Hooked", "name": "c"}


class Hooked(SourceConnector):
    """Records what ``alter_offsets`` received; ``answer`` is returned, or raised if an exception."""

    seen: list[dict[Any, Any]] = []
    configs: list[dict[str, str]] = []
    answer: Any = True

    def version(self) -> str:
        return "1"

    def start(self, props: Mapping[str, str]) -> None:
        raise AssertionError("alter_offsets runs on an instance that is never started")

    def task_class(self) -> type[SourceTask]:
        raise NotImplementedError

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return []

    def stop(self) -> None:
        pass

    def config(self) -> ConfigDef:
        return ConfigDef()

    def alter_offsets(self, connector_config: Mapping[str, str], offsets: Mapping[Any, Any]) -> bool:
        Hooked.seen.append(dict(offsets))
        Hooked.configs.append(dict(connector_config))
        if isinstance(Hooked.answer, BaseException):
            raise Hooked.answer
        return bool(Hooked.answer)


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("OFFSETS_TEST_SECRET", "s3cret")  # read when the provider is configured
    Hooked.seen, Hooked.configs, Hooked.answer = [], [], True
    registry = SimpleNamespace(new_connector=lambda name: Hooked(), connector_class=lambda name: Hooked)
    return SimpleNamespace(
        registry=registry,
        offsets=MemoryOffsetStore(),
        is_sink=lambda name: False,
        config=StandaloneConfig(
            {
                "key.converter": "org.apache.kafka.connect.json.JsonConverter",
                "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                "offset.storage.file.filename": "/nonexistent",
                "config.providers": "env",
                "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
            }
        ),
    )


async def test_alter_writes_the_offsets_and_passes_them_to_the_hook_first(worker: Any) -> None:
    await worker.offsets.write(
        "c", {FrozenMapping({"f": "a"}): {"pos": 1}, FrozenMapping({"f": "b"}): {"pos": 2}}
    )
    entries = [ConnectorOffset({"f": "a"}, {"pos": 10}), ConnectorOffset({"f": "b"}, None)]
    message = await modify_offsets(worker, "c", CONFIG, entries)
    assert message == "The offsets for this connector have been altered successfully"
    assert Hooked.seen == [{FrozenMapping({"f": "a"}): {"pos": 10}, FrozenMapping({"f": "b"}): None}]
    assert await read_offsets(worker, "c", CONFIG) == [ConnectorOffset({"f": "a"}, {"pos": 10})]


async def test_the_hook_sees_the_config_with_placeholders_resolved(worker: Any) -> None:
    config = {**CONFIG, "password": "${env:OFFSETS_TEST_SECRET}"}
    await modify_offsets(worker, "c", config, [ConnectorOffset({"f": "a"}, {"pos": 1})])
    assert Hooked.configs == [{**CONFIG, "password": "s3cret"}]


async def test_reset_tombstones_every_partition_of_the_connector_only(worker: Any) -> None:
    await worker.offsets.write("c", {FrozenMapping({"f": "a"}): {"pos": 1}})
    await worker.offsets.write("other", {FrozenMapping({"f": "a"}): {"pos": 5}})
    Hooked.answer = False
    message = await modify_offsets(worker, "c", CONFIG, None)
    assert message.startswith(
        "The Connect framework-managed offsets for this connector have been reset successfully."
    )
    assert Hooked.seen == [{FrozenMapping({"f": "a"}): None}]
    assert worker.offsets.connector_offsets("c") == {}
    assert worker.offsets.connector_offsets("other") == {FrozenMapping({"f": "a"}): {"pos": 5}}
    # Nothing left to reset: still a success, and the hook still runs (with nothing).
    assert await modify_offsets(worker, "c", CONFIG, None) == message
    assert Hooked.seen[-1] == {}


@pytest.mark.parametrize(
    ("raised", "message"),
    [
        (ConnectError("position must be a number"), "position must be a number"),
        (
            NotImplementedError(),
            "Failed to modify offsets for connector c because it doesn't support external "
            "modification of offsets",
        ),
    ],
)
async def test_a_refusing_hook_is_a_400_and_nothing_is_written(
    worker: Any, raised: BaseException, message: str
) -> None:
    await worker.offsets.write("c", {FrozenMapping({"f": "a"}): {"pos": 1}})
    Hooked.answer = raised
    with pytest.raises(ConnectRestError) as caught:
        await modify_offsets(worker, "c", CONFIG, [ConnectorOffset({"f": "a"}, {"pos": 9})])
    assert (caught.value.status, caught.value.message) == (400, message)
    assert worker.offsets.connector_offsets("c") == {FrozenMapping({"f": "a"}): {"pos": 1}}


async def test_an_unexpected_hook_failure_is_apaches_500(worker: Any) -> None:
    Hooked.answer = ValueError("boom")
    with pytest.raises(ConnectError, match="Failed to modify offsets for source connector c") as caught:
        await modify_offsets(worker, "c", CONFIG, [ConnectorOffset({"f": "a"}, {"pos": 9})])
    assert not isinstance(caught.value, ConnectRestError)


async def test_nested_values_are_refused_before_the_hook_runs(worker: Any) -> None:
    with pytest.raises(ConnectRestError, match="field pos contains MAP"):
        await modify_offsets(worker, "c", CONFIG, [ConnectorOffset({"f": "a"}, {"pos": {"x": 1}})])
    assert Hooked.seen == []
