"""The worker's REST server (Apache's ``ConnectRestServer``) on aiohttp.

Lifecycle, in the order a worker needs it:

1. ``RestServer(config, ...)`` does nothing but remember its settings;
2. ``await server.start()`` binds every ``listeners`` entry (port 0 picks a free port) and works
   out :attr:`advertised_url` and :attr:`worker_id`. Requests are already answered: ``GET /``
   works, everything that needs the herder answers 503 (the worker is starting);
3. ``server.set_herder(herder)`` attaches the herder, which may need the advertised URL to be
   created at all (the distributed herder sends it to the group);
4. ``await server.stop()`` stops accepting, lets running requests finish (bounded), cancels
   herder calls whose requests already timed out, and closes the forwarding client.

``async with RestServer(config) as server:`` does 2 and 4. A worker stops its REST server before
its herder, so no request reaches a herder that is shutting down.

Concurrency: every method runs on the event loop that started the server.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from importlib.metadata import PackageNotFoundError, version

from aiohttp import web
from prometheus_client import CollectorRegistry

from distconnect.api.errors import ConnectError
from distconnect.rest.access_log import ACCESS_LOG, AccessLogger
from distconnect.rest.app import build_app
from distconnect.rest.auth import BasicAuth
from distconnect.rest.context import RestContext, ServerInfo
from distconnect.rest.cors import Cors
from distconnect.rest.forwarding import HerderRequests
from distconnect.rest.listeners import (
    HTTPS,
    BoundListener,
    advertised_address,
    bind,
    parse_listeners,
    url_host,
)
from distconnect.runtime.herder import Herder
from distconnect.runtime.rest_client import DEFAULT_TIMEOUT_S, RestClient
from distconnect.runtime.service import Service
from distconnect.runtime.tls import client_context, server_context
from distconnect.runtime.worker_config import WorkerConfig

log = logging.getLogger(__name__)

#: ``GET /``'s ``commit`` when the build carries no commit id (Apache's ``AppInfoParser`` default).
UNKNOWN_COMMIT = "unknown"
#: How long :meth:`RestServer.stop` lets requests in progress finish.
SHUTDOWN_TIMEOUT_S = 10.0


def installed_version() -> str:
    try:
        return version("distconnect")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0.0.0"


class RestServer(Service):
    """See the module docstring for the lifecycle."""

    def __init__(
        self,
        config: WorkerConfig,
        *,
        kafka_cluster_id: str | None = None,
        version: str | None = None,
        commit: str = UNKNOWN_COMMIT,
        request_timeout_s: float = DEFAULT_TIMEOUT_S,
        client: RestClient | None = None,
        metrics: CollectorRegistry | None = None,
    ) -> None:
        """``client`` is the forwarding client; without one the server owns its own."""
        super().__init__("rest-server")
        self.config = config
        self.info = ServerInfo(version or installed_version(), commit, kafka_cluster_id)
        self._owns_client = client is None
        self.client = client or RestClient(
            timeout_s=request_timeout_s, ssl_context=lambda: client_context(config)
        )
        self.requests = HerderRequests(self.client, request_timeout_s)
        #: The worker's metrics registry, served at ``GET /metrics`` (None: 404 there).
        self.metrics = metrics
        self._runner: web.AppRunner | None = None
        self._bound: list[BoundListener] = []
        self._advertised: tuple[str, str, int] | None = None

    # -- identity ---------------------------------------------------------------------------------
    @property
    def advertised_url(self) -> str:
        """The URL other workers use for this one, e.g. ``http://10.0.0.5:8083/``."""
        scheme, host, port = self._address()
        return f"{scheme}://{url_host(host)}:{port}/"

    @property
    def worker_id(self) -> str:
        """``host:port`` of :attr:`advertised_url`: this worker's id in statuses."""
        _, host, port = self._address()
        return f"{url_host(host)}:{port}"

    @property
    def bound_ports(self) -> list[int]:
        """The port each listener bound, in ``listeners`` order."""
        return [b.port for b in self._bound]

    def _address(self) -> tuple[str, str, int]:
        if self._advertised is None:
            raise RuntimeError("the REST server is not started: its address is not known yet")
        return self._advertised

    # -- herder -----------------------------------------------------------------------------------
    @property
    def herder(self) -> Herder | None:
        return self.requests.herder

    def set_herder(self, herder: Herder) -> None:
        """Start serving the herder's endpoints (they answer 503 until then)."""
        self.requests.herder = herder

    # -- lifecycle --------------------------------------------------------------------------------
    async def on_start(self) -> None:
        listeners = parse_listeners(self.config.listeners)
        # Security settings first: a bad one fails start-up before any port is bound.
        tls = server_context(self.config) if any(x.protocol == HTTPS for x in listeners) else None
        auth, cors = BasicAuth.from_config(self.config), Cors.from_config(self.config)
        sockets: list[socket.socket] = []
        try:
            if self._owns_client:
                await self.client.start()
            for listener, text in zip(listeners, self.config.listeners, strict=True):
                try:
                    sock = await bind(listener)
                except OSError as err:
                    raise ConnectError(f"Unable to bind the REST listener {text.strip()}: {err}") from err
                sockets.append(sock)
                self._bound.append(BoundListener(listener, int(sock.getsockname()[1])))
            self._runner = web.AppRunner(
                build_app(
                    RestContext(self.info, self.requests, metrics=self.metrics),
                    cors=cors.middleware() if cors else None,
                    auth=auth.middleware() if auth else None,
                ),
                access_log_class=AccessLogger,
                access_log=ACCESS_LOG,
                shutdown_timeout=SHUTDOWN_TIMEOUT_S,
            )
            await self._runner.setup()
            for sock, listener in zip(sockets, listeners, strict=True):
                context = tls if listener.protocol == HTTPS else None
                await web.SockSite(self._runner, sock, ssl_context=context).start()
            self._advertised = await self._advertise()
        except BaseException:
            for sock in sockets:
                sock.close()
            await self._release()
            raise
        log.info(
            "REST server listening on ports %s; advertised URL %s", self.bound_ports, self.advertised_url
        )

    async def _advertise(self) -> tuple[str, str, int]:
        def address(default_host: str) -> tuple[str, str, int]:
            return advertised_address(
                self._bound,
                host_name=self.config.rest_advertised_host_name,
                port=self.config.rest_advertised_port,
                advertised_listener=self.config.rest_advertised_listener,
                default_host=default_host,
            )

        scheme, host, port = address("")
        if not host:
            # Only listeners on every interface and no advertised name: use this machine's
            # name. getfqdn may ask DNS, so only when needed and off the loop.
            scheme, host, port = address(await asyncio.to_thread(socket.getfqdn))
        return scheme, host, port

    async def on_stop(self) -> None:
        await self._release()
        log.info("REST server stopped")

    async def _release(self) -> None:
        """Stop serving, then drop what the server owns; safe to call more than once."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        await self.requests.close()
        if self._owns_client:
            await self.client.stop()


__all__ = ["SHUTDOWN_TIMEOUT_S", "UNKNOWN_COMMIT", "RestServer", "installed_version"]
