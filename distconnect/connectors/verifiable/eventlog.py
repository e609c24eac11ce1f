"""The machine-readable event log of the Verifiable connectors: one JSON object per line.

Each line describes one record event and carries at least ``name`` (the connector), ``task`` (the
*source* task id that produced the record), ``seqno``, ``event`` (``sent``, ``committed``,
``received`` or ``flushed``), ``pid`` (the worker process), ``topic`` and ``time_ms``. Sink events
add ``sinkTask``, ``partition`` and ``offset``. The keys Apache Kafka's VerifiableSource/Sink
print are all present (including ``"committed": true`` and ``"flushed": true``), so parsers
written for Apache's output read these lines too; :mod:`distconnect.connectors.verifiable.analysis`
reads both.

Lines go to the file named by ``verifiable.log.file``, or to standard output when it is unset
(as Apache's do). Several tasks and worker processes may append to one file: every batch is a
single ``write`` on a descriptor opened with ``O_APPEND``, so batches never interleave mid-line.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any, Final

import orjson

LOG_FILE_CONFIG: Final = "verifiable.log.file"
LOG_FILE_DOC: Final = (
    "File the task appends its JSON event lines to (sent, committed, received, flushed). "
    "Leave it unset to print them to standard output, as Apache Kafka's Verifiable connectors do."
)

SENT: Final = "sent"
COMMITTED: Final = "committed"
RECEIVED: Final = "received"
FLUSHED: Final = "flushed"


class EventLog:
    """Buffers event lines and writes them in batches from worker threads (group commit).

    ``append`` only serialises the event. ``write`` returns once every event appended before the
    call is in the operating system (not fsynced: the log must survive the *process* being
    killed, which is what the tests do, not the machine). Concurrent ``write`` calls share one
    thread write, so a task that awaits ``write`` per record pays one write per batch of records
    that arrived meanwhile. Used from one event loop; not thread-safe.
    """

    def __init__(self, path: str | None) -> None:
        self._path = path or None
        self._pending: list[bytes] = []
        self._appended = 0
        self._written = 0
        self._writing: asyncio.Future[None] | None = None

    @property
    def path(self) -> str | None:
        return self._path

    def append(self, event: dict[str, Any]) -> None:
        self._pending.append(orjson.dumps(event))
        self._appended += 1

    async def write(self) -> None:
        """Wait until every event appended so far has been written."""
        target = self._appended
        while self._written < target:
            if self._writing is None:
                self._writing = asyncio.ensure_future(self._write_pending())
            # Shielded: a cancelled caller must not abandon a write others are waiting for.
            await asyncio.shield(self._writing)

    async def _write_pending(self) -> None:
        lines, self._pending = self._pending, []
        try:
            if lines:
                await asyncio.to_thread(self._write_bytes, b"\n".join(lines) + b"\n")
        finally:
            # Counted even if the write failed (its waiters get the error), so later calls
            # never wait for lines that are gone.
            self._written += len(lines)
            self._writing = None

    def _write_bytes(self, data: bytes) -> None:
        if self._path is None:
            out = sys.stdout
            buffer = getattr(out, "buffer", None)
            if buffer is not None:
                out.flush()  # keep text already printed ahead of these bytes
                buffer.write(data)
                buffer.flush()
            else:
                out.write(data.decode("utf-8"))
                out.flush()
            return
        fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)


__all__ = ["COMMITTED", "FLUSHED", "LOG_FILE_CONFIG", "LOG_FILE_DOC", "RECEIVED", "SENT", "EventLog"]
