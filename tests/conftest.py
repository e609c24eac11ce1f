"""Shared fixtures: the real local Kafka broker and unique topic names.

The broker is the same :class:`~distconnect.local.kafka.LocalKafka` that ``distconnect local kafka``
runs, started once per test session on a free port in a temporary state directory, and only when
a test asks for it: unit tests of pure logic never start a JVM. Set
``DISTCONNECT_TEST_BOOTSTRAP=host:port`` to run against a broker you already have instead.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator

import pytest

from distconnect.local.kafka import LocalKafka
from distconnect.local.process import free_port


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``bootstrap.servers`` of a real single-node KRaft broker on 127.0.0.1."""
    external = os.environ.get("DISTCONNECT_TEST_BOOTSTRAP")
    if external:
        yield external
        return
    broker = LocalKafka(tmp_path_factory.mktemp("kafka"), port=free_port())
    status = broker.start()
    assert status.bootstrap is not None
    try:
        yield status.bootstrap
    finally:
        broker.stop()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80]


@pytest.fixture
def topic_factory(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """Make topic names unique to this test and run: ``topic_factory("in")`` -> ``test_x-in-1a2b3c4d``."""

    def make(suffix: str = "t") -> str:
        return f"{_slug(request.node.name)}-{_slug(suffix)}-{uuid.uuid4().hex[:8]}"

    return make


@pytest.fixture
def topic(topic_factory: Callable[[str], str]) -> str:
    """A topic name no other test (or earlier run against the same broker) uses."""
    return topic_factory("t")
