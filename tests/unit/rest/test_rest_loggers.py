"""``/admin/loggers``: Apache's shapes, codes and messages (KIP-495, KIP-976), against the fake
herder, whose log levels live in a private logger hierarchy (root INFO, ``distconnect`` WARN,
``distconnect.rest`` without a level of its own)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.unit.rest.fake_herder import FakeHerder

Client = TestClient[web.Request, web.Application]


async def test_list_shows_every_existing_logger_and_root(rest: Client) -> None:
    response = await rest.get("/admin/loggers")
    assert response.status == 200
    assert await response.json() == {
        "distconnect": {"level": "WARN", "last_modified": None},
        "distconnect.rest": {"level": "WARN", "last_modified": None},  # inherited
        "root": {"level": "INFO", "last_modified": None},
    }


async def test_get_one_logger_falls_back_to_its_effective_level(rest: Client) -> None:
    response = await rest.get("/admin/loggers/distconnect.rest")
    assert response.status == 200
    assert await response.json() == {"level": "WARN", "last_modified": None}
    assert await (await rest.get("/admin/loggers/ROOT")).json() == {"level": "INFO", "last_modified": None}


async def test_unknown_logger_is_404(rest: Client) -> None:
    response = await rest.get("/admin/loggers/org.nobody")
    assert response.status == 404
    assert await response.json() == {"error_code": 404, "message": "Logger org.nobody not found."}


@pytest.mark.parametrize("query", ["", "?scope=worker", "?scope=WORKER", "?scope=galaxy", "?scope="])
async def test_worker_scope_answers_200_with_the_affected_loggers(
    rest: Client, herder: FakeHerder, query: str
) -> None:
    response = await rest.put(f"/admin/loggers/distconnect{query}", json={"level": "debug"})
    assert response.status == 200
    assert await response.json() == ["distconnect"]
    level = await (await rest.get("/admin/loggers/distconnect")).json()
    assert level["level"] == "DEBUG"
    assert isinstance(level["last_modified"], int)
    assert herder.cluster_levels == []


async def test_unknown_scope_falls_back_to_worker_with_a_warning(
    rest: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="distconnect.rest.loggers"):
        response = await rest.put("/admin/loggers/distconnect?scope=galaxy", json={"level": "INFO"})
    assert response.status == 200
    assert "Received invalid scope 'galaxy'" in caplog.text


async def test_root_changes_every_configured_logger(rest: Client) -> None:
    response = await rest.put("/admin/loggers/root", json={"level": "ERROR"})
    assert await response.json() == ["distconnect", "root"]
    levels = await (await rest.get("/admin/loggers")).json()
    assert {name: entry["level"] for name, entry in levels.items()} == {
        "distconnect": "ERROR",
        "distconnect.rest": "ERROR",
        "root": "ERROR",
    }


@pytest.mark.parametrize("scope", ["cluster", "Cluster"])
async def test_cluster_scope_answers_204_and_goes_to_the_herder(
    rest: Client, herder: FakeHerder, scope: str
) -> None:
    response = await rest.put(f"/admin/loggers/distconnect.rest?scope={scope}", json={"level": "trace"})
    assert response.status == 204
    assert await response.read() == b""
    assert herder.cluster_levels == [("distconnect.rest", "trace")]


@pytest.mark.parametrize("scope", ["worker", "cluster"])
async def test_invalid_level_is_apaches_404(rest: Client, herder: FakeHerder, scope: str) -> None:
    response = await rest.put(f"/admin/loggers/distconnect?scope={scope}", json={"level": "WARNING"})
    assert response.status == 404
    assert await response.json() == {"error_code": 404, "message": "invalid log level 'WARNING'."}
    assert herder.cluster_levels == []


@pytest.mark.parametrize("body", [{}, {"level": None}, {"lvl": "INFO"}, None])
async def test_missing_level_is_400(rest: Client, body: Any) -> None:
    response = await rest.put("/admin/loggers/distconnect", json=body)
    assert response.status == 400
    assert await response.json() == {
        "error_code": 400,
        "message": "Desired 'level' parameter was not specified in request.",
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (["DEBUG"], "must be a JSON object"),
        ({"level": ["DEBUG"]}, "'level'"),
        ({"level": 5}, "invalid log level"),
    ],
)
async def test_wrong_body_types_are_4xx_naming_the_field(rest: Client, body: Any, message: str) -> None:
    response = await rest.put("/admin/loggers/distconnect", json=body)
    assert 400 <= response.status < 500
    assert message in (await response.json())["message"]


async def test_malformed_json_is_400(rest: Client) -> None:
    response = await rest.put(
        "/admin/loggers/distconnect", data=b'{"level": ', headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
