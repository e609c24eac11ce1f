"""What every REST resource shares: the server's identity and the herder-call machinery.

One :class:`RestContext` per server, stored on the aiohttp application under :data:`CONTEXT`;
resources reach it with :func:`context_of`. Read on the server's event loop only.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CollectorRegistry

from distconnect.rest.forwarding import HerderRequests


@dataclass
class ServerInfo:
    """``GET /``: the software version, its commit and the Kafka cluster the worker uses."""

    version: str
    commit: str
    kafka_cluster_id: str | None


@dataclass
class RestContext:
    info: ServerInfo
    requests: HerderRequests
    #: The worker's own metrics registry served at ``GET /metrics`` (None: metrics not served).
    metrics: CollectorRegistry | None = None


CONTEXT = web.AppKey("distconnect.rest.context", RestContext)


def context_of(request: web.Request) -> RestContext:
    return request.app[CONTEXT]


__all__ = ["CONTEXT", "RestContext", "ServerInfo", "context_of"]
