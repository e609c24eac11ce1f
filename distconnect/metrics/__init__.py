"""Prometheus metrics of a worker (``GET /metrics``): see :mod:`distconnect.metrics.collector`.

Depends on ``distconnect.api`` and ``distconnect.runtime`` only.
"""

from distconnect.metrics.collector import CONNECTOR_STATES, WorkerCollector, register_worker

__all__ = ["CONNECTOR_STATES", "WorkerCollector", "register_worker"]
