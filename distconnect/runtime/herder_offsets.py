"""The herder operations of KIP-875 (offsets) and KIP-558 (active topics), shared by both herders.

:class:`OffsetsAndTopics` is a mixin: a herder lists it before
:class:`~distconnect.runtime.herder.Herder` and provides two hooks,

* ``_offsets_config(name)``: the connector's current config (NotFoundError if unknown);
* ``_offsets_modification(name)``: an async context manager that performs the herder's checks for
  a modification (distributed: leader only, config topic read to the end; both: the connector
  exists and is STOPPED with no tasks, else :func:`not_stopped_error`) and yields the config.
  The standalone herder holds its lock for the whole modification; the distributed one only for
  the checks, as Apache's runs the modification off the herder thread.

Reads of offsets and topics are local to the worker that got the request (no forwarding), as in
Apache. Active topics are not checked against the connector list: an unknown connector simply has
none (Apache's ``connectorActiveTopics``).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager

from distconnect.runtime.connector_offsets import modify_offsets, read_offsets
from distconnect.runtime.herder import TopicTracking
from distconnect.runtime.offsets_parse import ConnectorOffset
from distconnect.runtime.worker import Worker


class OffsetsAndTopics:
    """See the module docstring. Runs on the herder's event loop."""

    worker: Worker

    def _offsets_config(self, name: str) -> dict[str, str]:
        raise NotImplementedError

    def _offsets_modification(self, name: str) -> AbstractAsyncContextManager[dict[str, str]]:
        raise NotImplementedError

    # -- offsets (KIP-875) -------------------------------------------------------------------------
    async def connector_offsets(self, name: str) -> list[ConnectorOffset]:
        return await read_offsets(self.worker, name, self._offsets_config(name))

    async def alter_connector_offsets(self, name: str, offsets: Sequence[ConnectorOffset]) -> str:
        async with self._offsets_modification(name) as config:
            return await modify_offsets(self.worker, name, config, offsets)

    async def reset_connector_offsets(self, name: str) -> str:
        async with self._offsets_modification(name) as config:
            return await modify_offsets(self.worker, name, config, None)

    # -- active topics (KIP-558) -------------------------------------------------------------------
    def topic_tracking(self) -> TopicTracking:
        config = self.worker.config
        return TopicTracking(
            bool(config.get("topic.tracking.enable")), bool(config.get("topic.tracking.allow.reset"))
        )

    async def connector_active_topics(self, name: str) -> list[str]:
        return self.worker.active_topics.store.active_topics(name)

    async def reset_connector_active_topics(self, name: str) -> None:
        self.worker.active_topics.store.reset_active_topics(name)


__all__ = ["OffsetsAndTopics"]
