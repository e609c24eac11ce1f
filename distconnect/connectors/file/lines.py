"""Splitting a byte stream into lines with byte positions, as FileStreamSourceTask needs.

Pure and synchronous: the task feeds it the chunks it read (in a worker thread) and takes complete
lines out. Not thread-safe; one task owns one splitter and uses it from one call at a time.

Line terminators are those of Apache Kafka's FileStreamSourceTask: ``\\n``, ``\\r\\n`` and a lone
``\\r``. A ``\\r`` that is the last byte seen so far is held back until the next byte shows whether
it starts ``\\r\\n``; bytes after the last terminator stay buffered until their line is complete,
so a partially written last line is never emitted early. Splitting happens on bytes, which is
safe for UTF-8 (neither terminator byte occurs inside a multi-byte sequence); each line is then
decoded as UTF-8, malformed bytes becoming U+FFFD as in Java's decoder.
"""

from __future__ import annotations

from typing import NamedTuple


class Line(NamedTuple):
    """One complete line: its text (without terminator) and the byte position just after its
    terminator, i.e. where reading resumes if this line is the last one processed."""

    text: str
    end: int


class LineSplitter:
    """Accumulates bytes and yields complete lines with their end positions.

    ``position`` is the stream position of the first buffered byte: the offset at which a reader
    restarting after the last line taken would begin.
    """

    __slots__ = ("_buffer", "_position", "_start")

    def __init__(self, position: int = 0) -> None:
        self._buffer = bytearray()
        self._start = 0  # index in _buffer of the first byte not yet returned as part of a line
        self._position = position

    @property
    def position(self) -> int:
        return self._position

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned as part of a line."""
        return len(self._buffer) - self._start

    def feed(self, data: bytes) -> None:
        if self._start:
            # Compact lazily, only when more data arrives, so take() stays O(lines).
            del self._buffer[: self._start]
            self._start = 0
        self._buffer += data

    def take(self, limit: int) -> list[Line]:
        """Remove and return up to ``limit`` complete lines (at least one if any is complete)."""
        limit = max(1, limit)
        buffer, start, position = self._buffer, self._start, self._position
        size, find = len(buffer), buffer.find
        lines: list[Line] = []
        # Next \n and \r at or after ``start`` (-1: none left, -2: not searched yet). Each is
        # searched again only once passed, so the scan stays linear and runs at memchr speed.
        newline = carriage = -2
        while len(lines) < limit:
            if newline != -1 and newline < start:
                newline = find(b"\n", start)
            if carriage != -1 and carriage < start:
                carriage = find(b"\r", start)
            if carriage == -1 or (newline != -1 and newline < carriage):
                if newline == -1:
                    break
                text_end, end = newline, newline + 1
            elif carriage + 1 == size:
                break  # a trailing \r may be the first half of \r\n: wait for the next byte
            else:
                text_end = carriage
                end = carriage + 2 if buffer[carriage + 1] == 0x0A else carriage + 1
            position += end - start
            lines.append(Line(buffer[start:text_end].decode("utf-8", "replace"), position))
            start = end
        self._start, self._position = start, position
        return lines


__all__ = ["Line", "LineSplitter"]
