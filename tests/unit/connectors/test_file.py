"""FileStream connectors driven directly with fake contexts: line splitting, batching, resuming from
Apache-shaped offsets, partial last lines, the sink's rendering and flushing."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from distconnect.api.data import STRING_SCHEMA
from distconnect.api.errors import ConfigError, ConnectError
from distconnect.api.records import FrozenMapping, OffsetAndMetadata, SinkRecord, TopicPartition
from distconnect.connectors.file import source as source_module
from distconnect.connectors.file.lines import LineSplitter
from distconnect.connectors.file.sink import (
    FileStreamSinkConnector,
    FileStreamSinkTask,
    render_value,
)
from distconnect.connectors.file.source import FileStreamSourceConnector, FileStreamSourceTask

# -- LineSplitter (pure) -------------------------------------------------------------------------


def test_splitter_handles_every_terminator_and_counts_bytes() -> None:
    splitter = LineSplitter()
    splitter.feed("a\nbé\r\nc\rd".encode())
    lines = splitter.take(10)
    assert [(line.text, line.end) for line in lines] == [("a", 2), ("bé", 7), ("c", 9)]
    assert splitter.position == 9
    assert splitter.buffered == 1  # "d" waits for its terminator


def test_splitter_holds_a_trailing_carriage_return_until_the_next_byte() -> None:
    splitter = LineSplitter()
    splitter.feed(b"x\r")
    assert splitter.take(5) == []
    splitter.feed(b"\ny\r")
    assert [(line.text, line.end) for line in splitter.take(5)] == [("x", 3)]
    splitter.feed(b"z")
    assert [(line.text, line.end) for line in splitter.take(5)] == [("y", 5)]


def test_splitter_respects_the_limit_and_keeps_the_rest() -> None:
    splitter = LineSplitter(position=100)
    splitter.feed(b"1\n2\n3\n")
    assert [line.text for line in splitter.take(2)] == ["1", "2"]
    assert [(line.text, line.end) for line in splitter.take(2)] == [("3", 106)]


def test_splitter_replaces_malformed_utf8() -> None:
    splitter = LineSplitter()
    splitter.feed(b"ok\xff\n")
    assert splitter.take(1)[0].text == "ok\ufffd"


_line_text = st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=20)


@given(
    lines=st.lists(st.tuples(_line_text, st.sampled_from(["\n", "\r\n", "\r"])), max_size=30),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=10),
)
def test_splitter_recovers_lines_however_the_bytes_are_chunked(
    lines: list[tuple[str, str]], cuts: list[int]
) -> None:
    # A lone \r then an empty line ended by \n is the bytes \r\n, one terminator: not this case.
    assume(
        not any(
            end == "\r" and not text2 and end2.startswith("\n")
            for (_, end), (text2, end2) in itertools.pairwise(lines)
        )
    )
    data = "".join(text + end for text, end in lines).encode()
    data += b"#"  # a trailing partial line, never emitted; also lets a final \r resolve
    splitter = LineSplitter()
    taken = []
    bounds = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    for start, stop in itertools.pairwise(bounds):
        splitter.feed(data[start:stop])
        taken += splitter.take(3)
    taken += splitter.take(len(lines) + 1)
    ends, position = [], 0
    for text, end in lines:
        position += len((text + end).encode())
        ends.append(position)
    assert [(line.text, line.end) for line in taken] == [
        (text, e) for (text, _), e in zip(lines, ends, strict=True)
    ]
    assert splitter.buffered == 1


# -- source task -----------------------------------------------------------------------------------


@pytest.fixture
def entered_wait(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Set whenever the source task starts its idle wait (so tests know it is idle, not reading)."""
    entered = asyncio.Event()
    real: Callable[[asyncio.Event, float], Awaitable[bool]] = getattr(source_module, "wait_stopped")  # noqa: B009

    async def spy(stopped: asyncio.Event, seconds: float) -> bool:
        entered.set()
        return await real(stopped, seconds)

    monkeypatch.setattr(source_module, "wait_stopped", spy)
    return entered


async def started_source(
    source_context: Callable[[dict[str, str]], Any], path: Path | None, **extra: str
) -> FileStreamSourceTask:
    props = {"topic": "lines", **extra}
    if path is not None:
        props["file"] = str(path)
    task = FileStreamSourceTask()
    task.initialize(source_context(props))
    await task.start(props)
    return task


async def poll_idle(task: FileStreamSourceTask, entered: asyncio.Event) -> list[Any]:
    """Poll when no complete line is available: the poll must go idle, and stop must end it."""
    entered.clear()
    pending = asyncio.create_task(task.poll())
    await asyncio.wait_for(entered.wait(), 5)
    assert not pending.done()
    await task.stop()
    return await asyncio.wait_for(pending, 5)


async def test_source_reads_batches_with_java_offsets(tmp_path: Path, source_context: Any) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(b"one\ntwo\nthree\nfour\nfive\n")
    task = await started_source(source_context, path, **{"batch.size": "2"})
    batches = [await task.poll() for _ in range(3)]
    assert [[r.value for r in batch] for batch in batches] == [["one", "two"], ["three", "four"], ["five"]]
    records = [r for batch in batches for r in batch]
    assert [r.source_offset for r in records] == [{"position": p} for p in (4, 8, 14, 19, 24)]
    assert all(r.source_partition == {"filename": str(path)} for r in records)
    assert all(r.topic == "lines" and r.value_schema == STRING_SCHEMA for r in records)
    await task.stop()


async def test_source_resumes_from_the_stored_position(
    tmp_path: Path, source_context: Any, offsets: Any
) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(b"a\nb\nc\n")
    offsets.store({"filename": str(path)}, {"position": 2})
    task = await started_source(source_context, path)
    records = await task.poll()
    assert [(r.value, r.source_offset) for r in records] == [("b", {"position": 4}), ("c", {"position": 6})]
    await task.stop()


async def test_source_rejects_a_stored_position_of_the_wrong_type(
    tmp_path: Path, source_context: Any, offsets: Any
) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(b"a\n")
    offsets.store({"filename": str(path)}, {"position": "2"})
    task = await started_source(source_context, path)
    with pytest.raises(ConnectError, match="not an integer"):
        await task.poll()


async def test_source_waits_for_a_partial_last_line(
    tmp_path: Path, source_context: Any, entered_wait: asyncio.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source_module, "POLL_INTERVAL_S", 0.0)
    path = tmp_path / "in.txt"
    path.write_bytes(b"done\npart")
    task = await started_source(source_context, path)
    assert [(r.value, r.source_offset) for r in await task.poll()] == [("done", {"position": 5})]
    with path.open("ab") as out:
        out.write(b"ial\r")
    # "partial\r" may still become "partial\r\n": nothing to emit yet.
    entered_wait.clear()
    pending = asyncio.create_task(task.poll())
    await asyncio.wait_for(entered_wait.wait(), 5)
    with path.open("ab") as out:
        out.write(b"\nnext\n")
    assert await pending == []
    records = await task.poll()
    assert [(r.value, r.source_offset) for r in records] == [
        ("partial", {"position": 14}),
        ("next", {"position": 19}),
    ]
    await task.stop()


async def test_source_idle_poll_is_ended_by_stop(
    tmp_path: Path, source_context: Any, entered_wait: asyncio.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source_module, "POLL_INTERVAL_S", 3600.0)
    path = tmp_path / "in.txt"
    path.write_bytes(b"")
    task = await started_source(source_context, path)
    assert await poll_idle(task, entered_wait) == []
    assert await task.poll() == []  # stopped tasks return at once


async def test_source_waits_for_the_file_to_appear(
    tmp_path: Path, source_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source_module, "POLL_INTERVAL_S", 0.0)
    path = tmp_path / "later.txt"
    task = await started_source(source_context, path)
    assert await task.poll() == []
    path.write_bytes(b"here\n")
    assert [r.value for r in await task.poll()] == ["here"]
    await task.stop()


async def test_source_reads_a_large_file_in_order(tmp_path: Path, source_context: Any) -> None:
    path = tmp_path / "big.txt"
    expected = [f"line {i} " + "x" * (i % 50) for i in range(20_000)]
    path.write_text("".join(f"{line}\n" for line in expected))
    task = await started_source(source_context, path, **{"batch.size": "3000"})
    got: list[Any] = []
    while len(got) < len(expected):
        batch = await task.poll()
        assert 0 < len(batch) <= 3000
        got += batch
    assert [r.value for r in got] == expected
    assert got[-1].source_offset == {"position": path.stat().st_size}
    await task.stop()


@pytest.fixture
def stdin_pipe(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """Replace stdin with a pipe; yields its write end."""
    read_fd, write_fd = os.pipe()

    class PipeStdin:
        def fileno(self) -> int:
            return read_fd

    monkeypatch.setattr(sys, "stdin", PipeStdin())
    yield write_fd
    os.close(read_fd)


async def test_source_reads_stdin_without_positions(stdin_pipe: int, source_context: Any) -> None:
    os.write(stdin_pipe, b"x\ny\n")
    os.close(stdin_pipe)
    task = await started_source(source_context, None)
    records = await task.poll()
    assert [r.value for r in records] == ["x", "y"]
    assert all(r.source_partition == {"filename": None} for r in records)
    assert all(r.source_offset == {"position": None} for r in records)
    await task.stop()


# -- connectors ------------------------------------------------------------------------------------


def test_source_connector_runs_one_task_whatever_tasks_max() -> None:
    connector = FileStreamSourceConnector()
    connector.start({"topic": "t", "file": "/x"})
    assert connector.task_configs(5) == [{"topic": "t", "file": "/x"}]
    assert connector.task_class() is FileStreamSourceTask


def test_source_connector_validates_through_its_config_def() -> None:
    values = {v.name: v for v in FileStreamSourceConnector().validate({"file": "/x"})}
    assert values["topic"].errors
    assert not values["file"].errors
    assert values["batch.size"].value == 2000
    with pytest.raises(ConfigError, match="topic"):
        FileStreamSourceConnector().start({"file": "/x"})


@pytest.mark.parametrize(
    ("offsets", "message"),
    [
        ({FrozenMapping({"filename": "/x"}): {"pos": 1}}, "position"),
        ({FrozenMapping({"filename": "/x"}): {"position": "1"}}, "integer"),
        ({FrozenMapping({"filename": "/x"}): {"position": True}}, "integer"),
        ({FrozenMapping({"filename": "/x"}): {"position": -1}}, "negative"),
        ({FrozenMapping({"file": "/x"}): {"position": 1}}, "filename"),
    ],
)
def test_source_alter_offsets_rejects_malformed_offsets(offsets: Any, message: str) -> None:
    with pytest.raises(ConnectError, match=message):
        FileStreamSourceConnector().alter_offsets({"topic": "t", "file": "/x"}, offsets)


def test_source_alter_offsets_accepts_good_offsets_and_tombstones() -> None:
    offsets: dict[Mapping[str, Any], Mapping[str, Any] | None] = {
        FrozenMapping({"filename": "/x"}): {"position": 10},
        FrozenMapping({"garbage": 1}): None,
    }
    assert FileStreamSourceConnector().alter_offsets({"topic": "t", "file": "/x"}, offsets) is True
    with pytest.raises(ConnectError, match="standard input"):
        FileStreamSourceConnector().alter_offsets({"topic": "t"}, offsets)


def test_sink_connector_gives_every_task_the_same_config() -> None:
    connector = FileStreamSinkConnector()
    connector.start({"file": "/x", "topics": "a"})
    assert connector.task_configs(3) == [{"file": "/x", "topics": "a"}] * 3
    assert connector.alter_offsets({}, {TopicPartition("a", 0): 5}) is True


# -- sink task -------------------------------------------------------------------------------------


def sink_records(values: list[Any], partition: int = 0) -> list[SinkRecord]:
    return [
        SinkRecord(topic="t", kafka_partition=partition, kafka_offset=i, value=v)
        for i, v in enumerate(values)
    ]


def test_render_value_follows_java_where_python_differs() -> None:
    assert [render_value(v) for v in ("s", None, True, False, 7, 1.5, b"b\xc3\xa9")] == [
        "s",
        "null",
        "true",
        "false",
        "7",
        "1.5",
        "bé",
    ]


async def test_sink_appends_lines_and_flush_makes_them_durable(
    tmp_path: Path, sink_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def spy_fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy_fsync)
    path = tmp_path / "out.txt"
    path.write_text("existing\n")
    task = FileStreamSinkTask()
    task.initialize(sink_context({"file": str(path)}))
    await task.start({"file": str(path)})
    await task.put(sink_records(["a", None, 3]))
    await task.put([])
    await task.put(sink_records(["é"]))
    assert synced == []
    await task.flush({TopicPartition("t", 0): OffsetAndMetadata(4)})
    assert path.read_text() == "existing\na\nnull\n3\né\n"
    assert len(synced) == 1
    await task.put(sink_records(["tail"]))
    await task.stop()
    assert path.read_text().endswith("é\ntail\n")


async def test_sink_writes_before_flush_once_the_buffer_is_large(
    tmp_path: Path, sink_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("distconnect.connectors.file.sink.WRITE_THRESHOLD", 10)
    path = tmp_path / "out.txt"
    task = FileStreamSinkTask()
    task.initialize(sink_context({"file": str(path)}))
    await task.start({"file": str(path)})
    await task.put(sink_records(["short"]))
    assert path.read_bytes() == b""
    await task.put(sink_records(["long enough"]))
    assert path.read_text() == "short\nlong enough\n"
    await task.stop()


async def test_sink_without_file_writes_stdout(sink_context: Any, capsys: pytest.CaptureFixture[str]) -> None:
    task = FileStreamSinkTask()
    task.initialize(sink_context({}))
    await task.start({})
    await task.put(sink_records(["to stdout"]))
    await task.flush({})
    await task.stop()
    assert capsys.readouterr().out == "to stdout\n"


async def test_sink_reports_a_file_it_cannot_create(tmp_path: Path) -> None:
    task = FileStreamSinkTask()
    with pytest.raises(ConnectError, match="Could not open"):
        await task.start({"file": str(tmp_path / "missing-dir" / "out.txt")})


def test_sink_renders_values_like_java_string_value_of() -> None:
    from distconnect.api.data import INT32_SCHEMA, OPTIONAL_STRING_SCHEMA, SchemaBuilder
    from distconnect.api.struct import Struct
    from distconnect.connectors.file.sink import render_value

    schema = SchemaBuilder.struct().field("a", INT32_SCHEMA).field("b", OPTIONAL_STRING_SCHEMA).build()
    assert render_value({"n": 0, "ok": True, "none": None}) == "{n=0, ok=true, none=null}"
    assert render_value([1, "x", [False]]) == "[1, x, [false]]"
    assert render_value(Struct(schema).put("a", 7)) == "Struct{a=7}"
    assert render_value(Struct(schema).put("a", 7).put("b", "y")) == "Struct{a=7,b=y}"
