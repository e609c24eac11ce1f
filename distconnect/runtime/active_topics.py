"""Active topics (KIP-558): which topics each connector's tasks produced to or consumed from.

A task reports a topic the first time it uses it (a source task once the broker acknowledged a
batch to it, a sink task when it hands records of it to ``put``); :class:`TopicTracker` records it
in an :class:`ActiveTopicStore` unless the store already knows it, as Apache's
``WorkerTask.recordActiveTopic`` does. The distributed worker's store is the status topic
(``status-topic-<topic>:connector-<connector>`` records, written by
``distconnect.storage.status_store``); standalone mode keeps them in memory
(:class:`MemoryActiveTopics`), as Apache's ``MemoryStatusBackingStore`` does.

``topic.tracking.enable=false`` turns recording off; ``GET /connectors/{name}/topics`` then
answers 403. Concurrency: every call comes from the worker's event loop and never blocks (a store
that writes to Kafka queues the write).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable

from distconnect.runtime.states import TaskId


class ActiveTopicStore(ABC):
    """Where active topics are kept; names are returned sorted."""

    @abstractmethod
    def has_active_topic(self, connector: str, topic: str) -> bool: ...

    @abstractmethod
    def record_active_topic(self, connector: str, topic: str, task: int, discover_timestamp_ms: int) -> None:
        """Remember that ``connector``'s task ``task`` used ``topic`` (visible to reads at once)."""

    @abstractmethod
    def active_topics(self, connector: str) -> list[str]: ...

    @abstractmethod
    def forget_active_topic(self, connector: str, topic: str) -> None:
        """Forget ``topic`` for ``connector`` (the status topic gets a tombstone)."""

    def reset_active_topics(self, connector: str) -> None:
        """Forget every active topic of ``connector`` (Apache's ``resetConnectorActiveTopics``)."""
        for topic in self.active_topics(connector):
            self.forget_active_topic(connector, topic)


class MemoryActiveTopics(ActiveTopicStore):
    """Active topics in a dict: standalone mode and tests."""

    def __init__(self) -> None:
        self._topics: dict[str, dict[str, tuple[int, int]]] = {}

    def has_active_topic(self, connector: str, topic: str) -> bool:
        return topic in self._topics.get(connector, {})

    def record_active_topic(self, connector: str, topic: str, task: int, discover_timestamp_ms: int) -> None:
        self._topics.setdefault(connector, {})[topic] = (task, discover_timestamp_ms)

    def active_topics(self, connector: str) -> list[str]:
        return sorted(self._topics.get(connector, {}))

    def forget_active_topic(self, connector: str, topic: str) -> None:
        topics = self._topics.get(connector)
        if topics is not None:
            topics.pop(topic, None)
            if not topics:
                del self._topics[connector]


class TopicTracker:
    """What task runners call; a no-op when ``topic.tracking.enable`` is false."""

    def __init__(
        self,
        store: ActiveTopicStore,
        *,
        enabled: bool = True,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.store = store
        self.enabled = enabled
        self._clock_ms = clock_ms

    def record(self, task: TaskId, topic: str) -> None:
        """``task`` used ``topic``: record it unless it is already known for the connector."""
        if self.enabled and not self.store.has_active_topic(task.connector, topic):
            self.store.record_active_topic(task.connector, topic, task.task, self._clock_ms())


__all__ = ["ActiveTopicStore", "MemoryActiveTopics", "TopicTracker"]
