"""The HTTP client workers use to call each other's REST API (Apache's ``RestClient``).

Two users: the REST layer forwards a request to the leader or to a connector's owner, and the
distributed herder posts signed task configs to the leader. Both need Apache's response rules,
so they live here, not in either caller:

* 204: no body;
* 2xx: the JSON body;
* 400 and up: the body is Apache's ``{"error_code", "message"}`` and is raised again as a
  :class:`ConnectRestError` with the same status and error code;
* any other status: 500 ``Unexpected status code when handling forwarded request: N``;
* a connection, timeout or parse failure: 500 ``IO Error trying to forward REST request: ...``.

Redirects are not followed. The caller chooses the headers (forwarding copies only
``Authorization``; the herder adds the KIP-507 signature headers); the client always sends
``User-Agent: kafka-connect`` and, with a body, ``Content-Type: application/json``.

TLS: ``https://`` URLs use the context ``ssl_context`` builds (the worker's ``ssl.*`` settings,
see :mod:`distconnect.runtime.tls`), built on the first HTTPS request only, as Apache does
(KAFKA-14816: a worker with only HTTP peers never needs valid TLS settings); a bad setting then
answers 500 naming the key.

Lifecycle: nothing happens in ``__init__``; :meth:`start` opens one ``aiohttp.ClientSession``
(one connection pool), :meth:`stop` closes it; ``async with RestClient() as client:`` does both.
Concurrency: call :meth:`request` from the loop that started the client, from any number of
tasks at once.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import orjson
from yarl import URL

from distconnect.api.errors import ConnectError
from distconnect.runtime.herder import ConnectRestError
from distconnect.runtime.service import Service

log = logging.getLogger(__name__)

USER_AGENT = "kafka-connect"
#: Apache's ``DEFAULT_REST_REQUEST_TIMEOUT_MS``.
DEFAULT_TIMEOUT_S = 90.0


class RestClient(Service):
    """One pooled HTTP client for worker-to-worker calls; see the module docstring."""

    def __init__(
        self,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        ssl_context: Callable[[], ssl.SSLContext] | None = None,
    ) -> None:
        super().__init__("rest-client")
        self.timeout_s = timeout_s
        self._ssl_factory = ssl_context
        self._ssl: ssl.SSLContext | None = None
        self._session: aiohttp.ClientSession | None = None

    def _tls(self, url: str) -> ssl.SSLContext | bool:
        """The context for ``url``: aiohttp's default (True) for HTTP or without a factory."""
        if self._ssl_factory is None or not url.lower().startswith("https://"):
            return True
        if self._ssl is None:
            try:
                self._ssl = self._ssl_factory()
            except ConnectError as err:
                raise ConnectRestError(500, f"Failed to start RestClient: {err}") from err
        return self._ssl

    async def on_start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))

    async def on_stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """Send one request; return ``(status, parsed JSON or None)`` for a 2xx answer.

        ``url`` is used as given (already percent-encoded: a forwarded path keeps its bytes).
        Raises :class:`ConnectRestError` as the module docstring lists; never an aiohttp error.
        """
        if self._session is None:
            raise RuntimeError("RestClient.start() was not awaited (or the client is stopped)")
        sent = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/json"
        try:
            tls = self._tls(url)
            async with self._session.request(
                method, URL(url, encoded=True), data=body, headers=sent, allow_redirects=False, ssl=tls
            ) as response:
                status = response.status
                text = await response.read()
            return _interpret(status, text)
        except ConnectRestError:
            raise
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as err:
            # ValueError covers orjson.JSONDecodeError: a body that is not the JSON we expect
            # is an I/O problem of the exchange, as Jackson's IOException is in Java.
            log.warning("IO error forwarding REST request %s %s: %s", method, url, _describe(err))
            raise ConnectRestError(500, f"IO Error trying to forward REST request: {_describe(err)}") from err


def _interpret(status: int, body: bytes) -> tuple[int, Any]:
    if status == 204:
        return status, None
    if status >= 400:
        error = orjson.loads(body)
        if not isinstance(error, dict) or not isinstance(error.get("message"), str | None):
            raise ValueError(f"the error response is not an ErrorMessage: {body[:200]!r}")
        code = error.get("error_code")
        message = error.get("message") or ""
        raise ConnectRestError(status, message, code if isinstance(code, int) and code else status)
    if 200 <= status < 300:
        return status, orjson.loads(body) if body.strip() else None
    raise ConnectRestError(500, f"Unexpected status code when handling forwarded request: {status}")


def _describe(err: BaseException) -> str:
    # A timeout has an empty message; say what it was rather than printing nothing.
    return str(err) or type(err).__name__


__all__ = ["DEFAULT_TIMEOUT_S", "USER_AGENT", "RestClient"]
