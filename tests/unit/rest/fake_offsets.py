"""The offsets (KIP-875) and active topics (KIP-558) part of the REST tests' :class:`FakeHerder`.

In memory, with the real herders' rules: the connector must exist (404 ``Connector X not found``)
and, to change offsets, be STOPPED with no tasks (Apache's 400); sink entries are parsed with
Apache's rules after that check. Hooks for tests:

* ``stored_offsets[name]``: the connector's offsets (what ``GET`` shows);
* ``confirmed``: what the connector's ``alter_offsets`` answers (picks the message);
* ``topics_used[name]``: active topics; ``tracking``: the worker's topic tracking settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from distconnect.api.errors import NotFoundError
from distconnect.api.records import FrozenMapping
from distconnect.runtime.connector_offsets import not_stopped_error
from distconnect.runtime.herder import TopicTracking
from distconnect.runtime.offsets_parse import (
    KAFKA_OFFSET_KEY,
    KAFKA_PARTITION_KEY,
    KAFKA_TOPIC_KEY,
    ConnectorOffset,
    check_source_offsets,
    modified_message,
    parse_sink_offsets,
)
from distconnect.runtime.states import TargetState


class FakeOffsetsAndTopics:
    configs: dict[str, dict[str, str]]
    targets: dict[str, TargetState]
    task_configs: dict[str, list[dict[str, str]]]

    async def _enter(self, method: str) -> None:
        raise NotImplementedError

    def _done(self, method: str) -> None:
        raise NotImplementedError

    @cached_property
    def stored_offsets(self) -> dict[str, list[ConnectorOffset]]:
        return {}

    @cached_property
    def topics_used(self) -> dict[str, list[str]]:
        return {}

    confirmed = False
    tracking = TopicTracking()

    def _known(self, name: str) -> dict[str, str]:
        if name not in self.configs:
            raise NotFoundError(f"Connector {name} not found")
        return self.configs[name]

    async def connector_offsets(self, name: str) -> list[ConnectorOffset]:
        await self._enter("connector_offsets")
        self._known(name)
        return list(self.stored_offsets.get(name, []))

    async def alter_connector_offsets(self, name: str, offsets: Sequence[ConnectorOffset]) -> str:
        await self._enter("alter_connector_offsets")
        return self._modify(name, offsets)

    async def reset_connector_offsets(self, name: str) -> str:
        await self._enter("reset_connector_offsets")
        return self._modify(name, None)

    def _modify(self, name: str, offsets: Sequence[ConnectorOffset] | None) -> str:
        config = self._known(name)
        if self.targets.get(name) is not TargetState.STOPPED or self.task_configs.get(name):
            raise not_stopped_error(name)
        if offsets is None:
            self.stored_offsets.pop(name, None)
        elif "Sink" in config.get("connector.class", ""):
            current = {
                ((o.partition or {})[KAFKA_TOPIC_KEY], (o.partition or {})[KAFKA_PARTITION_KEY]): o
                for o in self.stored_offsets.get(name, [])
            }
            for tp, offset in parse_sink_offsets(offsets).items():
                partition = {KAFKA_TOPIC_KEY: tp.topic, KAFKA_PARTITION_KEY: tp.partition}
                current[(tp.topic, tp.partition)] = ConnectorOffset(
                    partition, None if offset is None else {KAFKA_OFFSET_KEY: offset}
                )
            self.stored_offsets[name] = [o for o in current.values() if o.offset is not None]
        else:
            current_source = {
                FrozenMapping(o.partition or {}): o.offset for o in self.stored_offsets.get(name, [])
            }
            current_source.update(check_source_offsets(offsets))
            self.stored_offsets[name] = [
                ConnectorOffset(dict(p), o) for p, o in current_source.items() if o is not None
            ]
        self._done("reset_connector_offsets" if offsets is None else "alter_connector_offsets")
        return modified_message(self.confirmed, offsets is None)

    def topic_tracking(self) -> TopicTracking:
        return self.tracking

    async def connector_active_topics(self, name: str) -> list[str]:
        await self._enter("connector_active_topics")
        return sorted(self.topics_used.get(name, []))

    async def reset_connector_active_topics(self, name: str) -> None:
        await self._enter("reset_connector_active_topics")
        self.topics_used.pop(name, None)
        self._done("reset_connector_active_topics")
