"""The auto-restart back-off (Strimzi's n*(n+1) units, capped) and its reset rule, as pure logic."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from distconnect.runtime.restart_schedule import Backoff, RestartSchedule
from distconnect.runtime.states import State

MINUTE_MS = 60_000
KEY = ("conn", 0)


def test_default_delays_are_strimzis_minutes_capped_at_an_hour() -> None:
    backoff = Backoff()
    minutes = [backoff.delay_ms(n) / MINUTE_MS for n in range(10)]
    assert minutes == [0, 2, 6, 12, 20, 30, 42, 56, 60, 60]


@given(
    unit=st.integers(min_value=1, max_value=10**6),
    cap=st.integers(min_value=0, max_value=10**9),
    n=st.integers(min_value=0, max_value=10**4),
)
def test_delay_is_n_n_plus_1_units_never_above_the_cap_and_never_shrinks(unit: int, cap: int, n: int) -> None:
    backoff = Backoff(unit, cap)
    assert backoff.delay_ms(n) == min(n * (n + 1) * unit, cap)
    assert backoff.delay_ms(n) <= backoff.delay_ms(n + 1)
    assert backoff.reset_after_ms(n) >= unit


def _fail_and_restart_while_due(schedule: RestartSchedule[tuple[str, int]], now: float) -> bool:
    due = schedule.observe(KEY, State.FAILED, now)
    if due:
        schedule.restarted(KEY, now)
    return due


def test_a_task_that_keeps_failing_is_restarted_at_0_2_6_12_units_after_its_first_failure() -> None:
    schedule: RestartSchedule[tuple[str, int]] = RestartSchedule(Backoff(unit_ms=1000, max_ms=10_000))
    restarts = [t / 10 for t in range(400) if _fail_and_restart_while_due(schedule, t / 10)]
    # 0, then +2 s, +6 s after that, +12 s, then the 10 s cap: 0, 2, 8, 18, 28, 38
    assert restarts == [0.0, 2.0, 8.0, 18.0, 28.0, 38.0]
    assert schedule.states[KEY].total == 6


def test_running_for_the_next_back_off_resets_the_counter_and_a_shorter_run_does_not() -> None:
    schedule: RestartSchedule[tuple[str, int]] = RestartSchedule(Backoff(unit_ms=1000, max_ms=60_000))
    assert _fail_and_restart_while_due(schedule, 0.0)
    assert not schedule.observe(KEY, State.RUNNING, 0.5)
    assert not schedule.observe(KEY, State.FAILED, 1.0)  # the next restart waits 2 s after the first
    assert _fail_and_restart_while_due(schedule, 2.0)
    assert schedule.states[KEY].restarts == 2
    # RUNNING for 5 s: less than the next back-off (6 s) keeps the counter...
    schedule.observe(KEY, State.RUNNING, 3.0)
    schedule.observe(KEY, State.RUNNING, 8.0)
    assert schedule.states[KEY].restarts == 2
    # ...6 s without interruption resets it: the next failure is restarted at once.
    schedule.observe(KEY, State.RUNNING, 9.0)
    assert schedule.states[KEY].restarts == 0
    assert _fail_and_restart_while_due(schedule, 9.5)
    assert schedule.states[KEY].total == 3


def test_a_pause_interrupts_the_running_period_and_leaving_failed_cancels_the_pending_restart() -> None:
    schedule: RestartSchedule[tuple[str, int]] = RestartSchedule(Backoff(unit_ms=1000, max_ms=60_000))
    assert _fail_and_restart_while_due(schedule, 0.0)
    schedule.observe(KEY, State.RUNNING, 0.1)
    schedule.observe(KEY, State.PAUSED, 1.0)
    schedule.observe(KEY, State.RUNNING, 1.1)
    schedule.observe(KEY, State.RUNNING, 3.0)  # 1.9 s since the pause: not yet the 2 s that reset
    assert schedule.states[KEY].restarts == 1
    schedule.observe(KEY, State.RUNNING, 3.1)
    assert schedule.states[KEY].restarts == 0

    assert _fail_and_restart_while_due(schedule, 10.0)
    assert not schedule.observe(KEY, State.FAILED, 11.0)
    assert schedule.states[KEY].next_attempt_at == 12.0
    schedule.observe(KEY, State.UNASSIGNED, 11.5)
    assert schedule.states[KEY].next_attempt_at is None


def test_retain_forgets_work_no_longer_watched() -> None:
    schedule: RestartSchedule[tuple[str, int]] = RestartSchedule(Backoff())
    schedule.observe(("a", 0), State.FAILED, 0.0)
    schedule.observe(("b", 0), State.RUNNING, 0.0)
    schedule.retain([("b", 0)])
    assert set(schedule.states) == {("b", 0)}


@given(
    events=st.lists(
        st.tuples(
            st.sampled_from([State.FAILED, State.FAILED, State.RUNNING, State.PAUSED]),
            st.floats(min_value=0.0, max_value=5.0),
        ),
        max_size=80,
    ),
    unit_ms=st.integers(min_value=1, max_value=2000),
    cap_ms=st.integers(min_value=0, max_value=20_000),
)
def test_no_restart_comes_earlier_than_the_back_off_after_the_previous_one(
    events: list[tuple[State, float]], unit_ms: int, cap_ms: int
) -> None:
    backoff = Backoff(unit_ms, cap_ms)
    schedule: RestartSchedule[tuple[str, int]] = RestartSchedule(backoff)
    now = 0.0
    last: float | None = None
    for state, step in events:
        now += step
        before = schedule.states.get(KEY)
        in_a_row = before.restarts if before else 0
        restarted = schedule.observe(KEY, state, now)
        if restarted:
            assert state is State.FAILED, "only a FAILED instance is ever restarted"
            if last is not None:
                assert now - last >= backoff.delay_ms(in_a_row) / 1000 - 1e-9
            schedule.restarted(KEY, now)
            last = now
        entry = schedule.states[KEY]
        assert entry.restarts <= entry.total
        # A restart is pending exactly while the instance is FAILED and was not just restarted.
        assert (entry.next_attempt_at is not None) == (state is State.FAILED and not restarted)
