"""A sink connector's consumer group offsets through Kafka's group APIs (the admin client's part of
Apache's ``Worker.sinkConnectorOffsets`` / ``modifySinkConnectorOffsets``).

aiokafka's admin client can list a group's offsets but neither alter them, delete some of them nor
delete a group, so :class:`GroupOffsetsAdmin` sends those requests itself to the group's
coordinator (found, and found again after ``NOT_COORDINATOR``, with FindCoordinator):

* alter: OffsetCommit with generation -1 and no member id, as ``Admin.alterConsumerGroupOffsets``;
  the broker refuses it (``UNKNOWN_MEMBER_ID``) while the group has members;
* delete some partitions' offsets: OffsetDelete (KIP-496; defined here, aiokafka lacks it); refused
  with ``GROUP_SUBSCRIBED_TO_TOPIC`` while a member consumes the topic;
* reset: DeleteGroups; ``GROUP_ID_NOT_FOUND`` counts as done (a reset is idempotent), a group
  with members gives ``NON_EMPTY_GROUP``.

Broker errors are raised as :class:`GroupError` with the error's class name, so the caller can
pick Apache's messages. Lifecycle: an async context manager (one short-lived client per request,
as Apache's per-request admin); every call is bounded by ``timeout_s``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self, TypeAlias

from aiokafka.client import AIOKafkaClient
from aiokafka.errors import for_code
from aiokafka.protocol.admin import DeleteGroupsRequest
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.commit import OffsetCommitRequest, OffsetFetchRequest
from aiokafka.protocol.coordination import FindCoordinatorRequest
from aiokafka.protocol.types import Array, Int16, Int32, Schema, String

from distconnect.api.errors import ConnectError
from distconnect.api.records import TopicPartition
from distconnect.runtime.kafka_clients import admin_kwargs, kafka_errors

_RETRIABLE = {"NotCoordinatorForGroupError", "GroupLoadInProgressError", "GroupCoordinatorNotAvailableError"}
#: Error codes aiokafka has no class for (it maps them to UnknownError).
_UNNAMED = {86: "GroupSubscribedToTopicError"}
_RETRY_BACKOFF_S = 0.2


class GroupError(ConnectError):
    """The broker refused a group request; ``error`` is aiokafka's error class name."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(f"{message}: {error}")
        self.error = error


# -- OffsetDelete (API key 47), version 0 ----------------------------------------------------------
class OffsetDeleteResponse_v0(Response):  # type: ignore[misc]  # aiokafka is untyped
    API_KEY = 47
    API_VERSION = 0
    SCHEMA = Schema(
        ("error_code", Int16),
        ("throttle_time_ms", Int32),
        (
            "topics",
            Array(
                ("name", String("utf-8")), ("partitions", Array(("partition", Int32), ("error_code", Int16)))
            ),
        ),
    )


class OffsetDeleteRequest_v0(RequestStruct):  # type: ignore[misc]
    API_KEY = 47
    API_VERSION = 0
    RESPONSE_TYPE = OffsetDeleteResponse_v0
    SCHEMA = Schema(
        ("group_id", String("utf-8")),
        ("topics", Array(("name", String("utf-8")), ("partitions", Array(Int32)))),  # one-field structs
    )


OffsetDeleteStruct: TypeAlias = OffsetDeleteRequest_v0


class OffsetDeleteRequest(Request[OffsetDeleteStruct]):  # type: ignore[misc]
    API_KEY = 47

    def __init__(self, group_id: str, topics: list[tuple[str, list[int]]]) -> None:
        self._group_id = group_id
        self._topics = topics

    def build(self, request_struct_class: type[OffsetDeleteStruct]) -> OffsetDeleteStruct:
        return request_struct_class(self._group_id, self._topics)


def _by_topic(
    partitions: Mapping[TopicPartition, Any] | list[TopicPartition],
) -> dict[str, list[TopicPartition]]:
    grouped: dict[str, list[TopicPartition]] = {}
    for tp in partitions:
        grouped.setdefault(tp.topic, []).append(tp)
    return grouped


class GroupOffsetsAdmin:
    """See the module docstring."""

    def __init__(self, settings: Mapping[str, Any], group_id: str, timeout_s: float) -> None:
        self.group_id = group_id
        self._settings = dict(settings)
        self._deadline = time.monotonic() + timeout_s
        self._client: AIOKafkaClient | None = None

    async def __aenter__(self) -> Self:
        with kafka_errors("starting an admin client"):
            self._client = AIOKafkaClient(**admin_kwargs(self._settings))
            try:
                await self._client.bootstrap()
            except BaseException:
                # __aexit__ does not run when __aenter__ fails: close what bootstrap opened.
                await self._client.close()
                self._client = None
                raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            await self._client.close()

    def _remaining(self) -> float:
        return max(0.0, self._deadline - time.monotonic())

    async def _send(self, request: Request[Any], doing: str) -> Any:
        """Send ``request`` to the group's coordinator, retrying coordinator moves until the deadline."""
        assert self._client is not None, "use GroupOffsetsAdmin as an async context manager"
        client = self._client
        while True:
            async with asyncio.timeout(self._remaining()):  # TimeoutError once the deadline passed
                with kafka_errors(doing.lower()):
                    found = await client.send(
                        client.get_random_node(), FindCoordinatorRequest(self.group_id, 0)
                    )
                    error = _error_name(found.error_code)
                    if error is None:
                        response = await client.send(found.coordinator_id, request)
                        error = _error_name(getattr(response, "error_code", 0))
                        if error is None:
                            return response
                if error not in _RETRIABLE:
                    raise GroupError(error, f"{doing} for group {self.group_id} failed")
            await asyncio.sleep(min(_RETRY_BACKOFF_S, self._remaining()))

    async def list_offsets(self) -> dict[TopicPartition, int]:
        """The group's committed offsets (none for an unknown group)."""
        response = await self._send(OffsetFetchRequest(self.group_id, None), "Listing offsets")
        found: dict[TopicPartition, int] = {}
        for topic, partitions in response.topics:
            for partition, offset, _metadata, error_code in partitions:
                error = _error_name(error_code)
                if error is not None:
                    raise GroupError(error, f"Listing the offset of {topic}-{partition}")
                if offset >= 0:
                    found[TopicPartition(topic, partition)] = offset
        return found

    async def alter_offsets(self, offsets: Mapping[TopicPartition, int]) -> None:
        if not offsets:
            return
        topics = [
            (topic, [(tp.partition, offsets[tp], "") for tp in tps])
            for topic, tps in _by_topic(offsets).items()
        ]
        request = OffsetCommitRequest(self.group_id, -1, "", -1, topics)
        response = await self._send(request, "Committing offsets")
        _check_partitions(response.topics, "Committing the offset of")

    async def delete_offsets(self, partitions: list[TopicPartition]) -> None:
        if not partitions:
            return
        topics = [(topic, [tp.partition for tp in tps]) for topic, tps in _by_topic(partitions).items()]
        response = await self._send(OffsetDeleteRequest(self.group_id, topics), "Deleting offsets")
        _check_partitions(response.topics, "Deleting the offset of")

    async def delete_group(self) -> None:
        """Delete the group and its offsets; an unknown group counts as deleted."""
        response = await self._send(DeleteGroupsRequest([self.group_id]), "Deleting the group")
        for _group, error_code in response.results:
            error = _error_name(error_code)
            if error is not None and error != "GroupIdNotFound":
                raise GroupError(error, f"Deleting group {self.group_id} failed")


def _check_partitions(topics: Any, doing: str) -> None:
    for topic, partitions in topics:
        for partition, error_code in partitions:
            error = _error_name(error_code)
            if error is not None:
                raise GroupError(error, f"{doing} {topic}-{partition}")


def _error_name(code: int) -> str | None:
    if not code:
        return None
    return _UNNAMED.get(code) or for_code(code).__name__


__all__ = ["GroupError", "GroupOffsetsAdmin", "OffsetDeleteRequest"]
