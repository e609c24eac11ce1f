"""Cross-origin requests (CORS), as Apache's REST server configures Jetty's ``CrossOriginFilter``.

Off unless ``access.control.allow.origin`` is set (Apache's default is empty). Its value is ``*``
(any origin) or a comma-separated list of origins, where ``*`` inside an entry matches anything
(``https://*.example.com``). ``access.control.allow.methods`` lists the methods allowed
cross-origin (Jetty's default: ``GET,POST,HEAD``). Jetty's other defaults apply: allowed request
headers ``X-Requested-With,Content-Type,Accept,Origin``, credentials allowed, preflight answers
cached 1800 s, no exposed headers (Apache has no setting for them).

* A request without ``Origin``, or from an origin not allowed, is served without CORS headers.
* A preflight (``OPTIONS`` with ``Access-Control-Request-Method``) from an allowed origin is
  answered here with 200 and, when the method and headers are allowed, the
  ``Access-Control-Allow-*`` headers. It never reaches authentication: browsers send preflights
  without credentials.
* Any other request from an allowed origin gets ``Access-Control-Allow-Origin`` (the origin
  itself), ``Access-Control-Allow-Credentials: true`` and ``Vary: Origin``, errors included.
"""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.typedefs import Middleware

from distconnect.rest.errors import Handler
from distconnect.runtime.worker_config import WorkerConfig

DEFAULT_METHODS = ("GET", "POST", "HEAD")
DEFAULT_HEADERS = ("X-Requested-With", "Content-Type", "Accept", "Origin")
PREFLIGHT_MAX_AGE_S = 1800


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Cors:
    """The policy of one server; stateless, safe for concurrent requests."""

    def __init__(self, allowed_origins: str, allowed_methods: str = "") -> None:
        origins = _split(allowed_origins)
        self.any_origin = "*" in origins
        self._patterns = [
            re.compile(re.escape(o).replace(r"\*", ".*"), re.IGNORECASE) for o in origins if o != "*"
        ]
        self.methods = _split(allowed_methods) or list(DEFAULT_METHODS)
        self._headers = {h.lower() for h in DEFAULT_HEADERS}

    @classmethod
    def from_config(cls, config: WorkerConfig) -> Cors | None:
        origins = config.get_string("access.control.allow.origin") or ""
        if not origins.strip():
            return None
        return cls(origins, config.get_string("access.control.allow.methods") or "")

    def origin_allowed(self, origin: str) -> bool:
        # Jetty: the header may list several origins; each must be allowed.
        origins = origin.split()
        return bool(origins) and all(
            self.any_origin or any(p.fullmatch(o) for p in self._patterns) for o in origins
        )

    def preflight_headers(self, request: web.Request, origin: str) -> dict[str, str]:
        method = request.headers.get("Access-Control-Request-Method", "").strip()
        requested = _split(request.headers.get("Access-Control-Request-Headers", ""))
        if method not in self.methods or any(h.lower() not in self._headers for h in requested):
            return {}
        return {
            **self.simple_headers(origin),
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S),
            "Access-Control-Allow-Methods": ",".join(self.methods),
            "Access-Control-Allow-Headers": ",".join(DEFAULT_HEADERS),
        }

    def simple_headers(self, origin: str) -> dict[str, str]:
        headers = {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true"}
        if not self.any_origin:
            headers["Vary"] = "Origin"
        return headers

    def middleware(self) -> Middleware:
        @web.middleware
        async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
            origin = request.headers.get("Origin")
            if origin is None or not self.origin_allowed(origin):
                return await handler(request)
            if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
                return web.Response(status=200, headers=self.preflight_headers(request, origin))
            try:
                response = await handler(request)
            except web.HTTPException as redirect:  # errors are responses by now; see app.py
                redirect.headers.update(self.simple_headers(origin))
                raise
            response.headers.update(self.simple_headers(origin))
            return response

        return cors


__all__ = ["DEFAULT_HEADERS", "DEFAULT_METHODS", "PREFLIGHT_MAX_AGE_S", "Cors"]
