"""In-process distributed herders on the session broker (the multi-process tests are in system_tests/).

:class:`Cluster` builds :class:`DistributedHerder` objects that share a group and internal topics.
Task configs that a non-leader posts go straight to the leader herder's internal operation, with
the same body bytes and signature headers that the REST client would send.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import orjson

from distconnect.distributed.herder import DistributedHerder
from distconnect.runtime.herder import NotLeaderError
from distconnect.runtime.plugins import PluginRegistry
from distconnect.runtime.states import State
from distconnect.runtime.worker import Worker
from distconnect.runtime.worker_config import DistributedConfig
from distconnect.storage.factory import kafka_stores
from tests.support import eventually


def worker_props(bootstrap: str, group: str, **overrides: Any) -> dict[str, str]:
    props = {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "config.storage.topic": f"{group}-configs",
        "offset.storage.topic": f"{group}-offsets",
        "status.storage.topic": f"{group}-status",
        "config.storage.replication.factor": "1",
        "offset.storage.replication.factor": "1",
        "status.storage.replication.factor": "1",
        "offset.storage.partitions": "3",
        "status.storage.partitions": "2",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "session.timeout.ms": "6000",
        "heartbeat.interval.ms": "1000",
        "rebalance.timeout.ms": "20000",
        "scheduled.rebalance.max.delay.ms": "2000",
        "offset.flush.interval.ms": "500",
    }
    props.update({k.replace("_", "."): str(v) for k, v in overrides.items()})
    return props


class Cluster:
    """Herders of one Connect group; ``add()`` starts one more, ``stop_all()`` stops them."""

    def __init__(self, bootstrap: str, **overrides: Any) -> None:
        self.group = f"herder-{uuid.uuid4().hex[:8]}"
        self.bootstrap = bootstrap
        self.overrides = overrides
        self.herders: list[DistributedHerder] = []
        self._next_port = 18000

    async def add(self) -> DistributedHerder:
        self._next_port += 1
        url = f"http://127.0.0.1:{self._next_port}/"
        config = DistributedConfig(worker_props(self.bootstrap, self.group, **self.overrides))
        registry = PluginRegistry()
        stores = kafka_stores(config, registry)
        worker = Worker(f"127.0.0.1:{self._next_port}", config, registry, stores.offsets, stores.status)
        herder = DistributedHerder(
            config, worker, stores.config, stores.status, url, send_task_configs=self._deliver
        )
        await herder.start()
        self.herders.append(herder)
        return herder

    async def _deliver(self, url: str, connector: str, body: bytes, headers: Mapping[str, str]) -> None:
        target = next(h for h in self.herders if h.url == url and h.running)
        await target.put_task_configs_internal(connector, orjson.loads(body), body, headers)

    def leader(self) -> DistributedHerder:
        leaders = [h for h in self.herders if h.running and h.is_leader]
        assert len(leaders) == 1, f"expected one leader, found {len(leaders)}"
        return leaders[0]

    async def stop_all(self) -> None:
        for herder in reversed(self.herders):
            await herder.stop()

    async def put(self, name: str, config: Mapping[str, str], **kwargs: Any) -> None:
        """Create or update through whichever herder is the leader (as REST forwarding would)."""

        async def attempt() -> bool:
            try:
                await self.leader().put_connector_config(name, config, **kwargs)
            except (AssertionError, NotLeaderError):
                return False
            return True

        await eventually(attempt, deadline_s=30, what=f"the leader accepts connector {name}")

    def assignments(self) -> dict[str, tuple[int, int]]:
        return {h.worker_id: (len(h.owned.connectors), len(h.owned.tasks)) for h in self.herders if h.running}

    async def wait_running(self, name: str, tasks: int, deadline_s: float = 60) -> None:
        async def check() -> bool:
            herder = next(h for h in self.herders if h.running)
            try:
                info = await herder.connector_status(name)
            except Exception:
                return False
            running = [s for s in info.tasks.values() if s.state is State.RUNNING]
            return (
                info.connector.state is State.RUNNING and len(info.tasks) == tasks and len(running) == tasks
            )

        await eventually(check, deadline_s=deadline_s, what=f"{name} and {tasks} tasks RUNNING")
