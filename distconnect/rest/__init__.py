"""The Kafka Connect REST API on aiohttp: :class:`~distconnect.rest.server.RestServer`.

Endpoints, bodies and status codes are Apache Kafka Connect's; see ``docs/rest.md``.
"""

from distconnect.rest.server import RestServer

__all__ = ["RestServer"]
