"""Connect's group protocol: member metadata and assignments, byte-for-byte as Apache Kafka Connect.

Three sub-protocols share the JoinGroup protocol type ``connect``:

=============  =======  ==========================================================
name           version  meaning
=============  =======  ==========================================================
``default``    0        eager: every rebalance revokes everything
``compatible`` 1        incremental cooperative (KIP-415)
``sessioned``  2        incremental cooperative plus signed internal REST requests
=============  =======  ==========================================================

Layouts (Java's ``ConnectProtocol`` and ``IncrementalCooperativeConnectProtocol`` Struct schemas),
each message starting with the header ``version: int16``:

* metadata v0: ``url: STRING, config_offset: INT64``;
* metadata v1/v2: the same, then ``allocation: NULLABLE_BYTES`` holding the member's current
  assignment encoded as an extended assignment (its own header carries the metadata's version),
  or null when the member has none;
* assignment v0: ``error: INT16, leader: STRING, leader_url: STRING, config_offset: INT64,
  assignment: ARRAY(connector: STRING, tasks: ARRAY(INT32))``;
* assignment v1/v2: ``assignment`` becomes a nullable array, then ``revoked`` (nullable array of the
  same connector entries) and ``delay: INT32``. Missing trailing fields decode with defaults
  (empty, empty, 0), so v0 assignment bytes decode as an extended assignment too.

A connector's own instance is the task id ``-1`` (:data:`CONNECTOR_TASK`) in its entry's task
list. Entries are written connectors first (each listed once, with ``-1``), then tasks appended to
their connector's entry, in the order given. Decoders accept any version >= 0 (newer versions are
read as the newest known layout) and ignore trailing bytes, as Java does. All functions are pure.
"""

from __future__ import annotations

from collections.abc import Iterable

from distconnect.distributed.protocol_types import (
    COMPATIBILITY_MODES,
    COMPATIBLE_PROTOCOL,
    CONFIG_MISMATCH,
    CONNECT_PROTOCOL_V0,
    CONNECT_PROTOCOL_V1,
    CONNECT_PROTOCOL_V2,
    CONNECTOR_TASK,
    EAGER_PROTOCOL,
    NO_ERROR,
    PROTOCOL_TYPE,
    PROTOCOL_VERSIONS,
    SESSIONED_PROTOCOL,
    Assignment,
    ExtendedAssignment,
    ExtendedWorkerState,
    WorkerState,
)
from distconnect.distributed.protocol_wire import ProtocolError, WireReader, WireWriter
from distconnect.runtime.states import TaskId


def protocol_version(protocol: str) -> int:
    """The version of a sub-protocol name (case-insensitive, like Java's ``fromProtocol``)."""
    try:
        return PROTOCOL_VERSIONS[protocol.lower()]
    except KeyError:
        message = f"Not found Connect protocol compatibility mode for protocol: {protocol}"
        raise ProtocolError(message) from None


def join_protocols(connect_protocol: str, state: ExtendedWorkerState) -> list[tuple[str, bytes]]:
    """The (name, metadata) pairs a member offers in JoinGroup, most preferred first.

    ``connect_protocol`` is the worker's ``connect.protocol`` (``eager``, ``compatible`` or
    ``sessioned``, case-insensitive). A mode offers its own sub-protocol and every older one:
    ``sessioned`` -> [sessioned, compatible, default]; ``eager`` offers only ``default``, whose
    metadata has no assignment.
    """
    newest = COMPATIBILITY_MODES.get(connect_protocol.lower())
    if newest is None:
        raise ProtocolError(f"Unknown Connect protocol compatibility mode: {connect_protocol}")
    offered: list[tuple[str, bytes]] = []
    for name, version in PROTOCOL_VERSIONS.items():
        if version > PROTOCOL_VERSIONS[newest]:
            continue
        if version == CONNECT_PROTOCOL_V0:
            offered.append((name, encode_worker_state(state)))
        else:
            offered.append((name, encode_extended_worker_state(state, version)))
    return offered


def _write_header(out: WireWriter, version: int) -> None:
    if version < 0:
        raise ProtocolError(f"Connect protocol version must not be negative: {version}")
    out.int16(version, "version")


def _read_header(reader: WireReader) -> int:
    version = reader.int16("version")
    if version < CONNECT_PROTOCOL_V0:
        raise ProtocolError(f"Unsupported subscription version: {version}")
    return version


def encode_worker_state(state: WorkerState) -> bytes:
    """Metadata v0 (``default``): header 0, url, config offset. An extended state's assignment is dropped."""
    out = WireWriter()
    _write_header(out, CONNECT_PROTOCOL_V0)
    out.string(state.url, "url")
    out.int64(state.config_offset, "config-offset")
    return out.getvalue()


def decode_worker_state(data: bytes) -> WorkerState:
    """Metadata v0 as Java's ``ConnectProtocol.deserializeMetadata``; anything after the offset is ignored."""
    reader = WireReader(data)
    _read_header(reader)
    url = reader.string("url")
    return WorkerState(url, reader.int64("config-offset"))


def encode_extended_worker_state(state: WorkerState, version: int) -> bytes:
    """Metadata v1 or v2; the embedded assignment is re-headed with ``version``, as Java does."""
    if version < CONNECT_PROTOCOL_V1:
        raise ProtocolError(f"Extended worker metadata needs version >= 1, not {version}")
    assignment = state.assignment if isinstance(state, ExtendedWorkerState) else None
    out = WireWriter()
    _write_header(out, version)
    out.string(state.url, "url")
    out.int64(state.config_offset, "config-offset")
    out.nullable_bytes(None if assignment is None else encode_extended_assignment(assignment, version))
    return out.getvalue()


def decode_extended_worker_state(data: bytes) -> ExtendedWorkerState:
    """Metadata of any version (the leader's parser): a missing allocation decodes as ``None``."""
    reader = WireReader(data)
    _read_header(reader)
    url = reader.string("url")
    offset = reader.int64("config-offset")
    allocation = reader.nullable_bytes("allocation") if reader.remaining else None
    assignment = None if allocation is None else decode_extended_assignment(allocation)
    return ExtendedWorkerState(url, offset, assignment)


def _group(connectors: Iterable[str], tasks: Iterable[TaskId]) -> dict[str, list[int]]:
    entries: dict[str, list[int]] = {}
    for connector in connectors:
        if connector not in entries:
            entries[connector] = [CONNECTOR_TASK]
    for task in tasks:
        if task.task < 0:
            raise ProtocolError(f"Task {task} has a negative task number and cannot be assigned")
        entries.setdefault(task.connector, []).append(task.task)
    return entries


def _write_entries(out: WireWriter, entries: dict[str, list[int]]) -> None:
    out.array_count(len(entries))
    for connector, ids in entries.items():
        out.string(connector, "connector")
        out.array_count(len(ids))
        for task in ids:
            out.int32(task, "task")


def _read_entries(reader: WireReader, what: str, *, nullable: bool) -> tuple[list[str], list[TaskId]]:
    connectors: list[str] = []
    tasks: list[TaskId] = []
    for _ in range(reader.array_count(what, nullable=nullable) or 0):
        connector = reader.string("connector")
        for _ in range(reader.array_count("tasks", nullable=False) or 0):
            task = reader.int32("task")
            if task == CONNECTOR_TASK:
                connectors.append(connector)
            else:
                tasks.append(TaskId(connector, task))
    return connectors, tasks


def _write_assignment_head(out: WireWriter, assignment: Assignment) -> None:
    out.int16(assignment.error, "error")
    out.string(assignment.leader, "leader")
    out.string(assignment.leader_url, "leader-url")
    out.int64(assignment.config_offset, "config-offset")
    _write_entries(out, _group(assignment.connectors, assignment.tasks))


def encode_assignment(assignment: Assignment) -> bytes:
    """Assignment v0 (what the eager leader sends); revocations and delay are not part of v0."""
    out = WireWriter()
    _write_header(out, CONNECT_PROTOCOL_V0)
    _write_assignment_head(out, assignment)
    return out.getvalue()


def decode_assignment(data: bytes) -> Assignment:
    """Assignment v0 as Java's ``ConnectProtocol.deserializeAssignment`` (v1 fields are ignored)."""
    reader = WireReader(data)
    _read_header(reader)
    error = reader.int16("error")
    leader = reader.string("leader")
    leader_url = reader.string("leader-url")
    offset = reader.int64("config-offset")
    connectors, tasks = _read_entries(reader, "assignment", nullable=False)
    return Assignment(error, leader, leader_url, offset, tuple(connectors), tuple(tasks))


def encode_extended_assignment(assignment: ExtendedAssignment, version: int | None = None) -> bytes:
    """Assignment v1/v2 with header ``version`` (default: ``assignment.version``)."""
    out = WireWriter()
    _write_header(out, assignment.version if version is None else version)
    _write_assignment_head(out, assignment)
    _write_entries(out, _group(assignment.revoked_connectors, assignment.revoked_tasks))
    out.int32(assignment.delay_ms, "delay")
    return out.getvalue()


def decode_extended_assignment(data: bytes) -> ExtendedAssignment:
    """Any assignment, as members decode it (Java's incremental parser).

    Fields after the config offset that are absent (v0 bytes, or an older writer) take their
    defaults: no assignment, no revocations, delay 0. A null array decodes as empty.
    """
    reader = WireReader(data)
    version = _read_header(reader)
    error = reader.int16("error")
    leader = reader.string("leader")
    leader_url = reader.string("leader-url")
    offset = reader.int64("config-offset")
    assigned: tuple[list[str], list[TaskId]] = ([], [])
    revoked: tuple[list[str], list[TaskId]] = ([], [])
    delay = 0
    if reader.remaining:
        assigned = _read_entries(reader, "assignment", nullable=True)
    if reader.remaining:
        revoked = _read_entries(reader, "revoked", nullable=True)
    if reader.remaining:
        delay = reader.int32("delay")
    return ExtendedAssignment(
        error,
        leader,
        leader_url,
        offset,
        tuple(assigned[0]),
        tuple(assigned[1]),
        version=version,
        revoked_connectors=tuple(revoked[0]),
        revoked_tasks=tuple(revoked[1]),
        delay_ms=delay,
    )


__all__ = [
    "COMPATIBILITY_MODES",
    "COMPATIBLE_PROTOCOL",
    "CONFIG_MISMATCH",
    "CONNECTOR_TASK",
    "CONNECT_PROTOCOL_V0",
    "CONNECT_PROTOCOL_V1",
    "CONNECT_PROTOCOL_V2",
    "EAGER_PROTOCOL",
    "NO_ERROR",
    "PROTOCOL_TYPE",
    "PROTOCOL_VERSIONS",
    "SESSIONED_PROTOCOL",
    "Assignment",
    "ExtendedAssignment",
    "ExtendedWorkerState",
    "ProtocolError",
    "WorkerState",
    "decode_assignment",
    "decode_extended_assignment",
    "decode_extended_worker_state",
    "decode_worker_state",
    "encode_assignment",
    "encode_extended_assignment",
    "encode_extended_worker_state",
    "join_protocols",
    "protocol_version",
]
