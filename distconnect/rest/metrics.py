"""``GET /metrics``: the worker's Prometheus metrics (a distconnect addition; Apache uses JMX).

The body is produced by prometheus_client from the worker's own registry (see
:mod:`distconnect.metrics`), in the text exposition format, or in OpenMetrics when the scraper's
``Accept`` header asks for it. A server built without a registry answers 404.

Concurrency: the metric families are collected on the event loop, where every counter they read
is written (a consistent snapshot, no locks); only turning that snapshot into text — most of a
scrape's cost with many tasks — runs in a thread, so a scrape does not hold up the tasks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from distconnect.api.errors import NotFoundError
from distconnect.rest.context import context_of

routes = web.RouteTableDef()


class _Snapshot(Collector):
    """Families already collected, served as they are."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self._families

    def describe(self) -> Iterable[Metric]:
        return []


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    registry = context_of(request).metrics
    if registry is None:
        raise NotFoundError("Metrics are not enabled on this worker")
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    snapshot = CollectorRegistry()
    snapshot.register(_Snapshot(registry.collect()))
    body = await asyncio.to_thread(encoder, snapshot)
    return web.Response(body=body, headers={"Content-Type": content_type})


__all__ = ["routes"]
