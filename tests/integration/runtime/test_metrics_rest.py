"""``GET /metrics`` of a standalone worker moving real data: a file source, a file sink and a task
that fails, scraped over HTTP and parsed with prometheus_client's own parser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from distconnect.runtime.sink_task import SinkTaskRunner
from distconnect.runtime.states import TaskId
from tests.integration.runtime.rest_worker import new_flaky, rest_worker, sample, scrape
from tests.support import eventually

LINES = 300


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_metrics_count_records_commits_and_show_a_failed_task(
    kafka_bootstrap: str, tmp_path: Path, topic_factory: object, http: aiohttp.ClientSession
) -> None:
    data_topic, doomed_topic = topic_factory("data"), topic_factory("doomed")  # type: ignore[operator]
    source_file, sink_file = tmp_path / "in.txt", tmp_path / "out.txt"
    source_file.write_text("".join(f"line {i}\n" for i in range(LINES)))
    async with rest_worker(kafka_bootstrap, tmp_path) as worker:
        herder = worker.herder
        await herder.put_connector_config(
            "src", {"connector.class": "FileStreamSource", "file": str(source_file), "topic": data_topic}
        )
        await herder.put_connector_config(
            "snk", {"connector.class": "FileStreamSink", "file": str(sink_file), "topics": data_topic}
        )
        await herder.put_connector_config(
            "doomed",
            {
                "connector.class": "tests.FlakySource",
                "flaky.id": new_flaky(),
                "fail.task.runs": "1000",
                "topic": doomed_topic,
            },
        )
        src, snk, doomed = ({"connector": c, "task": "0"} for c in ("src", "snk", "doomed"))

        async def flowed(count: int) -> dict[object, float] | None:
            s = await scrape(http, worker.url)
            done = (
                sample(s, "distconnect_source_task_records_written_total", **src) == count
                and sample(s, "distconnect_sink_task_records_sent_total", **snk) == count
                and sample(s, "distconnect_task_status", state="FAILED", **doomed) == 1
            )
            return s if done else None  # type: ignore[return-value]

        first = await eventually(lambda: flowed(LINES), deadline_s=30, what="every line through both tasks")
        assert sample(first, "distconnect_source_task_records_polled_total", **src) == LINES
        assert sample(first, "distconnect_sink_task_records_read_total", **snk) == LINES
        assert sample(first, "distconnect_sink_task_partitions", **snk) == 1
        assert sample(first, "distconnect_task_status", state="RUNNING", **src) == 1
        assert sample(first, "distconnect_task_status", state="RUNNING", **doomed) == 0
        assert sample(first, "distconnect_worker_tasks", state="FAILED") == 1
        assert sample(first, "distconnect_worker_tasks", state="RUNNING") == 2
        assert sample(first, "distconnect_connector_status", connector="doomed", state="RUNNING") == 1
        assert (sample(first, "distconnect_task_batch_size_count", **snk) or 0) >= 1
        assert sample(first, "distconnect_task_batch_size_sum", **src) == LINES

        # Appending lines moves the counters on (what a rate() over them shows).
        with source_file.open("a") as out:
            out.write("".join(f"more {i}\n" for i in range(50)))
        later = await eventually(lambda: flowed(LINES + 50), deadline_s=30, what="the appended lines")
        assert sample(later, "distconnect_sink_task_records_read_total", **snk) == LINES + 50

        async def committed_and_caught_up() -> bool:
            s = await scrape(http, worker.url)
            return (
                (sample(s, "distconnect_task_offset_commits_total", result="success", **src) or 0) >= 1
                and (sample(s, "distconnect_task_offset_commits_total", result="success", **snk) or 0) >= 1
                and sample(s, "distconnect_sink_task_records_lag_max", **snk) == 0
            )

        await eventually(committed_and_caught_up, deadline_s=30, what="offset commits and zero sink lag")
        sink_runner = herder.worker.task_runner(TaskId("snk", 0))
        assert isinstance(sink_runner, SinkTaskRunner)
        assert list(sink_runner.consumer_lag().values()) == [0], "the lag is measured, not defaulted"
        final = await scrape(http, worker.url)
        assert sample(final, "distconnect_task_offset_commits_total", result="failure", **src) == 0
        assert (sample(final, "distconnect_task_offset_commit_seconds_count", **snk) or 0) >= 1

        # Deleting a connector removes its task metrics.
        await herder.delete_connector("src")
        gone = await scrape(http, worker.url)
        assert sample(gone, "distconnect_source_task_records_written_total", **src) is None
        assert sample(gone, "distconnect_task_status", state="FAILED", **doomed) == 1


async def test_metrics_content_types_and_openmetrics(
    kafka_bootstrap: str, tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    async with rest_worker(kafka_bootstrap, tmp_path) as worker:
        async with http.get(f"{worker.url}metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
            text = await response.text()
        assert "# TYPE distconnect_worker_tasks gauge" in text
        assert 'distconnect_worker_tasks{state="RUNNING"} 0.0' in text
        accept = {"Accept": "application/openmetrics-text; version=1.0.0"}
        async with http.get(f"{worker.url}metrics", headers=accept) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("application/openmetrics-text")
            assert (await response.text()).rstrip().endswith("# EOF")
