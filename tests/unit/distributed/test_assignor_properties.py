"""Properties of the cooperative assignor over random clusters, through the full protocol.

Clusters of 1-8 workers and 0-20 connectors with 0-10 tasks each go through random joins,
departures, returns, config changes and clock ticks (see ``distributed_sim.Cluster``). Every
round must keep: no item on two workers, nothing revoked that a member does not run, nothing
started that already runs, load-balancing revocations exactly the surplus (or none while work is
held back or a back-off runs), lost work never handed out before its hold expires and all of it
handed out when it does. After the cluster settles: everything runs exactly once, balanced
within one, and another round moves nothing.
"""

from __future__ import annotations

from collections import Counter

from distributed_sim import Cluster, Round
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from distconnect.distributed.assignment import EMPTY, ConnectorsAndTasks

CONNECTOR_NAMES = [f"conn-{i:02d}" for i in range(30)]
DELAYS = st.sampled_from([0, 1, 40, 5_000, 300_000])

config = st.dictionaries(st.sampled_from(CONNECTOR_NAMES), st.integers(0, 10), max_size=20)
some_config = st.dictionaries(st.sampled_from(CONNECTOR_NAMES), st.integers(0, 10), min_size=1, max_size=20)
#: At least one connector per worker, so that every worker of a settled cluster runs something.
busy_config = st.dictionaries(st.sampled_from(CONNECTOR_NAMES), st.integers(0, 10), min_size=8, max_size=20)
event = st.one_of(
    st.tuples(st.just("join"), st.booleans()),
    st.tuples(st.just("leave"), st.integers(0, 7)),
    st.tuples(st.just("configure"), st.sampled_from(CONNECTOR_NAMES), st.none() | st.integers(0, 10)),
    st.tuples(st.just("tick"), st.sampled_from([1, 39, 40, 2_500, 5_000, 150_000, 300_000])),
)


def surplus(held: list[int], total: int) -> int:
    """How many items must leave over-full workers for every worker to hold its share of ``total``."""
    floor, extras = divmod(total, len(held))
    over = [h for h in held if h > floor]
    return sum(h - floor for h in over) - min(extras, len(over))


def check_round(cluster: Cluster, rnd: Round) -> None:
    configured = cluster.configured()
    before_all = [item for m in rnd.before.values() for item in (*m.connectors, *m.tasks)]
    running_before = ConnectorsAndTasks.of(
        (c for m in rnd.before.values() for c in m.connectors),
        (t for m in rnd.before.values() for t in m.tasks),
    )
    # One owner per item, and only configured items run.
    after = [
        item for w in cluster.workers for item in (*cluster.owned(w).connectors, *cluster.owned(w).tasks)
    ]
    assert len(after) == len(set(after))
    for worker in cluster.workers:
        assert not cluster.owned(worker) - configured
    # Revocations only of running work; new work never already running anywhere.
    for member in rnd.assignments:
        assert not rnd.revoked(member) - rnd.before[member]
        assert not rnd.assigned(member) & running_before
    # Load-balancing revocations are exactly the surplus, or none while delays are active.
    duplicated = {item for item, n in Counter(before_all).items() if n > 1}
    timers_active = rnd.state_after.lost_deadline_ms > 0 or rnd.state_after.backoff_deadline_ms > rnd.now_ms
    for kind in ("connectors", "tasks"):
        total = len(getattr(configured, kind))
        held = [len(getattr(rnd.before[m] & configured, kind)) for m in rnd.assignments]
        revoked = sum(
            len(getattr(rnd.revoked(m), kind) & getattr(configured, kind) - duplicated)
            for m in rnd.assignments
        )
        needed = surplus(held, total) if total else 0
        assert revoked in (0, needed), (kind, revoked, needed)
        assert revoked == needed or timers_active
    # Lost work: never handed out while held; all of it handed out when the hold expires.
    lost = (rnd.state_before.previous_assignment & configured) - running_before
    deadline = rnd.state_before.lost_deadline_ms
    if deadline > rnd.now_ms:
        assert not rnd.all_assigned & lost
    elif deadline > 0:
        assert rnd.all_assigned & lost == lost
    if rnd.state_after.lost_deadline_ms > 0:
        assert all(0 < a.delay_ms <= cluster.max_delay_ms for a in rnd.assignments.values())


def check_settled(cluster: Cluster) -> None:
    configured = cluster.configured()
    owned = [cluster.owned(w) for w in cluster.workers]
    everything = EMPTY
    for load in owned:
        everything = everything | load
    assert everything == configured
    assert sum(len(load) for load in owned) == len(configured)
    for kind in ("connectors", "tasks"):
        counts = [len(getattr(load, kind)) for load in owned]
        assert max(counts) - min(counts) <= 1, (kind, counts)
    cluster.advance(1)
    quiet = cluster.rebalance()
    assert not quiet.any_revoked
    assert not quiet.all_assigned
    assert quiet.delay_ms == 0


def settled_cluster(max_delay: int, workers: int, connectors: dict[str, int]) -> Cluster:
    cluster = Cluster(max_delay_ms=max_delay)
    for name, tasks in connectors.items():
        cluster.configure(name, tasks)
    for i in range(workers):
        cluster.join(f"w{i}")
    cluster.settle()
    return cluster


@settings(max_examples=300, deadline=None)
@given(DELAYS, st.integers(1, 8), config, st.lists(st.tuples(event, st.booleans()), max_size=12))
def test_random_histories_keep_the_invariants_and_converge(
    max_delay: int, workers: int, connectors: dict[str, int], events: list[tuple[tuple[object, ...], bool]]
) -> None:
    """``events`` are (event, whether the follow-up rounds run before the next event)."""
    cluster = settled_cluster(max_delay, workers, connectors)
    for rnd in cluster.rounds:
        check_round(cluster, rnd)
    departed: list[str] = []
    fresh = workers
    for ev, follow_up in events:
        kind = ev[0]
        if kind == "join" and len(cluster.workers) < 8:
            if ev[1] and departed:
                cluster.join(departed.pop())  # a returning worker, running nothing
            else:
                cluster.join(f"w{fresh}")
                fresh += 1
        elif kind == "leave" and len(cluster.workers) > 1:
            victim = sorted(cluster.workers)[int(str(ev[1])) % len(cluster.workers)]
            cluster.leave(victim)
            departed.append(victim)
        elif kind == "configure":
            cluster.configure(str(ev[1]), ev[2] if isinstance(ev[2], int) else None)
        elif kind == "tick":
            cluster.advance(int(str(ev[1])))
        for rnd in cluster.follow_ups() if follow_up else [cluster.rebalance()]:
            check_round(cluster, rnd)
    for rnd in cluster.settle(limit=60):
        check_round(cluster, rnd)
    check_settled(cluster)


@settings(max_examples=100, deadline=None)
@given(DELAYS, st.integers(1, 7), config)
def test_stable_cluster_moves_nothing_and_a_new_worker_takes_only_the_surplus(
    max_delay: int, workers: int, connectors: dict[str, int]
) -> None:
    cluster = settled_cluster(max_delay, workers, connectors)
    check_settled(cluster)
    before = {w: cluster.owned(w) for w in cluster.workers}
    cluster.join("zz-new")
    first, *rest = cluster.settle()
    configured = cluster.configured()
    for kind in ("connectors", "tasks"):
        held = [len(getattr(load, kind)) for load in before.values()] + [0]
        revoked = sum(len(getattr(first.revoked(m), kind)) for m in first.assignments)
        assert revoked == surplus(held, len(getattr(configured, kind)))
    assert not any(r.any_revoked for r in rest)
    for worker, load in before.items():
        assert cluster.owned(worker) == load - first.revoked(worker)  # nothing else moved
    check_settled(cluster)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([40, 5_000, 300_000]),
    st.integers(2, 8),
    some_config,
    st.data(),
)
def test_lost_work_is_held_for_the_delay_then_reassigned(
    max_delay: int, workers: int, connectors: dict[str, int], data: st.DataObject
) -> None:
    cluster = settled_cluster(max_delay, workers, connectors)
    victim = data.draw(st.sampled_from(sorted(w for w in cluster.workers if w != cluster.leader)))
    lost = cluster.leave(victim)
    assume(lost)
    detected = cluster.rebalance()
    deadline = detected.now_ms + max_delay
    assert cluster.state.lost_deadline_ms == deadline
    assert not detected.any_revoked
    assert not detected.all_assigned
    assert detected.delay_ms == max_delay
    for offset in sorted(data.draw(st.lists(st.integers(0, max_delay - 1), max_size=4, unique=True))):
        cluster.now_ms = detected.now_ms + offset
        if data.draw(st.booleans()) and len(cluster.workers) < 8:
            cluster.join(f"late-{offset}")
        held = cluster.rebalance()
        assert not held.any_revoked
        assert not held.all_assigned & lost
        assert held.delay_ms == deadline - cluster.now_ms
    cluster.now_ms = deadline + data.draw(st.integers(0, max_delay))
    expired = cluster.rebalance()
    assert not lost - expired.all_assigned
    cluster.settle()
    check_settled(cluster)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 8), busy_config, st.booleans(), st.data())
def test_a_worker_returning_within_the_delay_gets_its_work_back(
    workers: int, connectors: dict[str, int], same_id: bool, data: st.DataObject
) -> None:
    max_delay = 300_000
    cluster = settled_cluster(max_delay, workers, connectors)
    victim = data.draw(st.sampled_from(sorted(w for w in cluster.workers if w != cluster.leader)))
    assume(all(cluster.owned(w) for w in cluster.workers))  # the returning worker is the only empty one
    lost = cluster.leave(victim)
    start = cluster.rebalance().now_ms
    cluster.now_ms = start + data.draw(st.integers(0, max_delay - 1))
    returned = victim if same_id else f"{victim}-restarted"
    cluster.join(returned)
    cluster.rebalance()
    cluster.now_ms = start + max_delay
    expired = cluster.rebalance()
    assert not expired.any_revoked
    assert cluster.owned(returned) == lost
    check_settled(cluster)


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 8), some_config, st.data())
def test_without_a_delay_lost_work_moves_at_once(
    workers: int, connectors: dict[str, int], data: st.DataObject
) -> None:
    cluster = settled_cluster(0, workers, connectors)
    victim = data.draw(st.sampled_from(sorted(w for w in cluster.workers if w != cluster.leader)))
    lost = cluster.leave(victim)
    first = cluster.rebalance()
    assert not lost - first.all_assigned
    assert first.delay_ms == 0
    cluster.settle()
    check_settled(cluster)
