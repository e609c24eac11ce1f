"""What source and sink task runners share: lifecycle, target state, status reports.

A runner is a :class:`~distconnect.runtime.service.Service` that owns one task instance. Its main
loop runs in the runner's task group; :meth:`stop` asks the plugin to stop, gives the loop
``task.shutdown.graceful.timeout.ms`` to finish, then cancels it — a plugin that hangs is
abandoned and reported, never waited for forever (the worker and its other tasks keep running).

State reports follow Apache Kafka Connect: RUNNING once ``start`` returned, PAUSED while the
target state is paused, FAILED with the stack trace when the plugin (or the tolerance policy)
gives up, UNASSIGNED when stopped normally.
"""

from __future__ import annotations

import asyncio
import logging
from abc import abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from distconnect.api.plugins import Converter, HeaderConverter
from distconnect.runtime.service import Service
from distconnect.runtime.states import State, Status, StatusListener, TargetState, TaskId, format_trace
from distconnect.runtime.task_stats import CommitStats, SizeHistogram
from distconnect.runtime.tolerance import ErrorPolicy

log = logging.getLogger(__name__)


class TransformStage:
    """What a runner needs of a configured transformation (optionally behind a predicate)."""

    alias: str
    executing_class: str

    def apply(self, record: Any) -> Any:  # pragma: no cover - protocol
        raise NotImplementedError


@dataclass(frozen=True)
class TaskSettings:
    """Everything a runner needs besides the plugin and the Kafka clients."""

    task_id: TaskId
    task_config: dict[str, str]
    worker_id: str
    key_converter: Converter
    value_converter: Converter
    header_converter: HeaderConverter
    stages: Sequence[Any]
    policy: ErrorPolicy
    offset_flush_interval_ms: int = 60_000
    offset_flush_timeout_ms: int = 5_000
    shutdown_timeout_ms: int = 5_000
    generation: int = 0


class TaskRunner(Service):
    """Base for the two runners; subclasses implement :meth:`execute`."""

    def __init__(
        self, settings: TaskSettings, listener: StatusListener, target: TargetState = TargetState.STARTED
    ) -> None:
        super().__init__(f"task-{settings.task_id}")
        # on_stop already waited up to twice the shutdown timeout; never hang the herder after that.
        self.abandon_after_s = settings.shutdown_timeout_ms / 1000
        self.settings = settings
        self.id = settings.task_id
        self._listener = listener
        self._target = target
        self._resumed = asyncio.Event()
        self._stopping = asyncio.Event()
        self._main: asyncio.Task[None] | None = None
        self.state = State.UNASSIGNED
        self.failure: BaseException | None = None
        #: The task plugin's ``version()``, shown in statuses (subclasses set it).
        self.plugin_version: str | None = None
        #: Read by the metrics collector: sizes of non-empty batches (polls / puts), offset commits.
        self.batch_sizes = SizeHistogram()
        self.offset_commits = CommitStats()

    # -- status ---------------------------------------------------------------------------------
    def _report(self, state: State, error: BaseException | None = None) -> None:
        self.state = state
        trace = format_trace(error) if error is not None else None
        # KIP-891: the plugin's version, except in states where no plugin instance runs.
        version = None if state in (State.UNASSIGNED, State.RESTARTING) else self.plugin_version
        self._listener.on_task_status(
            self.id, Status(state, self.settings.worker_id, trace, self.settings.generation, version)
        )

    # -- lifecycle ------------------------------------------------------------------------------
    async def on_started(self) -> None:
        if self._target is TargetState.STARTED:
            self._resumed.set()
        self._main = self.spawn(self._run(), name=f"{self.name}-main")

    async def _run(self) -> None:
        try:
            await self.execute()
        except asyncio.CancelledError:
            # Abandoned after the shutdown timeout: still release clients (a sink consumer left
            # open would keep its partitions from the task's next incarnation), bounded in time.
            try:
                async with asyncio.timeout(self.settings.shutdown_timeout_ms / 1000):
                    await self._cleanup_after_failure()
            except (TimeoutError, Exception):
                log.exception("task %s: cleanup after abandoning it failed", self.id)
            raise
        except Exception as raised:  # the plugin or the policy gave up: FAILED, the worker lives on
            err = _unwrap(raised)
            self.failure = err
            log.error("task %s failed: %s", self.id, err, exc_info=err)
            self._report(State.FAILED, err)
            await self._cleanup_after_failure()

    @abstractmethod
    async def execute(self) -> None:
        """Start the plugin, move data until :attr:`stopping`, stop the plugin."""

    async def _cleanup_after_failure(self) -> None:
        """Release what the failed task held (clients, plugin). Default: nothing."""

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def set_target_state(self, target: TargetState) -> None:
        """Pause or resume; takes effect between batches."""
        self._target = target
        if target is TargetState.STARTED:
            self._resumed.set()
        else:
            self._resumed.clear()

    async def await_unpaused(self) -> bool:
        """If paused, report PAUSED and wait for resume or stop. True if the runner should go on."""
        if self._resumed.is_set():
            return not self.stopping
        self._report(State.PAUSED)
        await self.on_pause()
        stop_wait = asyncio.ensure_future(self._stopping.wait())
        resume_wait = asyncio.ensure_future(self._resumed.wait())
        try:
            await asyncio.wait({stop_wait, resume_wait}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop_wait.cancel()
            resume_wait.cancel()
        if self.stopping:
            return False
        await self.on_resume()
        self._report(State.RUNNING)
        return True

    async def on_pause(self) -> None:
        """Called when the runner enters PAUSED (sinks pause their consumer). Default: nothing."""

    async def on_resume(self) -> None:
        """Called when the runner leaves PAUSED. Default: nothing."""

    async def on_stop(self) -> None:
        """Ask the loop to finish gracefully, then cancel it after the shutdown timeout."""
        self._stopping.set()
        self._resumed.set()
        await self.request_stop()
        main = self._main
        if main is None or main.done():
            return
        timeout = self.settings.shutdown_timeout_ms / 1000
        done, _ = await asyncio.wait({main}, timeout=timeout)
        if not done:
            log.error(
                "task %s did not stop within %d ms; abandoning it", self.id, self.settings.shutdown_timeout_ms
            )
            main.cancel()
            await asyncio.wait({main}, timeout=timeout)
            abandoned = TimeoutError(
                f"task {self.id} did not stop within {self.settings.shutdown_timeout_ms} ms and was abandoned"
            )
            self._report(State.FAILED, abandoned)

    async def wait_or_stop(self, seconds: float) -> None:
        """Wait ``seconds`` unless the runner is asked to stop first (a back-off that stop cuts short)."""
        try:
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
        except TimeoutError:
            pass

    async def call_plugin_bounded(self, what: str, call: Callable[[], Awaitable[Any]]) -> None:
        """Await a plugin call for at most the shutdown timeout; log (never raise) its failure.

        Used for ``stop()``: a plugin that hangs there is abandoned, not waited for forever.
        """
        try:
            async with asyncio.timeout(self.settings.shutdown_timeout_ms / 1000):
                await call()
        except TimeoutError:
            log.error(
                "task %s: %s did not return within %d ms; abandoning it",
                self.id,
                what,
                self.settings.shutdown_timeout_ms,
            )
        except Exception:
            log.exception("task %s: %s failed", self.id, what)

    async def request_stop(self) -> None:
        """Interrupt what the loop waits on (a poll, a fetch). Default: nothing."""


def plugin_version(plugin: object) -> str | None:
    """A plugin's ``version()``, or None when it has none or it fails (never raises)."""
    try:
        version = plugin.version()  # type: ignore[attr-defined]
    except Exception:
        return None
    return version if isinstance(version, str) and version else None


def _unwrap(error: Exception) -> Exception:
    """The one real cause inside (nested) exception groups from a runner's internal task group."""
    while isinstance(error, ExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error


def class_path(plugin: object) -> str:
    """``module.QualifiedName`` of a plugin's class (``__connect.errors.class.name``, like Java's)."""
    cls = type(plugin)
    return f"{cls.__module__}.{cls.__qualname__}"
