"""Fixtures of the system tests: a broker per test module, a worker cluster per test, figures.

* ``kafka`` (module scope): a :class:`KafkaService` of this module alone (the broker-restart
  scenario stops it, so it is never the shared broker). A module may override ``kafka_listeners``
  to give it extra listeners (the partition scenario proxies one worker's connections).
* ``connect`` (per test): a :class:`ConnectService` with no workers yet, its logs in
  ``system_tests/results/logs/<module>/<test>/``; stopped after the test.
* ``figures``: records the scenario's figures; the summary table is written at the end of the
  session (:mod:`system_tests.results`).

Selection: scenarios marked ``system_full`` only run with ``DISTCONNECT_SYSTEM_TESTS=all`` (what
``make system-test`` sets); the others (the rolling bounces) are part of the default run and CI.
Deselected items are not skipped: they are simply not collected into the run.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from system_tests.results import RESULTS_DIR, Figures, Results
from system_tests.services import ConnectService, KafkaService
from tests.integration.cluster.cluster_support import FAST_SETTINGS, EventLog

LOGS = RESULTS_DIR / "logs"
RESULTS = Results()
#: Worker settings: Apache's system-test template values where they matter (sessions of
#: seconds for the group and the sink consumers), a short rebalance delay and offset flush.
SYSTEM_SETTINGS: dict[str, str] = {
    **FAST_SETTINGS,
    "consumer.session.timeout.ms": "6000",
    "consumer.heartbeat.interval.ms": "1000",
}


def _all_selected() -> bool:
    return os.environ.get("DISTCONNECT_SYSTEM_TESTS", "") == "all"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _all_selected():
        return
    full = [item for item in items if item.get_closest_marker("system_full")]
    if full:
        config.hook.pytest_deselected(items=full)
        items[:] = [item for item in items if not item.get_closest_marker("system_full")]


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = RESULTS.write("all" if _all_selected() else "ci")
    if path is not None:
        print(f"\nsystem test summary: {path}")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80]


@pytest.fixture(scope="module")
def kafka_listeners() -> dict[str, tuple[int, int]]:
    return {}


@pytest.fixture(scope="module")
def kafka(
    request: pytest.FixtureRequest, kafka_listeners: dict[str, tuple[int, int]]
) -> Iterator[KafkaService]:
    service = KafkaService(LOGS / _slug(request.module.__name__) / "kafka", extra_listeners=kafka_listeners)
    shutil.rmtree(service.directory, ignore_errors=True)
    service.start()
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture
def test_dir(request: pytest.FixtureRequest) -> Path:
    path = LOGS / _slug(request.module.__name__) / _slug(request.node.name)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@pytest.fixture
async def connect(kafka: KafkaService, test_dir: Path) -> AsyncIterator[ConnectService]:
    service = ConnectService(kafka.bootstrap, test_dir, settings=SYSTEM_SETTINGS)
    try:
        yield service
    finally:
        await service.stop(grace_s=30)


@pytest.fixture
def events(test_dir: Path) -> EventLog:
    return EventLog(test_dir / "verifiable-events.jsonl")


@pytest.fixture
def topic(request: pytest.FixtureRequest) -> str:
    return f"{_slug(request.node.name)}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def results() -> Results:
    return RESULTS


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Figures:
    return RESULTS.get(request.node.name)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    # Every scenario gets a row, also one that failed before recording its figures.
    wants_row = "figures" in getattr(item, "fixturenames", ())
    figures = RESULTS.get(item.name) if wants_row else RESULTS.figures.get(item.name)
    if figures is not None and report.when == "call":
        figures.outcome = "passed" if report.passed else "FAILED"
        if report.failed and not figures.notes:
            message = str(call.excinfo.value).splitlines()[0][:200] if call.excinfo else "failed"
            figures.notes = message.replace("|", "/")
        figures.seconds = report.duration
    if report.failed:
        report.sections.append(("system test logs", f"logs kept in {LOGS / _slug(item.module.__name__)}"))


@pytest.fixture(autouse=True)
def _timing() -> Iterator[None]:
    began = time.monotonic()
    yield
    print(f"scenario took {time.monotonic() - began:.1f} s")
