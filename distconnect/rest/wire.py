"""Request parsing and response building shared by every resource.

Bodies are JSON in and out (orjson). Parsing follows what Apache's Jackson/Jersey stack accepts:
a ``Map<String, String>`` takes scalars and turns numbers and booleans into their JSON text; a
body sent with a non-JSON ``Content-Type`` is refused with 415, as ``@Consumes(APPLICATION_JSON)``
does. Malformed JSON is a 400 that says what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from distconnect.runtime.herder import ConnectRestError

JSON = "application/json"


def json_response(body: Any, *, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type=JSON, headers=headers)


def empty_response(status: int) -> web.Response:
    """204 No Content, or a 202 Accepted without a body (pause/resume)."""
    return web.Response(status=status)


def query_bool(request: web.Request, name: str, default: bool = False) -> bool:
    """A boolean query parameter as JAX-RS reads ``Boolean``: ``true`` in any case, else false."""
    value = request.query.get(name)
    return default if value is None else value.strip().lower() == "true"


def query_flag(request: web.Request, name: str) -> bool | None:
    """Like :func:`query_bool`, but None when the parameter is absent (the ``forward`` flag)."""
    value = request.query.get(name)
    return None if value is None else value.strip().lower() == "true"


async def read_json(request: web.Request) -> Any:
    """The request body parsed as JSON; ``None`` for an empty body."""
    content_type = request.headers.get("Content-Type")
    raw = await request.read()
    if content_type is not None and raw and not _is_json(request.content_type):
        raise ConnectRestError(415, "HTTP 415 Unsupported Media Type")
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise ConnectRestError(400, f"Request body is not valid JSON: {err}") from None


def _is_json(content_type: str) -> bool:
    return content_type == JSON or content_type.endswith("+json")


def scalar_text(key: str, value: Any, what: str) -> str:
    """A JSON scalar as Jackson reads it into a Java ``String``; objects and arrays are a 400."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return orjson.dumps(value).decode()
    raise ConnectRestError(400, f"The value of '{key}' in the {what} must be a string, not {_kind(value)}")


def string_map(value: Any, what: str) -> dict[str, str]:
    """A JSON object of strings (numbers and booleans become their JSON text)."""
    if not isinstance(value, dict):
        raise ConnectRestError(400, f"The {what} must be a JSON object of strings, not {_kind(value)}")
    return {key: scalar_text(key, item, what) for key, item in value.items()}


def patch_map(value: Any, what: str) -> dict[str, str | None]:
    """Like :func:`string_map`, but a JSON ``null`` stays None (``PATCH``: remove the key)."""
    if not isinstance(value, dict):
        raise ConnectRestError(400, f"The {what} must be a JSON object, not {_kind(value)}")
    return {key: None if item is None else scalar_text(key, item, what) for key, item in value.items()}


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number"}
    return "null" if value is None else names.get(type(value), "a number")


__all__ = [
    "JSON",
    "empty_response",
    "json_response",
    "patch_map",
    "query_bool",
    "query_flag",
    "read_json",
    "scalar_text",
    "string_map",
]
