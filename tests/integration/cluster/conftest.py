"""Fixtures of the multi-process cluster tests: a :class:`LocalCluster` of ``distconnect worker``
processes on the session broker, with settings that make failover take seconds, not minutes.

When a test fails, the tail of every worker's log is attached to its report ("worker logs").
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from distconnect.local.cluster import LocalCluster
from tests.integration.cluster.cluster_support import FAST_SETTINGS, EventLog

_LOG_TAIL_LINES = 60


@pytest.fixture
async def cluster(kafka_bootstrap: str, tmp_path: Path) -> AsyncIterator[LocalCluster]:
    """A cluster with no workers yet (``start_workers`` adds them); stopped after the test.

    Tests may change ``cluster.settings`` before starting workers (the static-membership test
    raises ``session.timeout.ms``).
    """
    local = LocalCluster(kafka_bootstrap, tmp_path / "cluster", settings=FAST_SETTINGS)
    try:
        yield local
    finally:
        await local.stop(grace_s=20)


@pytest.fixture
def events(tmp_path: Path) -> EventLog:
    """The Verifiable connectors' event log every worker of the test appends to."""
    return EventLog(tmp_path / "verifiable-events.jsonl")


def _log_tails(cluster: LocalCluster) -> str:
    parts = []
    for worker in cluster.workers:
        try:
            lines = worker.log.read_text(errors="replace").splitlines()
        except OSError as err:
            lines = [f"(unreadable: {err})"]
        state = "running" if worker.alive else f"exited {worker.process.returncode}"
        parts.append(
            f"--- worker {worker.index} {worker.url} ({state}), last {_LOG_TAIL_LINES} lines of {worker.log}"
        )
        parts.extend(lines[-_LOG_TAIL_LINES:])
    return "\n".join(parts)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    cluster = getattr(item, "funcargs", {}).get("cluster")
    if report.failed and isinstance(cluster, LocalCluster) and cluster.workers:
        report.sections.append(("worker logs", _log_tails(cluster)))
