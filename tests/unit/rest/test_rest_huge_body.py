"""A body over the server's limit is refused with 413 in Apache's error shape, never a 500."""

from __future__ import annotations

import io

from aiohttp import web
from aiohttp.test_utils import TestClient

from distconnect.rest.app import MAX_BODY_BYTES


async def test_a_body_over_the_limit_is_a_413_with_a_json_message(
    rest: TestClient[web.Request, web.Application],
) -> None:
    body = b'{"name": "big", "config": {"k": "' + b"x" * MAX_BODY_BYTES + b'"}}'
    for method, path in (("POST", "/connectors"), ("PUT", "/connectors/big/config")):
        response = await rest.request(
            method, path, data=io.BytesIO(body), headers={"Content-Type": "application/json"}
        )
        assert response.status == 413, await response.text()
        error = await response.json()
        assert error["error_code"] == 413
        assert str(MAX_BODY_BYTES) in error["message"]
