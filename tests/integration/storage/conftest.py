"""Fixtures for the storage tests on the session broker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from distconnect.storage.topics import TopicSpec
from tests.integration.storage.storage_support import SpecFactory


@pytest.fixture
def settings(kafka_bootstrap: str) -> dict[str, Any]:
    """Worker settings (Java names) as a distributed worker would pass them to the stores."""
    return {"bootstrap.servers": kafka_bootstrap, "group.id": "storage-tests", "key.converter": "ignored"}


@pytest.fixture
def spec(topic_factory: Callable[[str], str]) -> SpecFactory:
    """``spec("configs", partitions=1)``: a TopicSpec for a fresh topic on the single-node broker."""

    def make(suffix: str = "log", partitions: int = 1, **kwargs: Any) -> TopicSpec:
        return TopicSpec(topic_factory(suffix), partitions, 1, **kwargs)

    return make
