"""Kafka's classic (non-flexible) protocol primitives, as the Connect group protocol uses them.

Everything is big-endian. ``STRING`` is an int16 byte length followed by UTF-8; ``NULLABLE_BYTES``
is an int32 length (-1 for null) followed by the bytes; ``ARRAY`` is an int32 element count
(-1 for a null array, where the schema allows it) followed by the elements.

:class:`WireWriter` validates every value against its type's range before writing, so an
out-of-range value fails at encode time rather than producing bytes Java would reject.
:class:`WireReader` reads with Java's rules: negative string lengths and negative non-nullable
array counts are errors, truncated input is an error, and bytes that are not valid UTF-8 are
replaced (``U+FFFD``) the way ``new String(bytes, UTF_8)`` does. Both are pure and I/O-free.
"""

from __future__ import annotations

import struct

from distconnect.api.errors import DataError

_INT16 = struct.Struct(">h")
_INT32 = struct.Struct(">i")
_INT64 = struct.Struct(">q")

INT16_MAX = 2**15 - 1
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


class ProtocolError(DataError):
    """Bytes that do not parse as the Connect group protocol, or a value that cannot be encoded.

    The counterpart of Java's ``SchemaException`` for ``ConnectProtocol`` and
    ``IncrementalCooperativeConnectProtocol``.
    """


def _check_range(name: str, value: int, bits: int) -> None:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ProtocolError(f"{name} must be an int{bits} ({low}..{high}), not {value!r}")


class WireWriter:
    """Appends primitives to a growing buffer; :meth:`getvalue` returns the bytes written."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def int16(self, value: int, name: str = "int16") -> None:
        _check_range(name, value, 16)
        self._parts.append(_INT16.pack(value))

    def int32(self, value: int, name: str = "int32") -> None:
        _check_range(name, value, 32)
        self._parts.append(_INT32.pack(value))

    def int64(self, value: int, name: str = "int64") -> None:
        _check_range(name, value, 64)
        self._parts.append(_INT64.pack(value))

    def string(self, value: str, name: str = "string") -> None:
        """A non-null ``STRING``; at most 32767 UTF-8 bytes."""
        if not isinstance(value, str):
            raise ProtocolError(f"{name} must be a string, not {value!r}")
        try:
            data = value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ProtocolError(f"{name} is not encodable as UTF-8: {exc}") from exc
        if len(data) > INT16_MAX:
            raise ProtocolError(f"{name} is {len(data)} UTF-8 bytes, longer than the maximum {INT16_MAX}")
        self._parts.append(_INT16.pack(len(data)))
        self._parts.append(data)

    def nullable_bytes(self, value: bytes | None) -> None:
        if value is None:
            self._parts.append(_INT32.pack(-1))
            return
        self._parts.append(_INT32.pack(len(value)))
        self._parts.append(bytes(value))

    def array_count(self, count: int | None) -> None:
        """The int32 count that precedes an array's elements; ``None`` writes a null array (-1)."""
        self._parts.append(_INT32.pack(-1 if count is None else count))

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


class WireReader:
    """Reads primitives from ``data`` front to back; :attr:`remaining` bytes are left unread."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(bytes(data))
        self._pos = 0

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def _take(self, size: int, what: str) -> memoryview:
        if size > self.remaining:
            raise ProtocolError(f"Error reading {what}: needs {size} bytes, only {self.remaining} available")
        chunk = self._data[self._pos : self._pos + size]
        self._pos += size
        return chunk

    def int16(self, what: str = "int16") -> int:
        value: int = _INT16.unpack(self._take(2, what))[0]
        return value

    def int32(self, what: str = "int32") -> int:
        value: int = _INT32.unpack(self._take(4, what))[0]
        return value

    def int64(self, what: str = "int64") -> int:
        value: int = _INT64.unpack(self._take(8, what))[0]
        return value

    def string(self, what: str = "string") -> str:
        length = self.int16(what)
        if length < 0:
            raise ProtocolError(f"Error reading {what}: string length {length} cannot be negative")
        return bytes(self._take(length, what)).decode("utf-8", "replace")

    def nullable_bytes(self, what: str = "bytes") -> bytes | None:
        length = self.int32(what)
        if length < 0:
            return None
        return bytes(self._take(length, what))

    def array_count(self, what: str, *, nullable: bool) -> int | None:
        """An array's element count; ``None`` for a null array (only where ``nullable``)."""
        count = self.int32(what)
        if count < 0:
            if nullable:
                return None
            raise ProtocolError(f"Error reading {what}: array size {count} cannot be negative")
        if count > self.remaining:
            raise ProtocolError(
                f"Error reading {what}: array of size {count}, only {self.remaining} bytes available"
            )
        return count
