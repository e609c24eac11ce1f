"""Record headers: an ordered list of (key, schema, value) triples where a key may repeat.

Headers travel with a :class:`~distconnect.api.records.ConnectRecord` through transformations and
converters. Kafka itself allows the same header key several times and keeps their order, so
``Headers`` is a list, not a dict: ``last_with_name`` is the usual "the value of header X" lookup.

``Headers`` is mutable and not thread-safe. ``ConnectRecord.new_record`` gives the new record its own
copy, so a transformation that edits the headers of the record it returns never changes the record
it was given.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from distconnect.api.data import Schema
from distconnect.api.errors import DataError
from distconnect.api.struct import validate_value


@dataclass(frozen=True, slots=True)
class Header:
    """One header: its key, an optional schema, and a value in Connect's Python representation.

    ``schema`` is ``None`` for schemaless headers (then ``value`` is any plain Python value).
    """

    key: str
    schema: Schema | None
    value: Any

    def with_value(self, schema: Schema | None, value: Any) -> Header:
        """Return a header with the same key and the given schema and value."""
        return Header(self.key, schema, value)

    def rename(self, key: str) -> Header:
        """Return a header with the same schema and value under another key."""
        return Header(key, self.schema, self.value)


class Headers:
    """An ordered collection of :class:`Header` in which keys may repeat.

    Mutators return ``self`` so calls chain: ``headers.add("a", 1).remove("b")``. Equality compares
    the headers in order.
    """

    __slots__ = ("_headers",)

    def __init__(self, headers: Iterable[Header] = ()) -> None:
        self._headers: list[Header] = list(headers)

    def add(self, key: str, value: Any, schema: Schema | None = None) -> Headers:
        """Append a header.

        With a schema, the value is validated against it (a ``None`` value needs an optional
        schema); a mismatch raises :class:`~distconnect.api.errors.DataError` and adds nothing.
        Without a schema the header is schemaless and any value is accepted.
        """
        return self.add_header(Header(key, schema, value))

    def add_header(self, header: Header) -> Headers:
        """Append an existing header, validating its value as :meth:`add` does."""
        if header.schema is not None:
            try:
                validate_value(header.schema, header.value)
            except DataError as exc:
                raise DataError(f"Invalid value for header {header.key!r}: {exc}") from exc
        self._headers.append(header)
        return self

    def last_with_name(self, key: str) -> Header | None:
        """The last header with this key, or ``None`` if there is none."""
        for header in reversed(self._headers):
            if header.key == key:
                return header
        return None

    def all_with_name(self, key: str) -> list[Header]:
        """Every header with this key, in order (an empty list if none)."""
        return [header for header in self._headers if header.key == key]

    def remove(self, key: str) -> Headers:
        """Remove every header with this key."""
        self._headers = [header for header in self._headers if header.key != key]
        return self

    def retain_latest(self, key: str | None = None) -> Headers:
        """Drop all but the last header of a key, leaving the survivor where it was.

        With ``key=None`` this is done for every key, so each key appears at most once afterwards.
        """
        seen: set[str] = set()
        kept: list[Header] = []
        # Walking backwards makes "the first one seen" the latest one.
        for header in reversed(self._headers):
            if key is not None and header.key != key:
                kept.append(header)
            elif header.key not in seen:
                seen.add(header.key)
                kept.append(header)
        kept.reverse()
        self._headers = kept
        return self

    def clear(self) -> Headers:
        """Remove every header."""
        self._headers.clear()
        return self

    def copy(self) -> Headers:
        """An independent copy: changing either collection leaves the other alone.

        Headers themselves are immutable and are shared; their values are not deep-copied.
        """
        return Headers(self._headers)

    def __iter__(self) -> Iterator[Header]:
        return iter(self._headers)

    def __len__(self) -> int:
        return len(self._headers)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return self._headers == other._headers

    __hash__ = None  # type: ignore[assignment]  # mutable, like list

    def __repr__(self) -> str:
        return f"Headers({self._headers!r})"


__all__ = ["Header", "Headers"]
