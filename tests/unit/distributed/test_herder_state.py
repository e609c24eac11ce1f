"""The herder's bookkeeping: config-change batches and retry back-offs (no broker)."""

from __future__ import annotations

from distconnect.distributed.herder_state import Backoffs, ConfigChanges
from distconnect.runtime.states import TaskId
from distconnect.storage.config_types import RestartRequest


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_backoff_doubles_from_250_ms_up_to_60_s_and_resets_on_success() -> None:
    clock = Clock()
    backoffs = Backoffs(clock=clock)
    delays = [backoffs.failed("c") for _ in range(11)]
    assert delays[:4] == [0.25, 0.5, 1.0, 2.0]
    assert delays[-1] == 60.0
    assert backoffs.take_due() == []
    clock.now += 60.0
    assert backoffs.take_due() == ["c"]
    backoffs.succeeded("c")
    assert backoffs.failed("c") == 0.25
    backoffs.now("d")
    assert backoffs.take_due() == ["d"]
    assert backoffs.next_due() == clock.now + 0.25


def test_changes_needing_a_rebalance_and_those_that_do_not() -> None:
    woken: list[int] = []
    offset = [10]
    changes = ConfigChanges(lambda: woken.append(1), lambda: offset[0])
    changes.known_connectors.add("old")
    changes.on_connector_config_update("old")  # a changed config: restart on the owner only
    changes.on_target_state_change("old")
    changes.on_restart_request(RestartRequest("old", True, True))
    assert not changes.rebalance_needed
    offset[0] = 12
    changes.on_connector_config_update("new")  # a new connector must be assigned
    assert changes.rebalance_needed
    assert changes.rebalance_offset == 12
    assert len(woken) == 4

    batch = changes.drain()
    assert batch.updated_connectors == {"old"}
    assert batch.target_state_changes == {"old"}
    assert batch.restart_requests == [RestartRequest("old", True, True)]
    empty = changes.drain()
    assert not (empty.updated_connectors)
    assert not (empty.target_state_changes)
    assert not (empty.restart_requests)


def test_a_rebalance_computed_at_a_newer_offset_covers_earlier_changes() -> None:
    offset = [5]
    changes = ConfigChanges(lambda: None, lambda: offset[0])
    changes.on_task_config_update([TaskId("c", 0)])
    changes.reflected_in(4)  # an assignment from before the commit does not cover it
    assert changes.rebalance_needed
    changes.reflected_in(5)
    assert not changes.rebalance_needed
    changes.on_connector_config_remove("c")
    assert changes.rebalance_needed
