"""A standalone worker moving real data through the session broker."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from aiokafka import AIOKafkaProducer

from distconnect.api import ConfigDef, RetriableError, SinkConnector, SinkRecord, SinkTask, Task
from distconnect.runtime.states import State, TaskId
from tests.integration.runtime.conftest import StandaloneFactory
from tests.support import consume_all, eventually

JSON = "org.apache.kafka.connect.json.JsonConverter"


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


async def test_file_to_topic_to_file_is_identical(
    standalone: StandaloneFactory, tmp_path: Path, topic: str
) -> None:
    source = tmp_path / "in.txt"
    lines = [f'line {i} ünïcødé \\ "quoted"' for i in range(3000)]
    source.write_text("\n".join(lines) + "\n")
    sink = tmp_path / "out.txt"
    async with standalone() as herder:
        await herder.put_connector_config(
            "file-source", {"connector.class": "FileStreamSource", "file": str(source), "topic": topic}
        )
        await herder.put_connector_config(
            "file-sink",
            {
                "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                "file": str(sink),
                "topics": topic,
            },
        )
        await eventually(lambda: len(_lines(sink)) >= len(lines), what="the sink file to have every line")
        info = await herder.connector_status("file-source")
        assert info.connector.state is State.RUNNING
        assert info.type == "source"
        assert [s.state for s in info.tasks.values()] == [State.RUNNING]
    assert _lines(sink) == lines


async def test_source_resumes_after_clean_stop_without_duplicates(
    standalone: StandaloneFactory, tmp_path: Path, topic: str, kafka_bootstrap: str
) -> None:
    source = tmp_path / "in.txt"
    source.write_text("".join(f"first {i}\n" for i in range(500)))
    config = {
        "connector.class": "FileStreamSource",
        "file": str(source),
        "topic": topic,
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    }
    async with standalone() as herder:
        await herder.put_connector_config("resume", config)
        await consume_all(kafka_bootstrap, topic, 500)
    with source.open("a") as out:
        out.write("".join(f"second {i}\n" for i in range(300)))
    async with standalone() as herder:
        await herder.put_connector_config("resume", config)
        records = await consume_all(kafka_bootstrap, topic, 800)
    values = [r.value.decode() for r in records]
    assert values == [f"first {i}" for i in range(500)] + [f"second {i}" for i in range(300)]


async def _produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value=value, partition=0)
    finally:
        await producer.stop()


MIXED = [b'{"n": 0}', b'{"n": 1}', b"{this is not json", b'{"n": 3}']


async def test_tolerance_all_sends_malformed_records_to_dlq_with_context(
    standalone: StandaloneFactory, tmp_path: Path, topic_factory: Any, kafka_bootstrap: str
) -> None:
    topic, dlq = topic_factory("in"), topic_factory("dlq")
    await _produce(kafka_bootstrap, topic, MIXED)
    sink = tmp_path / "out.txt"
    async with standalone() as herder:
        await herder.put_connector_config(
            "dlq-sink",
            {
                "connector.class": "FileStreamSink",
                "file": str(sink),
                "topics": topic,
                "value.converter": JSON,
                "value.converter.schemas.enable": "false",
                "errors.tolerance": "all",
                "errors.log.enable": "true",
                "errors.deadletterqueue.topic.name": dlq,
                "errors.deadletterqueue.topic.replication.factor": "1",
                "errors.deadletterqueue.context.headers.enable": "true",
            },
        )
        await eventually(lambda: len(_lines(sink)) >= 3, what="the three valid records in the sink file")
        dead = await consume_all(kafka_bootstrap, dlq, 1)
        assert (await herder.task_status(TaskId("dlq-sink", 0))).state is State.RUNNING
    assert _lines(sink) == ["{n=0}", "{n=1}", "{n=3}"]
    assert [r.value for r in dead] == [b"{this is not json"]
    headers = {k: v.decode() for k, v in dead[0].headers}
    assert headers["__connect.errors.topic"] == topic
    assert headers["__connect.errors.partition"] == "0"
    assert headers["__connect.errors.offset"] == "2"
    assert headers["__connect.errors.connector.name"] == "dlq-sink"
    assert headers["__connect.errors.task.id"] == "0"
    assert headers["__connect.errors.stage"] == "VALUE_CONVERTER"
    assert headers["__connect.errors.class.name"] == "distconnect.converters.json.JsonConverter"
    assert "DataError" in headers["__connect.errors.exception.class.name"]
    assert headers["__connect.errors.exception.message"]


async def test_tolerance_none_fails_the_task_naming_the_record(
    standalone: StandaloneFactory, tmp_path: Path, topic: str, kafka_bootstrap: str
) -> None:
    await _produce(kafka_bootstrap, topic, MIXED)
    async with standalone() as herder:
        await herder.put_connector_config(
            "strict-sink",
            {
                "connector.class": "FileStreamSink",
                "file": str(tmp_path / "out.txt"),
                "topics": topic,
                "value.converter": JSON,
                "value.converter.schemas.enable": "false",
            },
        )

        async def failed() -> Any:
            status = (await herder.connector_status("strict-sink")).tasks.get(0)
            return status if status is not None and status.state is State.FAILED else None

        status = await eventually(failed, what="the sink task to fail")
        assert (await herder.connector_status("strict-sink")).connector.state is State.RUNNING
    assert status.trace is not None
    assert f"topic={topic} partition=0 offset=2" in status.trace
    assert "Tolerance exceeded in error handler" in status.trace
    assert "VALUE_CONVERTER" in status.trace


class FlakySinkTask(SinkTask):
    """Raises RetriableError on the first three puts; records every record it accepted."""

    received: ClassVar[list[Any]] = []
    failures_left: ClassVar[int] = 3

    async def start(self, props: Mapping[str, str]) -> None:
        self.context.timeout(50)

    async def put(self, records: list[SinkRecord]) -> None:
        if records and FlakySinkTask.failures_left > 0:
            FlakySinkTask.failures_left -= 1
            raise RetriableError("the store is briefly unavailable")
        FlakySinkTask.received.extend(r.value for r in records)

    async def stop(self) -> None:
        return None

    def version(self) -> str:
        return "1"


class FlakySinkConnector(SinkConnector):
    def start(self, props: Mapping[str, str]) -> None:
        self._props = dict(props)

    def task_class(self) -> type[Task]:
        return FlakySinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self._props)]

    def stop(self) -> None:
        return None

    def config(self) -> ConfigDef:
        return ConfigDef()

    def version(self) -> str:
        return "1"


async def test_retriable_put_error_redelivers_without_dropping(
    standalone: StandaloneFactory, topic: str, kafka_bootstrap: str
) -> None:
    values = [f'{{"n": {i}}}'.encode() for i in range(200)]
    await _produce(kafka_bootstrap, topic, values)
    plugin = ("distconnect.connectors", "tests.FlakySinkConnector", FlakySinkConnector)
    async with standalone(extra_plugins=(plugin,)) as herder:
        await herder.put_connector_config(
            "flaky",
            {
                "connector.class": "tests.FlakySinkConnector",
                "topics": topic,
                "value.converter": JSON,
                "value.converter.schemas.enable": "false",
            },
        )
        await eventually(lambda: len(FlakySinkTask.received) >= len(values), what="every record to be put")
    assert FlakySinkTask.failures_left == 0
    assert [v["n"] for v in FlakySinkTask.received] == list(range(200))


async def test_topic_creation_groups_create_missing_topics(
    standalone: StandaloneFactory, tmp_path: Path, topic_factory: Any, kafka_bootstrap: str
) -> None:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    plain, compacted = topic_factory("plain"), topic_factory("compacted")
    source = tmp_path / "in.txt"
    source.write_text("a\nb\nc\n")
    common = {
        "connector.class": "FileStreamSource",
        "file": str(source),
        "topic.creation.default.replication.factor": "1",
        "topic.creation.default.partitions": "3",
        "topic.creation.groups": "compact",
        "topic.creation.compact.include": compacted,
        "topic.creation.compact.partitions": "2",
        "topic.creation.compact.retention.ms": "3600000",
    }
    async with standalone() as herder:
        await herder.put_connector_config("to-plain", {**common, "topic": plain})
        await herder.put_connector_config("to-compacted", {**common, "topic": compacted})

        async def created() -> bool:
            # Consuming first could let the broker auto-create the topics with its defaults.
            admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
            await admin.start()
            try:
                return {plain, compacted} <= set(await admin.list_topics())
            finally:
                await admin.close()

        await eventually(created, what="the source tasks to create both topics")
        await consume_all(kafka_bootstrap, plain, 3)
        await consume_all(kafka_bootstrap, compacted, 3)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        described = {
            t["topic"]: len(t["partitions"]) for t in await admin.describe_topics([plain, compacted])
        }
        configs = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, compacted)])
    finally:
        await admin.close()
    assert described == {plain: 3, compacted: 2}
    entries = {name: value for name, value, *_ in configs[0].resources[0][4]}
    assert entries["retention.ms"] == "3600000"


class ReportingSinkTask(SinkTask):
    """Reports every record whose ``n`` is odd to the errant record reporter; keeps the rest."""

    kept: ClassVar[list[int]] = []

    async def start(self, props: Mapping[str, str]) -> None:
        return None

    async def put(self, records: list[SinkRecord]) -> None:
        reporter = self.context.errant_record_reporter
        assert reporter is not None
        for record in records:
            if record.value["n"] % 2:
                await reporter.report(record, ValueError(f"odd n={record.value['n']}"))
            else:
                ReportingSinkTask.kept.append(record.value["n"])

    async def stop(self) -> None:
        return None

    def version(self) -> str:
        return "1"


class ReportingSinkConnector(FlakySinkConnector):
    def task_class(self) -> type[Task]:
        return ReportingSinkTask


async def test_errant_record_reporter_writes_to_the_dlq(
    standalone: StandaloneFactory, topic_factory: Any, kafka_bootstrap: str
) -> None:
    topic, dlq = topic_factory("in"), topic_factory("dlq")
    await _produce(kafka_bootstrap, topic, [f'{{"n": {i}}}'.encode() for i in range(10)])
    plugin = ("distconnect.connectors", "tests.ReportingSinkConnector", ReportingSinkConnector)
    async with standalone(extra_plugins=(plugin,)) as herder:
        await herder.put_connector_config(
            "reporting",
            {
                "connector.class": "tests.ReportingSinkConnector",
                "topics": topic,
                "value.converter": JSON,
                "value.converter.schemas.enable": "false",
                "errors.tolerance": "all",
                "errors.deadletterqueue.topic.name": dlq,
                "errors.deadletterqueue.topic.replication.factor": "1",
                "errors.deadletterqueue.context.headers.enable": "true",
            },
        )
        dead = await consume_all(kafka_bootstrap, dlq, 5)
    assert sorted(ReportingSinkTask.kept) == [0, 2, 4, 6, 8]
    assert sorted(r.value for r in dead) == sorted(f'{{"n":{i}}}'.encode() for i in (1, 3, 5, 7, 9))
    headers = {k: v.decode() for k, v in dead[0].headers}
    assert headers["__connect.errors.stage"] == "TASK_PUT"
    assert headers["__connect.errors.exception.message"].startswith("odd n=")
