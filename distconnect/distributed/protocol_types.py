"""The values of Connect's group protocol: names, versions, codes, metadata and assignments.

Plain frozen dataclasses with no behaviour beyond their fields; :mod:`distconnect.distributed.protocol`
encodes and decodes them. Connector and task lists are tuples in the order they are encoded.
"""

from __future__ import annotations

from dataclasses import dataclass

from distconnect.runtime.states import TaskId

EAGER_PROTOCOL = "default"
COMPATIBLE_PROTOCOL = "compatible"
SESSIONED_PROTOCOL = "sessioned"
PROTOCOL_TYPE = "connect"

CONNECT_PROTOCOL_V0 = 0
CONNECT_PROTOCOL_V1 = 1
CONNECT_PROTOCOL_V2 = 2

#: The sub-protocol names and the versions they stand for, newest first.
PROTOCOL_VERSIONS: dict[str, int] = {
    SESSIONED_PROTOCOL: CONNECT_PROTOCOL_V2,
    COMPATIBLE_PROTOCOL: CONNECT_PROTOCOL_V1,
    EAGER_PROTOCOL: CONNECT_PROTOCOL_V0,
}

#: ``connect.protocol`` values and the newest sub-protocol each one offers.
COMPATIBILITY_MODES: dict[str, str] = {
    "sessioned": SESSIONED_PROTOCOL,
    "compatible": COMPATIBLE_PROTOCOL,
    "eager": EAGER_PROTOCOL,
}

#: The task id that stands for the connector instance itself in an assignment entry.
CONNECTOR_TASK = -1
#: Assignment error codes.
NO_ERROR = 0
CONFIG_MISMATCH = 1


@dataclass(frozen=True, slots=True)
class WorkerState:
    """Member metadata v0: the worker's advertised REST URL and its config-topic offset."""

    url: str
    config_offset: int


@dataclass(frozen=True, slots=True)
class ExtendedWorkerState(WorkerState):
    """Member metadata v1/v2: :class:`WorkerState` plus the assignment the worker currently runs.

    ``assignment`` is ``None`` when the worker has never received one (encoded as a null
    allocation); an assignment with no connectors or tasks is still encoded.
    """

    assignment: ExtendedAssignment | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """An assignment v0: what the leader tells one member in SyncGroup.

    ``error`` is :data:`NO_ERROR` or :data:`CONFIG_MISMATCH` (the leader could not catch up to
    the newest config offset; members read the config topic to the end and rejoin).
    ``config_offset`` is the offset members must have read before acting on the assignment.
    """

    error: int
    leader: str
    leader_url: str
    config_offset: int
    connectors: tuple[str, ...] = ()
    tasks: tuple[TaskId, ...] = ()

    @property
    def failed(self) -> bool:
        return self.error != NO_ERROR


@dataclass(frozen=True, slots=True)
class ExtendedAssignment(Assignment):
    """An assignment v1/v2: adds what to stop and when to rejoin.

    In cooperative protocols ``connectors``/``tasks`` are only the *newly* assigned items; the
    member keeps what it runs minus ``revoked_*``. ``delay_ms`` > 0 asks the member to rejoin
    after that many milliseconds. ``version`` is the header version the assignment is encoded
    with (1 for ``compatible``, 2 for ``sessioned``; 0 when decoded from v0 bytes).
    """

    version: int = CONNECT_PROTOCOL_V1
    revoked_connectors: tuple[str, ...] = ()
    revoked_tasks: tuple[TaskId, ...] = ()
    delay_ms: int = 0
