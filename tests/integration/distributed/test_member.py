"""WorkerGroupMember against the real broker: join, leader assignment, rebalances, leave, static membership.

Each member is driven like the herder drives it: join, then wait for ``rejoin_needed`` and join
again. Nothing else sets ``rejoin_needed`` here, so every wake-up of a driver is a rebalance the
coordinator asked for through the heartbeat loop.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress

import pytest

from distconnect.distributed.member import JoinResult, WorkerGroupMember
from distconnect.distributed.protocol import ExtendedWorkerState
from tests.support import eventually

pytestmark = pytest.mark.kafka

SESSION_MS = 6000
HEARTBEAT_MS = 500
REBALANCE_MS = 10000


class Node:
    """One member plus the herder-like loop that keeps it joined."""

    def __init__(
        self, bootstrap: str, group: str, url: str, protocol: str = "sessioned", instance: str | None = None
    ) -> None:
        self.url = url
        self.assign_calls: list[tuple[str, dict[str, ExtendedWorkerState], dict[str, bytes]]] = []
        self.results: list[JoinResult] = []
        self.rejoins = 0
        self.member = WorkerGroupMember(
            bootstrap,
            group,
            url,
            metadata=lambda: ExtendedWorkerState(url, 0, None),
            assign=self._assign,
            session_timeout_ms=SESSION_MS,
            heartbeat_interval_ms=HEARTBEAT_MS,
            rebalance_timeout_ms=REBALANCE_MS,
            group_instance_id=instance,
            connect_protocol=protocol,
        )
        self._driver: asyncio.Task[None] | None = None

    def _assign(
        self, leader: str, protocol: str, members: dict[str, ExtendedWorkerState]
    ) -> dict[str, bytes]:
        assigned = {
            member_id: f"{protocol}|{state.url}|{member_id}".encode() for member_id, state in members.items()
        }
        self.assign_calls.append((protocol, members, assigned))
        return assigned

    async def _drive(self) -> None:
        while True:
            self.results.append(await self.member.join())
            await self.member.rejoin_needed.wait()
            self.rejoins += 1

    async def start(self) -> None:
        await self.member.start()
        self._driver = asyncio.create_task(self._drive())

    async def stop(self) -> None:
        if self._driver is not None:
            self._driver.cancel()
            with suppress(asyncio.CancelledError):
                await self._driver
        await self.member.stop()

    @property
    def last(self) -> JoinResult | None:
        return self.results[-1] if self.results else None


@pytest.fixture
def group_id(request: pytest.FixtureRequest) -> str:
    return f"member-{request.node.name[:40]}-{uuid.uuid4().hex[:8]}"


@asynccontextmanager
async def nodes_running(
    bootstrap: str, group: str, specs: list[dict[str, str | None]]
) -> AsyncIterator[tuple[list[Node], AsyncExitStack]]:
    async with AsyncExitStack() as stack:
        nodes = []
        for spec in specs:
            node = Node(bootstrap, group, **spec)  # type: ignore[arg-type]
            await node.start()
            stack.push_async_callback(node.stop)
            nodes.append(node)
        yield nodes, stack


def settled(nodes: list[Node]) -> int | None:
    """The common generation once every node synced it with all of them in the group and none is rejoining."""
    lasts = [n.last for n in nodes]
    if any(r is None for r in lasts) or any(n.member.rejoin_needed.is_set() for n in nodes):
        return None
    generations = {r.generation for r in lasts if r is not None}
    if len(generations) != 1 or {n.member.generation for n in nodes} != generations:
        return None
    leader_ids = {r.leader_id for r in lasts if r is not None}
    if len(leader_ids) != 1:
        return None
    leader = next((n for n in nodes if n.member.member_id in leader_ids), None)
    if leader is None or not leader.assign_calls or len(leader.assign_calls[-1][1]) != len(nodes):
        return None
    return generations.pop()


def settled_after(nodes: list[Node], previous: int) -> int | None:
    """:func:`settled`, but only for a generation newer than ``previous``."""
    generation = settled(nodes)
    return generation if generation is not None and generation > previous else None


async def wait_settled(nodes: list[Node], after: int = 0, what: str = "a settled group") -> int:
    """Poll until the nodes share a generation newer than ``after``; return it."""
    generation = await eventually(lambda: settled_after(nodes, after), deadline_s=30, what=what)
    assert generation is not None
    return generation


def check_assignment(nodes: list[Node]) -> Node:
    leaders = [n for n in nodes if n.last is not None and n.last.leader_id == n.member.member_id]
    assert len(leaders) == 1, "exactly one leader"
    leader = leaders[0]
    _, members, assigned = leader.assign_calls[-1]
    assert {state.url for state in members.values()} == {n.url for n in nodes}
    assert set(members) == {n.member.member_id for n in nodes}
    for node in nodes:
        assert node.last is not None
        assert node.last.assignment == assigned[node.member.member_id]
        assert node.last.member_id == node.member.member_id
    return leader


async def test_two_members_join_one_leader_assigns_both(kafka_bootstrap: str, group_id: str) -> None:
    specs: list[dict[str, str | None]] = [{"url": "http://a:8083"}, {"url": "http://b:8083"}]
    async with nodes_running(kafka_bootstrap, group_id, specs) as (nodes, _):
        generation = await wait_settled(nodes, what="a settled group")
        check_assignment(nodes)
        assert all(n.last is not None and n.last.protocol == "sessioned" for n in nodes)
        assert all(n.last is not None and n.last.generation == generation for n in nodes)
        # Heartbeats flow and keep the session alive.
        base = nodes[0].member.heartbeats
        await eventually(lambda: nodes[0].member.heartbeats >= base + 2, deadline_s=10, what="heartbeats")
        member = nodes[0].member
        assert not member.session_expired()
        assert member.last_successful_heartbeat is not None
        assert member.session_expired(member.last_successful_heartbeat + SESSION_MS / 1000 + 0.1)


async def test_third_member_triggers_rebalance_and_leave_triggers_another(
    kafka_bootstrap: str, group_id: str
) -> None:
    specs: list[dict[str, str | None]] = [{"url": "http://a:8083"}, {"url": "http://b:8083"}]
    async with nodes_running(kafka_bootstrap, group_id, specs) as (nodes, _):
        first = await wait_settled(nodes, what="two members settled")
        rejoins = [n.rejoins for n in nodes]

        third = Node(kafka_bootstrap, group_id, "http://c:8083")
        await third.start()
        try:
            all3 = [*nodes, third]
            second = await wait_settled(all3, first, what="3 settled")
            assert all(n.rejoins > r for n, r in zip(nodes, rejoins, strict=True)), (
                "heartbeats signalled rejoin"
            )
            check_assignment(all3)
        finally:
            rejoins = [n.rejoins for n in nodes]
            left_at = time.monotonic()
            await third.stop()  # dynamic member: sends LeaveGroup

        third_gen = await wait_settled(nodes, second, what="after leave")
        assert third_gen > second
        # LeaveGroup, not a session expiry, made the others rebalance.
        assert time.monotonic() - left_at < SESSION_MS / 1000
        assert all(n.rejoins > r for n, r in zip(nodes, rejoins, strict=True))
        check_assignment(nodes)


@pytest.mark.parametrize(
    ("protocols", "expected"),
    [
        (("eager", "eager"), "default"),
        (("sessioned", "sessioned"), "sessioned"),
        (("sessioned", "eager"), "default"),
    ],
)
async def test_chosen_protocol(
    kafka_bootstrap: str, group_id: str, protocols: tuple[str, str], expected: str
) -> None:
    specs: list[dict[str, str | None]] = [
        {"url": f"http://w{i}:8083", "protocol": p} for i, p in enumerate(protocols)
    ]
    async with nodes_running(kafka_bootstrap, group_id, specs) as (nodes, _):
        await wait_settled(nodes, what="settled")
        assert {n.last.protocol for n in nodes if n.last is not None} == {expected}
        leader = check_assignment(nodes)
        assert leader.assign_calls[-1][0] == expected


async def test_static_member_restart_keeps_assignment_without_rebalance(
    kafka_bootstrap: str, group_id: str
) -> None:
    instance = f"pod-{uuid.uuid4().hex[:6]}"
    dynamic = Node(kafka_bootstrap, group_id, "http://dyn:8083")
    await dynamic.start()
    try:
        await wait_settled([dynamic], what="dynamic alone")
        static = Node(kafka_bootstrap, group_id, "http://pod:8083", instance=instance)
        await static.start()
        try:
            generation = await wait_settled([dynamic, static], what="both")
            leader = check_assignment([dynamic, static])
            assert leader is dynamic, "the member that was there first stays leader"
            assert static.last is not None
            old_assignment = static.last.assignment
        finally:
            await static.stop()  # static: no LeaveGroup
        rejoins = dynamic.rejoins
        calls = len(dynamic.assign_calls)

        restarted = Node(kafka_bootstrap, group_id, "http://pod:8083", instance=instance)
        await restarted.start()
        try:
            await eventually(lambda: restarted.last is not None, deadline_s=30, what="static rejoin")
            assert restarted.last is not None
            assert restarted.last.generation == generation
            assert restarted.last.assignment == old_assignment
            # Watch the other member over several of its heartbeats: nobody asks it to rebalance.
            base = dynamic.member.heartbeats
            await eventually(
                lambda: dynamic.member.heartbeats >= base + 3, deadline_s=10, what="3 more heartbeats"
            )
            base = restarted.member.heartbeats
            await eventually(
                lambda: restarted.member.heartbeats >= base + 3, deadline_s=10, what="restarted heartbeats"
            )
            assert not dynamic.member.rejoin_needed.is_set()
            assert dynamic.rejoins == rejoins
            assert len(dynamic.assign_calls) == calls
            assert dynamic.member.generation == generation
            assert not restarted.member.rejoin_needed.is_set()
        finally:
            await restarted.stop()
    finally:
        await dynamic.stop()
