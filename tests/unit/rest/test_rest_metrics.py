"""``GET /metrics``: the registry's families as text (or OpenMetrics), 404 without a registry."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, Metric

from distconnect.rest.app import build_app
from distconnect.rest.context import RestContext, ServerInfo
from distconnect.rest.forwarding import HerderRequests
from distconnect.runtime.rest_client import RestClient


class _Counting:
    """A collector whose value changes between scrapes, as a worker's counters do."""

    def __init__(self) -> None:
        self.value = 0

    def collect(self) -> Iterable[Metric]:
        self.value += 1
        yield CounterMetricFamily("distconnect_test_scrapes", "Scrapes so far.", value=self.value)

    def describe(self) -> Iterable[Metric]:
        return []


@asynccontextmanager
async def _client(registry: CollectorRegistry | None) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    async with RestClient() as forwarder:
        requests = HerderRequests(forwarder, request_timeout_s=30)
        app = build_app(RestContext(ServerInfo("9.9.9", "abc", None), requests, metrics=registry))
        async with TestClient(TestServer(app)) as client:
            yield client
        await requests.close()


async def test_metrics_are_collected_fresh_on_every_scrape_in_both_formats() -> None:
    registry = CollectorRegistry()
    registry.register(_Counting())
    async with _client(registry) as http:
        first = await http.get("/metrics")
        assert first.status == 200
        assert first.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        assert "distconnect_test_scrapes_total 1.0" in await first.text()
        second = await http.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
        assert second.status == 200
        assert second.headers["Content-Type"].startswith("application/openmetrics-text")
        body = await second.text()
        assert "distconnect_test_scrapes_total 2.0" in body
        assert body.endswith("# EOF\n")


async def test_a_server_without_a_registry_answers_404() -> None:
    async with _client(None) as http:
        response = await http.get("/metrics")
        assert response.status == 404
        assert await response.json() == {
            "error_code": 404,
            "message": "Metrics are not enabled on this worker",
        }
