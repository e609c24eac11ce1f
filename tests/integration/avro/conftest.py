"""A real Confluent-compatible schema registry (Apicurio from Maven Central) for the Avro tests.

Started once per session on a free loopback port, and only when a test asks for it. Set
``DISTCONNECT_TEST_SCHEMA_REGISTRY=<ccompat base URL>`` to use a registry you already run instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.registry_harness import APICURIO_VERSION, ApicurioRegistry, RegistryHarnessError, find_java

#: The newest Apicurio release that still runs on Java 17, for machines without Java 21.
JAVA17_APICURIO_VERSION = "3.0.9"


@pytest.fixture(scope="session")
def schema_registry_url() -> Iterator[str]:
    """Base URL of the registry's Confluent-compatible API, e.g. ``http://127.0.0.1:p/apis/ccompat/v7``."""
    external = os.environ.get("DISTCONNECT_TEST_SCHEMA_REGISTRY")
    if external:
        yield external.rstrip("/")
        return
    try:
        find_java(21)
        version = APICURIO_VERSION
    except RegistryHarnessError:
        version = JAVA17_APICURIO_VERSION
    registry = ApicurioRegistry(version)
    registry.start()
    try:
        yield registry.url
    finally:
        registry.stop()
