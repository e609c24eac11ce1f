"""Example source connector from the connector author guide (``docs/connector-authors.md``).

``ExampleSourceConnector`` emits numbered "tick" events for a list of named streams. Each stream
is one *source partition* (``{"stream": "<name>"}``) and the position in it is the *source
offset* (``{"seq": <sequence number of the tick>}``), so a restarted task carries on after the
last tick whose offset was committed.

The "upstream system" is :class:`TickClient`, a stand-in for a blocking client library (a
database driver, an HTTP SDK): every call into it runs in a worker thread through
``asyncio.to_thread``, never on the event loop.

Run it with ``distconnect standalone`` by naming the class by its dotted path, e.g.
``connector.class=examples.example_source.ExampleSourceConnector`` with ``docs/`` on
``PYTHONPATH`` (``docs/examples/check_examples.py`` does exactly that).
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
from collections.abc import Mapping
from typing import Any, Final

from distconnect.api import (
    AbstractConfig,
    ConfigDef,
    ConfigError,
    ConfigType,
    ConfigValue,
    ConnectError,
    FrozenMapping,
    Importance,
    NonEmptyString,
    Password,
    Range,
    Schema,
    SchemaBuilder,
    SourceConnector,
    SourceRecord,
    SourceTask,
    Struct,
    Timestamp,
    ValidString,
    Width,
)
from distconnect.api.config import CompositeValidator, LambdaValidator, ListSize
from distconnect.api.data import STRING_SCHEMA

log = logging.getLogger(__name__)

VERSION: Final = "1.0.0"

TOPIC_CONFIG: Final = "topic"
STREAMS_CONFIG: Final = "streams"
VALUE_FORMAT_CONFIG: Final = "value.format"
TEXT_TEMPLATE_CONFIG: Final = "text.template"
BATCH_SIZE_CONFIG: Final = "batch.size"
POLL_INTERVAL_CONFIG: Final = "poll.interval.ms"
MAX_TICKS_CONFIG: Final = "max.ticks.per.stream"
API_TOKEN_CONFIG: Final = "api.token"

#: Keys of the source partition and source offset maps. Keep them stable: stored offsets use them.
STREAM_FIELD: Final = "stream"
SEQ_FIELD: Final = "seq"

TICK_SCHEMA: Final = (
    SchemaBuilder.struct()
    .name("docs.example.Tick")
    .version(1)
    .doc("One tick of a stream.")
    .field("stream", STRING_SCHEMA)
    .field("seq", SchemaBuilder.int64().build())
    .field("emitted_at", Timestamp.SCHEMA)
    .field("note", SchemaBuilder.string().optional().build())
    .build()
)
OPTIONAL_TEXT_SCHEMA: Final = SchemaBuilder.string().optional().build()


def _ensure_stream_names(name: str, value: Any) -> None:
    """A custom validator: any callable ``(name, parsed value)`` that raises ConfigError."""
    if not value:
        raise ConfigError(name, value, "List at least one stream")
    bad = [stream for stream in value if not stream.isidentifier()]
    if bad:
        raise ConfigError(name, value, f"Stream names must be identifiers: {', '.join(bad)}")
    if len(set(value)) != len(value):
        raise ConfigError(name, value, "Stream names must be unique")


class _TemplateRecommender:
    """Shows ``text.template`` only when ``value.format=text``; recommends the formats."""

    def valid_values(self, name: str, parsed: Mapping[str, Any]) -> list[Any]:
        return ["struct", "text"] if name == VALUE_FORMAT_CONFIG else []

    def visible(self, name: str, parsed: Mapping[str, Any]) -> bool:
        return name != TEXT_TEMPLATE_CONFIG or parsed.get(VALUE_FORMAT_CONFIG) == "text"


_RECOMMENDER: Final = _TemplateRecommender()

CONFIG_DEF: Final = (
    ConfigDef()
    .define(
        TOPIC_CONFIG,
        ConfigType.STRING,
        validator=NonEmptyString(),
        importance=Importance.HIGH,
        documentation="Topic every tick is written to.",
        group="Destination",
        order_in_group=1,
        width=Width.MEDIUM,
        display_name="Topic",
    )
    .define(
        STREAMS_CONFIG,
        ConfigType.LIST,
        "alpha,beta",
        CompositeValidator.of(
            ListSize.at_most_of_size(64),
            LambdaValidator.with_(_ensure_stream_names, "unique identifiers, at least one"),
        ),
        Importance.HIGH,
        "Names of the streams to emit. Each stream is one source partition; the streams are "
        "shared out among at most tasks.max tasks.",
        group="Source",
        order_in_group=1,
        width=Width.LONG,
        display_name="Streams",
    )
    .define(
        VALUE_FORMAT_CONFIG,
        ConfigType.STRING,
        "struct",
        ValidString.in_("struct", "text"),
        Importance.MEDIUM,
        "Shape of the record value: 'struct' (a docs.example.Tick struct) or 'text' "
        "(a string rendered from text.template).",
        group="Source",
        order_in_group=2,
        width=Width.SHORT,
        display_name="Value format",
        dependents=[TEXT_TEMPLATE_CONFIG],
        recommender=_RECOMMENDER,
    )
    .define(
        TEXT_TEMPLATE_CONFIG,
        ConfigType.STRING,
        "{stream} #{seq}",
        None,
        Importance.LOW,
        "Python format string for text values; may use {stream} and {seq}. Only used when value.format=text.",
        group="Source",
        order_in_group=3,
        width=Width.MEDIUM,
        display_name="Text template",
        recommender=_RECOMMENDER,
    )
    .define(
        BATCH_SIZE_CONFIG,
        ConfigType.INT,
        500,
        Range.between(1, 100_000),
        Importance.MEDIUM,
        "Most ticks one poll returns, per stream.",
        group="Throughput",
        order_in_group=1,
        width=Width.SHORT,
        display_name="Batch size",
    )
    .define(
        POLL_INTERVAL_CONFIG,
        ConfigType.LONG,
        1000,
        Range.at_least(0),
        Importance.MEDIUM,
        "Pause between two polls of the upstream system, in milliseconds.",
        group="Throughput",
        order_in_group=2,
        width=Width.SHORT,
        display_name="Poll interval (ms)",
    )
    .define(
        MAX_TICKS_CONFIG,
        ConfigType.LONG,
        -1,
        Range.at_least(-1),
        Importance.LOW,
        "Stop emitting a stream once this many ticks of it exist (sequence numbers 0 to n-1). "
        "-1 means never stop.",
        group="Throughput",
        order_in_group=3,
        width=Width.SHORT,
        display_name="Max ticks per stream",
    )
    .define(
        API_TOKEN_CONFIG,
        ConfigType.PASSWORD,
        None,
        None,
        Importance.MEDIUM,
        "Credential for the upstream service. A PASSWORD: REST responses, logs and generated "
        "docs show it as [hidden].",
        group="Source",
        order_in_group=4,
        width=Width.MEDIUM,
        display_name="API token",
    )
)


class TickClient:
    """A pretend *blocking* client of an upstream service. Never call it on the event loop."""

    def __init__(self, token: str | None) -> None:
        time.sleep(0.01)  # "connecting": blocking I/O in a real client
        self._token = token
        self.closed = False

    def fetch(self, stream: str, first_seq: int, count: int) -> list[tuple[int, int]]:
        """Ticks ``first_seq .. first_seq+count-1`` of ``stream`` as (seq, epoch ms) pairs."""
        if self.closed:
            raise ConnectError("TickClient is closed")
        time.sleep(0.001)  # a round trip to the service
        now_ms = int(time.time() * 1000)
        return [(seq, now_ms) for seq in range(first_seq, first_seq + count)]

    def close(self) -> None:
        self.closed = True


class ExampleSourceConnector(SourceConnector):
    """Splits the configured streams among the tasks. Methods run in worker threads."""

    def __init__(self) -> None:
        self._props: dict[str, str] = {}
        self._streams: list[str] = []

    def version(self) -> str:
        return VERSION

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def validate(self, connector_configs: Mapping[str, str]) -> list[ConfigValue]:
        # Per-key checks come from the ConfigDef; add the one that spans two keys.
        results = super().validate(connector_configs)
        by_name = {result.name: result for result in results}
        if by_name[VALUE_FORMAT_CONFIG].value == "text":
            template = by_name[TEXT_TEMPLATE_CONFIG]
            if template.value is not None and "{seq}" not in template.value:
                template.add_error("text.template must contain {seq} when value.format=text")
        return results

    def start(self, props: Mapping[str, str]) -> None:
        config = AbstractConfig(CONFIG_DEF, props)  # raises ConfigError naming a bad key
        self._streams = config.get_list(STREAMS_CONFIG) or []
        self._props = dict(props)
        log.info("Example source will emit streams %s", ", ".join(self._streams))

    def task_class(self) -> type[SourceTask]:
        return ExampleSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        # Deal the streams out round-robin; never more tasks than streams.
        count = min(max_tasks, len(self._streams))
        shares = [self._streams[i::count] for i in range(count)]
        return [{**self._props, STREAMS_CONFIG: ",".join(share)} for share in shares]

    def stop(self) -> None:
        pass


class ExampleSourceTask(SourceTask):
    """Emits the ticks of its share of the streams. Methods are coroutines on the event loop."""

    def __init__(self) -> None:
        self._topic = ""
        self._streams: list[str] = []
        self._next_seq: dict[str, int] = {}
        self._format = "struct"
        self._template = ""
        self._batch_size = 1
        self._interval_s = 1.0
        self._max_ticks = -1
        self._client: TickClient | None = None
        self._stopped = asyncio.Event()
        self._next_poll = 0.0

    def version(self) -> str:
        return VERSION

    async def start(self, props: Mapping[str, str]) -> None:
        config = AbstractConfig(CONFIG_DEF, props)
        self._topic = config.get_string(TOPIC_CONFIG) or ""
        self._streams = config.get_list(STREAMS_CONFIG) or []
        self._format = config.get_string(VALUE_FORMAT_CONFIG) or "struct"
        self._template = config.get_string(TEXT_TEMPLATE_CONFIG) or ""
        self._batch_size = config.get_int(BATCH_SIZE_CONFIG) or 1
        self._interval_s = (config.get_long(POLL_INTERVAL_CONFIG) or 0) / 1000
        max_ticks = config.get_long(MAX_TICKS_CONFIG)
        self._max_ticks = -1 if max_ticks is None else max_ticks

        # Resume: one read for all of this task's partitions. Absent partitions start at 0.
        partitions = [{STREAM_FIELD: stream} for stream in self._streams]
        stored = await self.context.offset_storage_reader.offsets(partitions)
        for partition in partitions:
            offset = stored.get(FrozenMapping(partition))
            last = None if offset is None else offset.get(SEQ_FIELD)
            if offset is not None and not isinstance(last, int):
                raise ConnectError(f"Stored offset {dict(offset)} of {partition} lacks an integer seq")
            self._next_seq[partition[STREAM_FIELD]] = 0 if last is None else last + 1
        log.info("Example source task resumes at %s", self._next_seq)

        token = config.get_password(API_TOKEN_CONFIG)
        secret = token.value if isinstance(token, Password) else None
        # The client's constructor blocks (it "connects"), so it runs in a thread.
        self._client = await asyncio.to_thread(TickClient, secret)

    async def poll(self) -> list[SourceRecord]:
        # Pace the polls without blocking the loop; stop() ends the wait early.
        delay = self._next_poll - time.monotonic()
        if delay > 0 and await self._wait(delay):
            return []
        self._next_poll = time.monotonic() + self._interval_s
        assert self._client is not None
        records: list[SourceRecord] = []
        for stream in self._streams:
            first = self._next_seq[stream]
            count = self._batch_size
            if self._max_ticks >= 0:
                count = min(count, self._max_ticks - first)
            if count <= 0:
                continue
            ticks = await asyncio.to_thread(self._client.fetch, stream, first, count)
            records.extend(self._record(stream, seq, ms) for seq, ms in ticks)
            self._next_seq[stream] = first + len(ticks)
        return records

    def _record(self, stream: str, seq: int, epoch_ms: int) -> SourceRecord:
        value: Any
        value_schema: Schema
        if self._format == "text":
            value, value_schema = self._template.format(stream=stream, seq=seq), OPTIONAL_TEXT_SCHEMA
        else:
            emitted = datetime.datetime.fromtimestamp(epoch_ms / 1000, tz=datetime.UTC)
            value = (
                Struct(TICK_SCHEMA)
                .put("stream", stream)
                .put("seq", seq)
                .put("emitted_at", emitted)
                .put("note", "first tick" if seq == 0 else None)
            )
            value_schema = TICK_SCHEMA
        return SourceRecord(
            topic=self._topic,
            key_schema=STRING_SCHEMA,
            key=stream,
            value_schema=value_schema,
            value=value,
            timestamp=epoch_ms,
            source_partition={STREAM_FIELD: stream},
            source_offset={SEQ_FIELD: seq},
        )

    async def stop(self) -> None:
        self._stopped.set()
        if self._client is not None:
            await asyncio.to_thread(self._client.close)

    async def _wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if stop() was called meanwhile."""
        try:
            await asyncio.wait_for(self._stopped.wait(), seconds)
        except TimeoutError:
            return False
        return True


__all__ = ["CONFIG_DEF", "ExampleSourceConnector", "ExampleSourceTask", "TickClient"]
