"""Running herder calls for REST requests, and forwarding them (Apache's ``HerderRequestHandler``).

:meth:`HerderRequests.call` runs one herder operation for a request:

* it waits at most the request timeout (90 s) and then answers 500 ``Request timed out``. The
  herder operation is shielded, not cancelled: like Apache's herder thread it finishes what it
  started (a half-applied write is worse than a late one);
* when the herder raises :class:`RequestTargetError` (not the leader, or not the connector's
  owner) the same method, path and body go to ``<error.url><path>?forward=<bool>``, with the
  extra query parameters the endpoint names and only the ``Authorization`` header. The hidden
  ``forward`` parameter bounds the hops: absent (a user's request) → forward with ``true``;
  ``true`` → forward once more with ``false``; ``false`` → 409. An unknown target URL is a 409.

A forwarded answer comes back as :class:`Forwarded` so each endpoint renders it the way it
renders a local result (Apache's translators).

Concurrency: one instance per server, used by many request handlers at once on the server's
loop. :meth:`close` cancels herder operations still running after their requests gave up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from aiohttp import web

from distconnect.rest.wire import query_flag
from distconnect.runtime.herder import ConnectRestError, Herder, RequestTargetError
from distconnect.runtime.rest_client import RestClient

log = logging.getLogger(__name__)

T = TypeVar("T")

CONFLICT = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"
NO_LEADER = (
    "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway."
)
TIMED_OUT = "Request timed out"
STARTING = "Worker is still starting up: its herder is not ready to handle requests yet."


@dataclass(frozen=True)
class Forwarded:
    """Another worker's answer to a forwarded request: its status and parsed JSON body."""

    status: int
    body: Any


def local_or_remote(result: T | Forwarded, render: Callable[[T], Any]) -> Any:
    """The JSON body for ``result``: rendered when local, as received when forwarded."""
    return result.body if isinstance(result, Forwarded) else render(result)


class HerderRequests:
    """See the module docstring."""

    def __init__(self, client: RestClient, request_timeout_s: float) -> None:
        self.client = client
        self.request_timeout_s = request_timeout_s
        self.herder: Herder | None = None
        self._inflight: set[asyncio.Task[Any]] = set()

    def require_herder(self) -> Herder:
        if self.herder is None:
            # The server binds before the herder exists (the distributed herder needs the
            # advertised URL to join its group); until it is attached the worker is starting.
            raise ConnectRestError(503, STARTING)
        return self.herder

    async def call(
        self,
        request: web.Request,
        operation: Callable[[Herder], Coroutine[Any, Any, T]],
        *,
        forward_query: Mapping[str, str] | None = None,
    ) -> T | Forwarded:
        """Run ``operation`` on the herder, forwarding per the module docstring."""
        herder = self.require_herder()
        deadline = asyncio.timeout(self.request_timeout_s)
        try:
            async with deadline:
                try:
                    return await self._shielded(operation(herder))
                except RequestTargetError as target:
                    return await self._forward(request, target, forward_query or {})
        except TimeoutError:
            if deadline.expired():
                raise ConnectRestError(500, TIMED_OUT) from None
            raise

    async def _shielded(self, operation: Coroutine[Any, Any, T]) -> T:
        task = asyncio.ensure_future(operation)
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        return await asyncio.shield(task)

    async def _forward(
        self, request: web.Request, target: RequestTargetError, query: Mapping[str, str]
    ) -> Forwarded:
        forward = query_flag(request, "forward")
        if forward is False:
            raise ConnectRestError(409, CONFLICT)
        if target.url is None:
            raise ConnectRestError(409, NO_LEADER)
        # Only a user's original request may be forwarded onward again: two hops at most.
        params = {"forward": "true" if forward is None else "false", **query}
        url = f"{target.url.rstrip('/')}{request.rel_url.raw_path}?{urlencode(params)}"
        headers = (
            {"Authorization": request.headers["Authorization"]} if "Authorization" in request.headers else {}
        )
        body = await request.read() if request.body_exists else None
        log.debug("Forwarding %s %s (%s)", request.method, url, target)
        status, payload = await self.client.request(request.method, url, body, headers)
        return Forwarded(status, payload)

    async def close(self) -> None:
        """Cancel herder operations whose requests already gave up, and wait for them."""
        for task in list(self._inflight):
            task.cancel()
        await asyncio.gather(*self._inflight, return_exceptions=True)


__all__ = ["CONFLICT", "NO_LEADER", "STARTING", "TIMED_OUT", "Forwarded", "HerderRequests", "local_or_remote"]
