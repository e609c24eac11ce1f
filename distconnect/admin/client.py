"""A small REST client for the admin commands: Apache's error bodies become :class:`AdminError`.

Requests are retried while the worker is not ready to answer — the connection is refused, it
answers 503 (still starting) or 409 (a rebalance is under way) — until ``wait_s`` has passed,
because a script that creates connectors right after starting a cluster meets all three. Other
answers are final.

Lifecycle: ``async with AdminClient(options) as client:`` opens and closes one HTTP session.
Use it from one event loop; requests may run concurrently.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import aiohttp
import orjson
from tenacity import AsyncRetrying, retry_if_exception, stop_after_delay, wait_exponential

from distconnect.api.errors import ConnectError

DEFAULT_URL = "http://localhost:8083"
#: Answers that mean "not now" rather than "no".
RETRY_STATUSES = frozenset({409, 503})


class AdminError(ConnectError):
    """The worker refused a request (``status`` ≥ 400) or could not be reached (``status`` 0)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message if status == 0 else f"{message} (HTTP {status})")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ClientOptions:
    url: str = DEFAULT_URL
    user: str | None = None
    password: str | None = None
    #: Seconds one request may take.
    timeout_s: float = 90.0
    #: Seconds to keep retrying while the worker is unreachable, starting or rebalancing.
    wait_s: float = 30.0
    cafile: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    insecure: bool = False


def path(*segments: str) -> str:
    """A URL path from raw segments, each percent-encoded (connector names may hold ``/``)."""
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


def _retriable(error: BaseException) -> bool:
    return isinstance(error, AdminError) and (error.status == 0 or error.status in RETRY_STATUSES)


class AdminClient:
    """See the module docstring."""

    def __init__(self, options: ClientOptions) -> None:
        self.options = options
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        auth = None
        if self.options.user is not None:
            auth = aiohttp.BasicAuth(self.options.user, self.options.password or "")
        self._session = aiohttp.ClientSession(
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=self.options.timeout_s),
            connector=aiohttp.TCPConnector(ssl=self._ssl()),
            headers={"User-Agent": "distconnect-admin"},
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _ssl(self) -> ssl.SSLContext | bool:
        if not self.options.url.startswith("https:"):
            return True
        if self.options.insecure:
            return False
        context = ssl.create_default_context(cafile=self.options.cafile)
        if self.options.certfile:
            context.load_cert_chain(self.options.certfile, self.options.keyfile)
        return context

    async def request(
        self,
        method: str,
        url_path: str,
        *,
        body: Any = None,
        query: Mapping[str, str | list[str]] | None = None,
    ) -> tuple[int, Any]:
        """``(status, parsed JSON body or None)`` of a 2xx answer; raises :class:`AdminError`."""
        retrying = AsyncRetrying(
            retry=retry_if_exception(_retriable),
            stop=stop_after_delay(self.options.wait_s),
            wait=wait_exponential(multiplier=0.25, max=2.0),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._once(method, url_path, body, query)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _once(
        self, method: str, url_path: str, body: Any, query: Mapping[str, str | list[str]] | None
    ) -> tuple[int, Any]:
        if self._session is None:
            raise RuntimeError("AdminClient used outside 'async with'")
        url = self.options.url.rstrip("/") + url_path
        params = [(key, item) for key, value in (query or {}).items() for item in _listed(value)]
        data = None if body is None else orjson.dumps(body)
        headers = {"Content-Type": "application/json"} if data is not None else {}
        try:
            async with self._session.request(
                method, url, params=params, data=data, headers=headers
            ) as response:
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            raise AdminError(0, f"cannot reach {self.options.url}: {err or type(err).__name__}") from err
        parsed = _parse(raw)
        if status >= 400:
            message = parsed.get("message") if isinstance(parsed, dict) else None
            raise AdminError(status, str(message or raw.decode(errors="replace").strip() or "no message"))
        return status, parsed


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _parse(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


__all__ = ["DEFAULT_URL", "AdminClient", "AdminError", "ClientOptions", "path"]
