"""The one place errors become HTTP answers (Apache's ``ConnectExceptionMapper``).

Every non-2xx answer is ``{"error_code": int, "message": str}``:

* :class:`ConnectRestError`: its status and error code (forwarded errors keep the remote's);
* ``NotFoundError``: 404; ``AlreadyExistsError``: 409;
* :class:`ConfigValidationError`: 400 with Apache's message, pointing at the validate endpoint;
* :class:`RebalanceNeededError`: 409 (the herder already waited a bounded time);
* aiohttp's HTTP errors (unknown path, wrong method, body too large): their status, with Jersey's
  ``HTTP <status> <reason>`` message;
* anything else: 500 with the error's message (and the stack trace in the log, not the body).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from distconnect.api.errors import AlreadyExistsError, NotFoundError
from distconnect.rest.entities import error_json
from distconnect.rest.wire import json_response
from distconnect.runtime.herder import ConfigValidationError, ConnectRestError, RebalanceNeededError

log = logging.getLogger(__name__)

VALIDATE_HINT = (
    "You can also find the above list of errors at the endpoint "
    "`/connector-plugins/{connectorType}/config/validate`"
)
STALE_CONFIG = (
    "Cannot complete request momentarily due to stale configuration "
    "(typically caused by a concurrent config change)"
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(status: int, message: str, error_code: int | None = None) -> web.Response:
    return json_response(error_json(status, message, error_code), status=status)


def map_error(error: Exception) -> web.Response:
    """The answer for ``error``; see the module docstring for the table."""
    if isinstance(error, ConnectRestError):
        return error_response(error.status, error.message, error.error_code)
    if isinstance(error, ConfigValidationError):
        return error_response(400, f"{error}\n{VALIDATE_HINT}")
    if isinstance(error, NotFoundError):
        return error_response(404, str(error))
    if isinstance(error, AlreadyExistsError):
        return error_response(409, str(error))
    if isinstance(error, RebalanceNeededError):
        return error_response(409, STALE_CONFIG)
    if isinstance(error, web.HTTPRequestEntityTooLarge):
        # aiohttp's text names the limit and the size: more useful than the bare reason.
        return error_response(413, f"HTTP 413 {error.reason}: {error.text}")
    if isinstance(error, web.HTTPException):
        response = error_response(error.status, f"HTTP {error.status} {error.reason}")
        if "Allow" in error.headers:  # a 405 says which methods the path takes
            response.headers["Allow"] = error.headers["Allow"]
        return response
    log.error("Uncaught exception in REST call: %s", error, exc_info=error)
    return error_response(500, str(error) or type(error).__name__)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise  # a redirect or other non-error answer aiohttp builds itself
        return map_error(error)
    except Exception as error:
        return map_error(error)


__all__ = ["STALE_CONFIG", "VALIDATE_HINT", "error_middleware", "error_response", "map_error"]
