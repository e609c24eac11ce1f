"""TaskRunner / SourceTaskRunner state machine without a broker: fake runners, tasks and producers.

What is pinned down here: the states a runner reports (RUNNING, PAUSED, FAILED with the trace,
UNASSIGNED), that pausing stops the loop, and that ``stop()`` is bounded by the shutdown timeout
whatever the plugin does (DESIGN-NOTES §7: a plugin that hangs is abandoned, never waited for).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from distconnect.api import RetriableError, SourceRecord, SourceTask
from distconnect.converters.string import StringConverter
from distconnect.runtime.offsets import MemoryOffsetStore
from distconnect.runtime.source_task import SourceTaskRunner
from distconnect.runtime.states import State, Status, StatusListener, TargetState, TaskId
from distconnect.runtime.task_runner import TaskRunner, TaskSettings
from distconnect.runtime.tolerance import ErrorPolicy
from tests.support import eventually
from tests.unit.runtime.fake_producer import AutoAckProducer

TASK = TaskId("conn", 0)
SHUTDOWN_MS = 300
#: Slack on top of the bounds the runner promises (scheduling on a loaded 2-core box).
MARGIN_S = 1.0


class Recorder(StatusListener):
    def __init__(self) -> None:
        self.reports: list[Status] = []

    def on_task_status(self, task: TaskId, status: Status) -> None:
        assert task == TASK
        self.reports.append(status)

    def on_connector_status(self, connector: str, status: Status) -> None:  # pragma: no cover
        raise AssertionError("a task runner reported a connector status")

    @property
    def states(self) -> list[State]:
        return [s.state for s in self.reports]

    @property
    def last(self) -> State | None:
        return self.reports[-1].state if self.reports else None


def _settings(shutdown_ms: int = SHUTDOWN_MS) -> TaskSettings:
    converters = []
    for is_key in (True, False, False):
        converter = StringConverter()
        converter.configure({}, is_key)
        converters.append(converter)
    return TaskSettings(
        task_id=TASK,
        task_config={"topic": "t"},
        worker_id="w1",
        key_converter=converters[0],
        value_converter=converters[1],
        header_converter=converters[2],
        stages=(),
        policy=ErrorPolicy(),
        offset_flush_interval_ms=60_000,
        offset_flush_timeout_ms=1_000,
        shutdown_timeout_ms=shutdown_ms,
    )


async def _stop_within(runner: TaskRunner, bound_s: float) -> float:
    """Stop ``runner``; fail if that takes longer than ``bound_s`` (the stop keeps running)."""
    began = time.monotonic()
    stopping = asyncio.ensure_future(runner.stop())
    done, _ = await asyncio.wait({stopping}, timeout=bound_s)
    assert done, f"stop() of {runner.name} did not return within {bound_s:.1f} s"
    await stopping
    return time.monotonic() - began


# -- a runner with a scripted execute() ----------------------------------------------------------
class LoopRunner(TaskRunner):
    """``execute`` = start, then iterate while not paused/stopped, like the real runners."""

    def __init__(
        self,
        listener: StatusListener,
        target: TargetState = TargetState.STARTED,
        shutdown_ms: int = SHUTDOWN_MS,
    ) -> None:
        super().__init__(_settings(shutdown_ms), listener, target)
        self.iterations = 0
        self.fail_on_iteration: int | None = None

    async def execute(self) -> None:
        self._report(State.RUNNING)
        while await self.await_unpaused():
            self.iterations += 1
            if self.iterations == self.fail_on_iteration:
                raise ValueError("iteration exploded: disk on fire")
            await asyncio.sleep(0.002)  # pace the fake loop; not synchronisation
        self._report(State.UNASSIGNED)


async def _unchanged(read: Any, window_s: float, interval: float = 0.02) -> Any:
    """``read()`` polled over ``window_s``: fail if it changes, else return its value."""
    first = read()
    deadline = time.monotonic() + window_s
    while time.monotonic() < deadline:
        await asyncio.sleep(interval)
        assert read() == first, f"changed from {first!r} to {read()!r} within {window_s} s"
    return first


async def test_pause_resume_stop_report_paused_running_unassigned_and_pause_halts_the_loop() -> None:
    listener = Recorder()
    runner = LoopRunner(listener)
    await runner.start()
    await eventually(lambda: runner.iterations > 3, deadline_s=5, what="the loop to iterate")

    runner.set_target_state(TargetState.PAUSED)
    await eventually(lambda: listener.last is State.PAUSED, deadline_s=5, what="PAUSED")
    assert runner.state is State.PAUSED
    await _unchanged(lambda: runner.iterations, 0.3)

    before = runner.iterations
    runner.set_target_state(TargetState.STARTED)
    await eventually(lambda: runner.iterations > before + 3, deadline_s=5, what="iterations after resume")
    assert listener.last is State.RUNNING

    elapsed = await _stop_within(runner, SHUTDOWN_MS / 1000 + MARGIN_S)
    assert listener.states == [State.RUNNING, State.PAUSED, State.RUNNING, State.UNASSIGNED]
    assert elapsed < SHUTDOWN_MS / 1000, "a loop that honours stop must not need the shutdown timeout"


async def test_runner_created_paused_never_iterates_until_resumed() -> None:
    listener = Recorder()
    runner = LoopRunner(listener, TargetState.PAUSED)
    await runner.start()
    await eventually(lambda: listener.last is State.PAUSED, deadline_s=5, what="PAUSED")
    await _unchanged(lambda: runner.iterations, 0.3)
    assert runner.iterations == 0
    runner.set_target_state(TargetState.STARTED)
    await eventually(lambda: runner.iterations > 0, deadline_s=5, what="the first iteration after resume")
    assert listener.last is State.RUNNING
    await _stop_within(runner, SHUTDOWN_MS / 1000 + MARGIN_S)
    assert listener.last is State.UNASSIGNED


async def test_stop_while_paused_returns_without_waiting_for_the_timeout() -> None:
    listener = Recorder()
    runner = LoopRunner(listener, TargetState.PAUSED, shutdown_ms=5_000)
    await runner.start()
    await eventually(lambda: listener.last is State.PAUSED, deadline_s=5, what="PAUSED")
    elapsed = await _stop_within(runner, 2.0)
    assert elapsed < 1.0
    assert listener.last is State.UNASSIGNED
    assert runner.iterations == 0


async def test_execute_raising_reports_failed_with_the_trace_and_stop_keeps_it_failed() -> None:
    listener = Recorder()
    runner = LoopRunner(listener)
    runner.fail_on_iteration = 3
    await runner.start()
    await eventually(lambda: listener.last is State.FAILED, deadline_s=5, what="FAILED")
    failed = listener.reports[-1]
    assert failed.worker_id == "w1"
    assert failed.trace is not None
    assert "ValueError: iteration exploded: disk on fire" in failed.trace
    assert "Traceback" in failed.trace
    assert isinstance(runner.failure, ValueError)
    await _stop_within(runner, SHUTDOWN_MS / 1000 + MARGIN_S)
    assert listener.last is State.FAILED, "stopping a failed task must not hide its failure"
    assert listener.states == [State.RUNNING, State.FAILED]


class GroupFailRunner(TaskRunner):
    """Fails inside an internal task group, as the source runner's ack processor can."""

    async def execute(self) -> None:
        self._report(State.RUNNING)

        async def explode() -> None:
            raise KeyError("ack processor lost record 42")

        async with asyncio.TaskGroup() as group:
            group.create_task(explode())
            await asyncio.Event().wait()


async def test_failure_inside_an_internal_task_group_reports_the_real_cause() -> None:
    listener = Recorder()
    runner = GroupFailRunner(_settings(), listener)
    await runner.start()
    await eventually(lambda: listener.last is State.FAILED, deadline_s=5, what="FAILED")
    assert isinstance(runner.failure, KeyError)
    trace = listener.reports[-1].trace
    assert trace is not None
    assert "KeyError: 'ack processor lost record 42'" in trace
    await runner.stop()


class DeafRunner(TaskRunner):
    """Never looks at ``stopping``: its loop waits on something that never happens."""

    def __init__(self, listener: StatusListener) -> None:
        super().__init__(_settings(), listener)
        self.cancelled = 0
        #: Cancellation-triggered cleanup that hangs until set (a client close() that never returns).
        self.release_cleanup: asyncio.Event | None = None
        #: Swallow every cancellation until set (a retry loop catching BaseException).
        self.stop_swallowing: asyncio.Event | None = None

    async def execute(self) -> None:
        self._report(State.RUNNING)
        while True:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                if self.release_cleanup is not None:
                    await self.release_cleanup.wait()
                if self.stop_swallowing is not None and not self.stop_swallowing.is_set():
                    continue
                raise


async def test_stop_of_a_loop_that_ignores_stop_is_bounded_by_the_shutdown_timeout() -> None:
    listener = Recorder()
    runner = DeafRunner(listener)
    await runner.start()
    await eventually(lambda: listener.last is State.RUNNING, deadline_s=5, what="RUNNING")
    elapsed = await _stop_within(runner, SHUTDOWN_MS / 1000 + MARGIN_S)
    assert elapsed >= SHUTDOWN_MS / 1000 * 0.9, "the loop was given its graceful timeout first"
    assert runner.cancelled >= 1, "the hung loop is cancelled (abandoned) after the timeout"


async def test_abandoned_runner_is_reported_failed_not_left_running() -> None:
    listener = Recorder()
    runner = DeafRunner(listener)
    await runner.start()
    await eventually(lambda: listener.last is State.RUNNING, deadline_s=5, what="RUNNING")
    await _stop_within(runner, SHUTDOWN_MS / 1000 + MARGIN_S)
    # api/task.py: "A method that hangs past the runtime's timeout is abandoned and the task
    # reported FAILED"; DESIGN-NOTES §7: "abandoned after its timeout and reported".
    assert listener.last is State.FAILED
    assert listener.reports[-1].trace


async def test_stop_is_bounded_even_if_the_loop_hangs_in_its_cancellation_cleanup() -> None:
    listener = Recorder()
    runner = DeafRunner(listener)
    runner.release_cleanup = asyncio.Event()
    await runner.start()
    await eventually(lambda: listener.last is State.RUNNING, deadline_s=5, what="RUNNING")
    stopping = asyncio.ensure_future(runner.stop())
    try:
        # on_stop waits the timeout, cancels, waits the timeout again: 2x plus slack at most.
        done, _ = await asyncio.wait({stopping}, timeout=3 * SHUTDOWN_MS / 1000 + MARGIN_S)
        assert done, "stop() hangs while the abandoned loop's cleanup hangs"
        assert runner.cancelled >= 1
    finally:
        runner.release_cleanup.set()
        await stopping


async def test_stop_is_bounded_even_if_the_loop_swallows_cancellation() -> None:
    listener = Recorder()
    runner = DeafRunner(listener)
    runner.stop_swallowing = asyncio.Event()
    await runner.start()
    await eventually(lambda: listener.last is State.RUNNING, deadline_s=5, what="RUNNING")
    stopping = asyncio.ensure_future(runner.stop())
    try:
        done, _ = await asyncio.wait({stopping}, timeout=3 * SHUTDOWN_MS / 1000 + MARGIN_S)
        assert done, "stop() never returns while the plugin swallows cancellation"
    finally:
        runner.stop_swallowing.set()
        if runner._main is not None:
            runner._main.cancel()
        await stopping


# -- SourceTaskRunner with a fake producer -------------------------------------------------------
FakeProducer = AutoAckProducer


class ScriptedSource(SourceTask):
    """A source task whose misbehaviour is chosen per test."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.starts = 0
        self.stops = 0
        self.polls = 0
        self.fail_start = False
        self.poll_errors: list[Exception] = []
        self.poll_forever = False
        self.hang_stop: asyncio.Event | None = None
        self.seq = 0

    def version(self) -> str:
        return "1"

    async def start(self, props: Mapping[str, str]) -> None:
        self.calls.append("start")
        self.starts += 1
        if self.fail_start:
            raise RuntimeError("cannot reach the source database at db:5432")

    async def poll(self) -> list[SourceRecord]:
        self.polls += 1
        if self.poll_errors:
            raise self.poll_errors.pop(0)
        if self.poll_forever:
            await asyncio.Event().wait()
        await asyncio.sleep(0.005)  # pace the fake source; not synchronisation
        records = [
            SourceRecord(
                topic="t",
                value=f"v{self.seq + i}",
                source_partition={"p": 0},
                source_offset={"seq": self.seq + i},
            )
            for i in range(5)
        ]
        self.seq += 5
        return records

    async def stop(self) -> None:
        self.calls.append("stop")
        self.stops += 1
        if self.hang_stop is not None:
            await self.hang_stop.wait()


def _source_runner(task: ScriptedSource, listener: StatusListener, shutdown_ms: int = SHUTDOWN_MS) -> Any:
    producer = FakeProducer()
    runner = SourceTaskRunner(
        _settings(shutdown_ms),
        task,
        producer,
        MemoryOffsetStore(),
        listener,
    )
    return runner, producer


async def test_source_poll_error_fails_with_trace_stops_the_task_once_and_closes_the_producer() -> None:
    listener = Recorder()
    task = ScriptedSource()
    task.poll_errors = [ValueError("malformed row 17 in source table")]
    runner, producer = _source_runner(task, listener)
    await runner.start()
    await eventually(lambda: listener.last is State.FAILED, deadline_s=5, what="FAILED")
    trace = listener.reports[-1].trace
    assert trace is not None
    assert "ValueError: malformed row 17 in source table" in trace
    assert listener.states == [State.RUNNING, State.FAILED]
    assert task.stops == 1
    assert producer.stopped
    await _stop_within(runner, SHUTDOWN_MS / 1000 + MARGIN_S)
    assert task.stops == 1, "stop() is called once, not again when the failed runner is stopped"
    assert listener.last is State.FAILED


async def test_source_start_error_fails_with_trace() -> None:
    listener = Recorder()
    task = ScriptedSource()
    task.fail_start = True
    runner, producer = _source_runner(task, listener)
    await runner.start()
    await eventually(lambda: listener.last is State.FAILED, deadline_s=5, what="FAILED")
    trace = listener.reports[-1].trace
    assert trace is not None
    assert "RuntimeError: cannot reach the source database at db:5432" in trace
    assert State.RUNNING not in listener.states, "a task whose start() raised never ran"
    assert task.polls == 0
    assert producer.stopped
    await runner.stop()


async def test_source_task_whose_start_failed_is_not_stopped() -> None:
    listener = Recorder()
    task = ScriptedSource()
    task.fail_start = True
    runner, _ = _source_runner(task, listener)
    await runner.start()
    await eventually(lambda: listener.last is State.FAILED, deadline_s=5, what="FAILED")
    await runner.stop()
    # api/task.py Task.stop: "Awaited on the event loop once, after a successful start";
    # Apache's AbstractWorkerSourceTask.close() calls task.stop() only if the task started.
    assert task.stops == 0


async def test_source_retriable_poll_error_is_retried_not_fatal() -> None:
    listener = Recorder()
    task = ScriptedSource()
    task.poll_errors = [RetriableError("source briefly unavailable")]
    runner, producer = _source_runner(task, listener)
    await runner.start()
    try:
        # api/task.py SourceTask.poll: "Raising RetriableError makes the runtime log it, back off
        # and poll again"; Apache's AbstractWorkerSourceTask.poll does the same.
        await eventually(lambda: len(producer.sent) >= 10 or listener.last is State.FAILED, deadline_s=5)
        assert listener.last is State.RUNNING, f"states: {listener.states}"
        assert task.polls >= 2
    finally:
        await runner.stop()


async def test_source_runner_stopped_before_its_task_started_never_stops_it_first() -> None:
    listener = Recorder()
    task = ScriptedSource()
    runner, producer = _source_runner(task, listener)
    producer.start_gate = asyncio.Event()
    await runner.start()
    await eventually(producer.start_entered.is_set, deadline_s=5, what="the producer to be starting")
    stopping = asyncio.ensure_future(runner.stop())  # e.g. a rebalance right after the assignment
    await eventually(lambda: "stop" in task.calls or stopping.done(), deadline_s=2, what="stop()")
    producer.start_gate.set()
    await stopping
    # Either the task never starts, or it is started and then stopped: never stop() before start()
    # and never a started task left running (Apache: WorkerSourceTask tracks
    # startedShutdownBeforeStartCompleted for exactly this).
    assert task.calls in ([], ["start", "stop"]), f"calls into the task: {task.calls}"


async def test_source_poll_blocked_forever_is_cancelled_promptly_on_stop() -> None:
    listener = Recorder()
    task = ScriptedSource()
    task.poll_forever = True
    runner, producer = _source_runner(task, listener, shutdown_ms=5_000)
    await runner.start()
    await eventually(lambda: task.polls == 1 and listener.last is State.RUNNING, deadline_s=5, what="poll")
    elapsed = await _stop_within(runner, 2.0)
    assert elapsed < 1.0, "stop() then cancelling the pending poll must not need the timeout"
    assert task.stops == 1
    assert producer.stopped
    assert listener.last is State.UNASSIGNED


async def test_source_stop_that_hangs_is_abandoned_after_the_shutdown_timeout() -> None:
    listener = Recorder()
    task = ScriptedSource()
    task.hang_stop = asyncio.Event()
    runner, _ = _source_runner(task, listener)
    await runner.start()
    await eventually(lambda: task.polls > 2, deadline_s=5, what="polling")
    stopping = asyncio.ensure_future(runner.stop())
    try:
        done, _ = await asyncio.wait({stopping}, timeout=3 * SHUTDOWN_MS / 1000 + MARGIN_S)
        assert done, "stop() of a runner whose task.stop() hangs did not return"
    finally:
        task.hang_stop.set()
        await stopping


async def test_paused_source_runner_does_not_poll_and_resumes() -> None:
    listener = Recorder()
    task = ScriptedSource()
    runner, producer = _source_runner(task, listener)
    await runner.start()
    await eventually(lambda: len(producer.sent) >= 20, deadline_s=5, what="records sent")
    runner.set_target_state(TargetState.PAUSED)
    await eventually(lambda: listener.last is State.PAUSED, deadline_s=5, what="PAUSED")
    polls = await _unchanged(lambda: task.polls, 0.3)
    sent = len(producer.sent)
    runner.set_target_state(TargetState.STARTED)
    await eventually(lambda: task.polls > polls + 2, deadline_s=5, what="polling after resume")
    assert listener.last is State.RUNNING
    await runner.stop()
    assert len(producer.sent) > sent
    assert producer.sent == [f"v{i}".encode() for i in range(len(producer.sent))]
