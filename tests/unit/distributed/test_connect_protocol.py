"""Golden bytes and round-trips for Connect's group protocol codecs.

Every golden value below is written out field by field from the Java Struct schemas in
``ConnectProtocol`` (CONNECT_PROTOCOL_HEADER_SCHEMA, CONFIG_STATE_V0, CONNECTOR_ASSIGNMENT_V0,
ASSIGNMENT_V0) and ``IncrementalCooperativeConnectProtocol`` (CONFIG_STATE_V1, ALLOCATION_V1,
ASSIGNMENT_V1), using Kafka's primitive encodings: INT16/INT32/INT64 big-endian, STRING = INT16
length + UTF-8, NULLABLE_BYTES and ARRAY = INT32 length/count with -1 for null.
"""

from __future__ import annotations

import contextlib
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.distributed.protocol import (
    COMPATIBLE_PROTOCOL,
    CONFIG_MISMATCH,
    EAGER_PROTOCOL,
    NO_ERROR,
    SESSIONED_PROTOCOL,
    Assignment,
    ExtendedAssignment,
    ExtendedWorkerState,
    ProtocolError,
    WorkerState,
    decode_assignment,
    decode_extended_assignment,
    decode_extended_worker_state,
    decode_worker_state,
    encode_assignment,
    encode_extended_assignment,
    encode_extended_worker_state,
    encode_worker_state,
    join_protocols,
    protocol_version,
)
from distconnect.runtime.states import TaskId

# --- golden bytes ------------------------------------------------------------------------------

# Header (version INT16 = 0) + CONFIG_STATE_V0 (url STRING, config-offset INT64).
METADATA_V0 = (
    b"\x00\x00"  # version = 0
    b"\x00\x0e" b"http://w1:8083"  # url: length 14, UTF-8
    b"\x00\x00\x00\x00\x00\x00\x00\x2a"  # config-offset = 42
)  # fmt: skip
STATE_V0 = WorkerState("http://w1:8083", 42)

# Header (0) + ASSIGNMENT_V0: error INT16, leader STRING, leader-url STRING, config-offset INT64,
# assignment ARRAY of CONNECTOR_ASSIGNMENT_V0 (connector STRING, tasks ARRAY of INT32).
ASSIGNMENT_V0_BYTES = (
    b"\x00\x00"  # version = 0
    b"\x00\x00"  # error = NO_ERROR
    b"\x00\x08" b"leader-1"  # leader
    b"\x00\x0d" b"http://l:8083"  # leader-url
    b"\x00\x00\x00\x00\x00\x00\x00\x07"  # config-offset = 7
    b"\x00\x00\x00\x02"  # assignment: 2 connector entries
    b"\x00\x04" b"z\xc3\xa4h"  # connector "zäh" (4 UTF-8 bytes)
    b"\x00\x00\x00\x02" b"\xff\xff\xff\xff" b"\x00\x00\x00\x00"  # tasks [-1 (the connector), 0]
    b"\x00\x06" b"conn-b"  # connector "conn-b"
    b"\x00\x00\x00\x01" b"\x00\x00\x00\x01"  # tasks [1]
)  # fmt: skip
ASSIGNMENT_V0_VALUE = Assignment(
    NO_ERROR, "leader-1", "http://l:8083", 7, ("zäh",), (TaskId("zäh", 0), TaskId("conn-b", 1))
)

# Header (1) + ASSIGNMENT_V1: the ASSIGNMENT_V0 fields (assignment now a nullable ARRAY), then
# revoked (nullable ARRAY of connector entries) and delay INT32.
ASSIGNMENT_V1_BYTES = (
    b"\x00\x01"  # version = 1
    b"\x00\x00"  # error = NO_ERROR
    b"\x00\x08" b"leader-1"  # leader
    b"\x00\x0d" b"http://l:8083"  # leader-url
    b"\x00\x00\x00\x00\x00\x00\x00\x07"  # config-offset = 7
    b"\x00\x00\x00\x01"  # assignment: 1 entry
    b"\x00\x01" b"a" b"\x00\x00\x00\x02" b"\xff\xff\xff\xff" b"\x00\x00\x00\x00"  # a: [-1, 0]
    b"\x00\x00\x00\x02"  # revoked: 2 entries
    b"\x00\x01" b"b" b"\x00\x00\x00\x02" b"\xff\xff\xff\xff" b"\x00\x00\x00\x02"  # b: [-1, 2]
    b"\x00\x01" b"c" b"\x00\x00\x00\x01" b"\x00\x00\x00\x00"  # c: [0]
    b"\x00\x00\x13\x88"  # delay = 5000
)  # fmt: skip
ASSIGNMENT_V1_VALUE = ExtendedAssignment(
    NO_ERROR,
    "leader-1",
    "http://l:8083",
    7,
    ("a",),
    (TaskId("a", 0),),
    version=1,
    revoked_connectors=("b",),
    revoked_tasks=(TaskId("b", 2), TaskId("c", 0)),
    delay_ms=5000,
)

# Header (1) + CONFIG_STATE_V1 (= CONFIG_STATE_V0) + ALLOCATION_V1 (allocation NULLABLE_BYTES = null).
METADATA_V1_NO_ASSIGNMENT = (
    b"\x00\x01"  # version = 1
    b"\x00\x0e" b"http://w1:8083"  # url
    b"\x00\x00\x00\x00\x00\x00\x00\x2a"  # config-offset = 42
    b"\xff\xff\xff\xff"  # allocation = null
)  # fmt: skip

# The allocation of a v2 member: header (2) + ASSIGNMENT_V1 with empty revoked and delay 0.
ALLOCATION_V2 = (
    b"\x00\x02"  # version = 2
    b"\x00\x01"  # error = CONFIG_MISMATCH
    b"\x00\x02" b"w1"  # leader
    b"\x00\x0e" b"http://w1:8083"  # leader-url
    b"\x00\x00\x00\x00\x00\x00\x00\x03"  # config-offset = 3
    b"\x00\x00\x00\x01"  # assignment: 1 entry
    b"\x00\x01" b"x" b"\x00\x00\x00\x01" b"\x00\x00\x00\x01"  # x: [1]
    b"\x00\x00\x00\x00"  # revoked: empty array
    b"\x00\x00\x00\x00"  # delay = 0
)  # fmt: skip
METADATA_V2 = (
    b"\x00\x02"  # version = 2
    b"\x00\x0e" b"http://w2:8083"  # url
    b"\x00\x00\x00\x00\x00\x00\x00\x03"  # config-offset = 3
    b"\x00\x00\x00\x37" + ALLOCATION_V2  # allocation: 55 bytes
)  # fmt: skip
CURRENT = ExtendedAssignment(CONFIG_MISMATCH, "w1", "http://w1:8083", 3, (), (TaskId("x", 1),), version=2)
STATE_V2 = ExtendedWorkerState("http://w2:8083", 3, CURRENT)


def test_metadata_v0_golden() -> None:
    assert len(ALLOCATION_V2) == 0x37
    assert encode_worker_state(STATE_V0) == METADATA_V0
    assert decode_worker_state(METADATA_V0) == STATE_V0
    # The leader parses every member's metadata with the extended parser: no allocation -> None.
    assert decode_extended_worker_state(METADATA_V0) == ExtendedWorkerState("http://w1:8083", 42, None)


def test_assignment_v0_golden() -> None:
    assert encode_assignment(ASSIGNMENT_V0_VALUE) == ASSIGNMENT_V0_BYTES
    assert decode_assignment(ASSIGNMENT_V0_BYTES) == ASSIGNMENT_V0_VALUE
    # Members decode with the incremental parser: the missing v1 fields take their defaults.
    extended = decode_extended_assignment(ASSIGNMENT_V0_BYTES)
    assert extended == ExtendedAssignment(*_fields(ASSIGNMENT_V0_VALUE), version=0)
    assert not extended.revoked_connectors
    assert not extended.revoked_tasks
    assert extended.delay_ms == 0


def test_assignment_v1_golden() -> None:
    assert encode_extended_assignment(ASSIGNMENT_V1_VALUE) == ASSIGNMENT_V1_BYTES
    assert decode_extended_assignment(ASSIGNMENT_V1_BYTES) == ASSIGNMENT_V1_VALUE
    # The v0 parser reads the v0 prefix and ignores the rest, as Java's does.
    assert decode_assignment(ASSIGNMENT_V1_BYTES) == Assignment(*_fields(ASSIGNMENT_V1_VALUE))


def test_extended_metadata_golden() -> None:
    state = ExtendedWorkerState("http://w1:8083", 42)
    assert encode_extended_worker_state(state, 1) == METADATA_V1_NO_ASSIGNMENT
    assert decode_extended_worker_state(METADATA_V1_NO_ASSIGNMENT) == state
    assert encode_extended_worker_state(STATE_V2, 2) == METADATA_V2
    assert decode_extended_worker_state(METADATA_V2) == STATE_V2
    assert decode_worker_state(METADATA_V2) == WorkerState("http://w2:8083", 3)


def test_embedded_assignment_takes_the_metadata_version() -> None:
    # Java serializes the member's assignment with the header of the protocol being offered.
    v1 = encode_extended_worker_state(STATE_V2, 1)
    assert v1[:2] == b"\x00\x01"
    assert v1[-0x37:] == b"\x00\x01" + ALLOCATION_V2[2:]
    decoded = decode_extended_worker_state(v1)
    assert decoded.assignment is not None
    assert decoded.assignment.version == 1


def test_extended_assignment_tolerates_nulls_and_missing_fields() -> None:
    head = ASSIGNMENT_V1_BYTES[: 2 + 2 + 10 + 15 + 8]
    nulls = head + b"\xff\xff\xff\xff" + b"\xff\xff\xff\xff" + b"\x00\x00\x00\x05"
    decoded = decode_extended_assignment(nulls)
    assert (decoded.connectors, decoded.tasks, decoded.revoked_tasks) == ((), (), ())
    assert decoded.delay_ms == 5
    truncated = decode_extended_assignment(head + b"\x00\x00\x00\x00")
    assert truncated.delay_ms == 0
    assert truncated.revoked_tasks == ()
    assert decode_extended_assignment(head).connectors == ()


def test_join_protocols_offer_the_configured_and_older_protocols() -> None:
    sessioned = join_protocols("sessioned", STATE_V2)
    assert [name for name, _ in sessioned] == [SESSIONED_PROTOCOL, COMPATIBLE_PROTOCOL, EAGER_PROTOCOL]
    assert sessioned[0][1] == METADATA_V2
    assert sessioned[1][1] == encode_extended_worker_state(STATE_V2, 1)
    assert sessioned[2][1] == encode_worker_state(WorkerState("http://w2:8083", 3))
    assert [n for n, _ in join_protocols("COMPATIBLE", STATE_V2)] == ["compatible", "default"]
    assert join_protocols("eager", STATE_V2) == [("default", encode_worker_state(STATE_V2))]
    assert [protocol_version(n) for n in ("default", "compatible", "Sessioned")] == [0, 1, 2]
    with pytest.raises(ProtocolError):
        join_protocols("cooperative", STATE_V2)
    with pytest.raises(ProtocolError):
        protocol_version("eager")


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xff" + METADATA_V0[2:],  # negative version
        METADATA_V0[:-1],  # truncated offset
        b"\x00\x00\xff\xff",  # negative string length
        b"\x00\x00\x00\x20abc",  # string longer than the input
        b"\x00\x01" + METADATA_V0[2:] + b"\x00\x00\x00\x00",  # empty (non-null) allocation
        b"\x00\x01" + METADATA_V0[2:] + b"\x00\x00\x00\x09\x00",  # allocation longer than the input
    ],
)
def test_malformed_metadata_is_rejected(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode_extended_worker_state(data)


def test_malformed_assignments_are_rejected() -> None:
    head = ASSIGNMENT_V0_BYTES[: 2 + 2 + 10 + 15 + 8]
    with pytest.raises(ProtocolError):
        decode_assignment(head + b"\xff\xff\xff\xff")  # ASSIGNMENT_V0's array is not nullable
    with pytest.raises(ProtocolError):
        decode_extended_assignment(head + b"\x00\x00\x00\x01\x00\x01a\xff\xff\xff\xff")  # null task list
    with pytest.raises(ProtocolError):
        decode_extended_assignment(head[:-3])
    with pytest.raises(ProtocolError):
        decode_extended_assignment(head + b"\x7f\x00\x00\x00")  # more entries than bytes


@pytest.mark.parametrize(
    "value",
    [
        Assignment(NO_ERROR, "x" * 32768, "u", 0),
        Assignment(NO_ERROR, "l", "u", 2**63),
        Assignment(2**15, "l", "u", 0),
        Assignment(NO_ERROR, "l", "u", 0, (), (TaskId("c", -1),)),
        Assignment(NO_ERROR, "l", "u", 0, (), (TaskId("c", 2**31),)),
        Assignment(NO_ERROR, "\ud800", "u", 0),
        ExtendedAssignment(NO_ERROR, "l", "u", 0, delay_ms=2**31),
        ExtendedAssignment(NO_ERROR, "l", "u", 0, version=-1),
    ],
)
def test_unencodable_values_are_rejected(value: Assignment) -> None:
    encode = encode_extended_assignment if isinstance(value, ExtendedAssignment) else encode_assignment
    with pytest.raises(ProtocolError):
        encode(value)  # type: ignore[arg-type]


# --- round-trips -------------------------------------------------------------------------------

texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
int64s = st.integers(-(2**63), 2**63 - 1)
task_numbers = st.integers(0, 2**31 - 1)


@st.composite
def canonical_items(draw: st.DrawFn) -> tuple[tuple[str, ...], tuple[TaskId, ...]]:
    """Connectors and tasks in the order the encoder writes them, so decoding gives them back exactly."""
    names = draw(st.lists(texts, unique=True, max_size=6))
    entries = [(name, draw(st.booleans()), draw(st.lists(task_numbers, max_size=4))) for name in names]
    entries = [e for e in entries if e[1] or e[2]]
    entries.sort(key=lambda e: not e[1])  # entries with the connector itself come first
    connectors = tuple(name for name, own, _ in entries if own)
    tasks = tuple(TaskId(name, n) for name, _, numbers in entries for n in numbers)
    return connectors, tasks


@st.composite
def extended_assignments(draw: st.DrawFn, version: st.SearchStrategy[int]) -> ExtendedAssignment:
    connectors, tasks = draw(canonical_items())
    revoked_connectors, revoked_tasks = draw(canonical_items())
    return ExtendedAssignment(
        draw(st.integers(-(2**15), 2**15 - 1)),
        draw(texts),
        draw(texts),
        draw(int64s),
        connectors,
        tasks,
        version=draw(version),
        revoked_connectors=revoked_connectors,
        revoked_tasks=revoked_tasks,
        delay_ms=draw(st.integers(-(2**31), 2**31 - 1)),
    )


@given(texts, int64s)
def test_metadata_v0_round_trip(url: str, offset: int) -> None:
    state = WorkerState(url, offset)
    assert decode_worker_state(encode_worker_state(state)) == state
    assert decode_extended_worker_state(encode_worker_state(state)) == ExtendedWorkerState(url, offset)


@given(texts, int64s, st.none() | extended_assignments(st.integers(0, 2**15 - 1)), st.sampled_from([1, 2]))
def test_extended_metadata_round_trip(
    url: str, offset: int, current: ExtendedAssignment | None, version: int
) -> None:
    state = ExtendedWorkerState(url, offset, current)
    expected = state if current is None else ExtendedWorkerState(url, offset, _with_version(current, version))
    assert decode_extended_worker_state(encode_extended_worker_state(state, version)) == expected


@given(extended_assignments(st.just(0)))
def test_assignment_v0_round_trip(value: ExtendedAssignment) -> None:
    plain = Assignment(*_fields(value))
    assert decode_assignment(encode_assignment(plain)) == plain


@given(extended_assignments(st.integers(0, 2**15 - 1)))
def test_extended_assignment_round_trip(value: ExtendedAssignment) -> None:
    assert decode_extended_assignment(encode_extended_assignment(value)) == value


@given(
    st.lists(texts, max_size=5),
    st.lists(st.builds(TaskId, texts, task_numbers), max_size=8),
)
def test_any_order_round_trips_to_the_same_items(connectors: list[str], tasks: list[TaskId]) -> None:
    value = ExtendedAssignment(NO_ERROR, "l", "u", 1, tuple(connectors), tuple(tasks), version=2)
    data = encode_extended_assignment(value)
    decoded = decode_extended_assignment(data)
    assert encode_extended_assignment(decoded) == data
    assert set(decoded.connectors) == set(connectors)
    assert len(decoded.connectors) == len(set(connectors))
    assert Counter(decoded.tasks) == Counter(tasks)


@given(st.binary(max_size=80))
def test_random_bytes_decode_or_raise_protocol_error(data: bytes) -> None:
    for decode in (decode_extended_assignment, decode_extended_worker_state, decode_assignment):
        with contextlib.suppress(ProtocolError):
            decode(data)


def _fields(a: Assignment) -> tuple[int, str, str, int, tuple[str, ...], tuple[TaskId, ...]]:
    return a.error, a.leader, a.leader_url, a.config_offset, a.connectors, a.tasks


def _with_version(a: ExtendedAssignment, version: int) -> ExtendedAssignment:
    return ExtendedAssignment(
        *_fields(a),
        version=version,
        revoked_connectors=a.revoked_connectors,
        revoked_tasks=a.revoked_tasks,
        delay_ms=a.delay_ms,
    )
