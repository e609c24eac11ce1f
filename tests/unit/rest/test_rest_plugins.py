"""``/connector-plugins``: listing, config definitions and validation — Apache's shapes, codes and
messages, against the fake herder (which runs the real plugin logic on the installed plugins)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from distconnect.rest.app import build_app
from distconnect.rest.context import RestContext, ServerInfo
from distconnect.rest.forwarding import HerderRequests
from distconnect.runtime.herder_admin import NO_CONNECTOR_TYPE
from distconnect.runtime.rest_client import RestClient
from tests.unit.rest.fake_herder import FakeHerder

Client = TestClient[web.Request, web.Application]
FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
PLUGIN_KEYS = {"class", "type", "version"}
KEY_INFO = {
    "name": str,
    "type": str,
    "required": bool,
    "default_value": (str, type(None)),
    "importance": str,
    "documentation": (str, type(None)),
    "group": (str, type(None)),
    "width": str,
    "display_name": str,
    "dependents": list,
    "order_in_group": int,
}
VALUE_INFO = {
    "name": str,
    "value": (str, type(None)),
    "recommended_values": list,
    "errors": list,
    "visible": bool,
}


def assert_key_info(entry: dict[str, Any]) -> None:
    assert set(entry) == set(KEY_INFO), entry
    for key, kind in KEY_INFO.items():
        assert isinstance(entry[key], kind), (key, entry)


async def test_connectors_only_by_default(rest: Client) -> None:
    response = await rest.get("/connector-plugins")
    assert response.status == 200
    plugins = await response.json()
    assert {p["type"] for p in plugins} == {"sink", "source"}
    assert all(set(p) == PLUGIN_KEYS for p in plugins)
    # Sinks first, then sources, as Apache lists them.
    types = [p["type"] for p in plugins]
    assert types == ["sink"] * types.count("sink") + ["source"] * types.count("source")
    assert "distconnect.connectors.file.FileStreamSourceConnector" in {p["class"] for p in plugins}


@pytest.mark.parametrize(("value", "only"), [("false", False), ("FALSE", False), ("TRUE", True), ("", True)])
async def test_connectors_only_flag(rest: Client, value: str, only: bool) -> None:
    response = await rest.get("/connector-plugins", params={"connectorsOnly": value})
    types = {p["type"] for p in await response.json()}
    every = {"sink", "source", "transformation", "predicate", "converter", "header_converter"}
    assert types == ({"sink", "source"} if only else every)


async def test_all_plugins_keep_apaches_type_order(rest: Client) -> None:
    plugins = await (await rest.get("/connector-plugins?connectorsOnly=false")).json()
    order = ["sink", "source", "transformation", "predicate", "converter", "header_converter"]
    types = [p["type"] for p in plugins]
    assert types == sorted(types, key=order.index)
    converters = {p["class"] for p in plugins if p["type"] == "converter"}
    headers = {p["class"] for p in plugins if p["type"] == "header_converter"}
    assert converters & headers  # a class that is both is listed once as each


@pytest.mark.parametrize("name", ["FileStreamSource", "FileStreamSourceConnector", FILE_SOURCE])
async def test_plugin_config_is_a_list_of_config_key_infos(rest: Client, name: str) -> None:
    response = await rest.get(f"/connector-plugins/{name}/config")
    assert response.status == 200
    keys = await response.json()
    for entry in keys:
        assert_key_info(entry)
    names = [k["name"] for k in keys]
    assert names[:3] == ["file", "topic", "batch.size"]  # the plugin's own keys first
    assert "connector.class" in names
    assert "errors.tolerance" in names


async def test_plugin_config_of_a_transformation(rest: Client) -> None:
    response = await rest.get(
        "/connector-plugins/org.apache.kafka.connect.transforms.InsertField$Value/config"
    )
    assert response.status == 200
    assert "static.field" in {k["name"] for k in await response.json()}


async def test_unknown_plugin_is_404(rest: Client) -> None:
    response = await rest.get("/connector-plugins/Nope/config")
    assert response.status == 404
    assert await response.json() == {"error_code": 404, "message": "Unknown plugin Nope."}


async def test_validate_answers_config_infos(rest: Client) -> None:
    config = {"connector.class": "FileStreamSource", "name": "fs", "tasks.max": "0"}
    response = await rest.put("/connector-plugins/FileStreamSource/config/validate", json=config)
    assert response.status == 200
    infos = await response.json()
    assert list(infos) == ["name", "error_count", "groups", "configs"]
    assert infos["name"] == "FileStreamSource"
    assert infos["groups"][:2] == ["Common", "Transforms"]
    for entry in infos["configs"]:
        assert set(entry) == {"definition", "value"}
        assert_key_info(entry["definition"])
        assert set(entry["value"]) == set(VALUE_INFO)
    values = {c["value"]["name"]: c["value"] for c in infos["configs"]}
    assert values["tasks.max"]["errors"]
    assert values["topic"]["errors"]
    assert infos["error_count"] == sum(len(v["errors"]) for v in values.values()) == 2


async def test_validate_reports_null_values_per_key(rest: Client) -> None:
    body = {"connector.class": "FileStreamSource", "name": "fs", "topic": "t", "errors.tolerance": None}
    infos = await (await rest.put("/connector-plugins/FileStreamSource/config/validate", json=body)).json()
    values = {c["value"]["name"]: c["value"] for c in infos["configs"] if c["value"]}
    assert values["errors.tolerance"]["value"] is None
    assert (
        values["errors.tolerance"]["errors"][-1]
        == "Null value can not be supplied as the configuration value."
    )


async def test_validate_hides_passwords(rest: Client) -> None:
    body = {
        "connector.class": "FileStreamSource",
        "name": "fs",
        "topic": "t",
        "value.converter": "io.confluent.connect.avro.AvroConverter",
        "value.converter.schema.registry.url": "http://registry:8081",
        "value.converter.basic.auth.user.info": "me:s3cret-pw",
    }
    response = await rest.put("/connector-plugins/FileStreamSource/config/validate", json=body)
    text = await response.text()
    assert response.status == 200
    assert "s3cret-pw" not in text
    infos = await response.json()
    [secret] = [c for c in infos["configs"] if c["value"]["name"] == "value.converter.basic.auth.user.info"]
    assert secret["value"]["value"] == "[hidden]"
    assert secret["definition"]["type"] == "PASSWORD"


@pytest.mark.parametrize(
    ("path", "included", "matches"),
    [
        ("FileStreamSource", FILE_SOURCE, True),
        ("FileStreamSourceConnector", "FileStreamSource", True),
        (FILE_SOURCE, "FileStreamSourceConnector", False),  # the body's name must end with the path's
        ("FileStreamSink", FILE_SOURCE, False),
    ],
)
async def test_validate_body_class_must_match_the_path(
    rest: Client, path: str, included: str, matches: bool
) -> None:
    body = {"connector.class": included, "name": "fs", "topic": "t"}
    response = await rest.put(f"/connector-plugins/{path}/config/validate", json=body)
    if matches:
        assert response.status == 200
    else:
        assert response.status == 400
        assert await response.json() == {
            "error_code": 400,
            "message": f"Included connector type {included} does not match request type {path}",
        }


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"name": "fs"}, 400, NO_CONNECTOR_TYPE),
        ({"connector.class": "NoSuch"}, 400, "Failed to find any class that implements Connector"),
        ([1, 2], 400, "must be a JSON object"),
        (None, 400, "must be a JSON object"),
        ({"connector.class": {"nested": 1}}, 400, "'connector.class'"),
    ],
)
async def test_bad_validate_bodies_are_4xx_naming_the_problem(
    rest: Client, body: Any, status: int, message: str
) -> None:
    response = await rest.put("/connector-plugins/NoSuch/config/validate", json=body)
    assert response.status == status
    assert message in (await response.json())["message"]


async def test_malformed_json_is_400(rest: Client) -> None:
    response = await rest.put(
        "/connector-plugins/FileStreamSource/config/validate",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 400
    assert "not valid JSON" in (await response.json())["message"]


async def test_a_validation_that_outlives_the_request_timeout_is_500(herder: FakeHerder) -> None:
    herder.gate = asyncio.Event()  # validation never finishes
    async with RestClient() as forwarder:
        requests = HerderRequests(forwarder, request_timeout_s=0.2)
        requests.herder = herder
        app = build_app(RestContext(ServerInfo("9.9.9", "abc123", "cluster-1"), requests))
        async with TestClient(TestServer(app)) as client:
            body = {"connector.class": "FileStreamSource", "name": "fs", "topic": "t"}
            response = await client.put("/connector-plugins/FileStreamSource/config/validate", json=body)
            assert response.status == 500
            assert await response.json() == {"error_code": 500, "message": "Request timed out"}
            # Release the (shielded, still running) validation; the worker serves on.
            herder.gate.set()
            assert (await client.get("/connector-plugins")).status == 200
        await requests.close()
