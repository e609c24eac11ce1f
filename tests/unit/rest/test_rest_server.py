"""RestServer: binding, the advertised URL and worker id, the lifecycle, the access log."""

from __future__ import annotations

import logging
import socket

import aiohttp
import pytest

from distconnect.api.errors import ConfigError, ConnectError
from distconnect.rest import RestServer
from tests.unit.rest.conftest import ServerFactory, worker_config
from tests.unit.rest.fake_herder import FakeHerder


async def test_nothing_happens_before_start() -> None:
    server = RestServer(worker_config())
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.advertised_url
    assert server.bound_ports == []
    await server.stop()  # stopping a server that never started is harmless


async def test_port_zero_binds_a_free_port_and_advertises_it(
    start_server: ServerFactory, http: aiohttp.ClientSession
) -> None:
    server = await start_server()
    (port,) = server.bound_ports
    assert port > 0
    assert server.advertised_url == f"http://127.0.0.1:{port}/"
    assert server.worker_id == f"127.0.0.1:{port}"
    response = await http.get(server.advertised_url)
    assert await response.json() == {"version": "9.9.9", "commit": "unknown", "kafka_cluster_id": "cluster-1"}


async def test_advertised_settings_override_the_listener(start_server: ServerFactory) -> None:
    server = await start_server(rest_advertised_host_name="connect-0.example", rest_advertised_port="18083")
    assert server.advertised_url == "http://connect-0.example:18083/"
    assert server.worker_id == "connect-0.example:18083"


async def test_every_listener_is_served(start_server: ServerFactory, http: aiohttp.ClientSession) -> None:
    server = await start_server(FakeHerder(), listeners="http://127.0.0.1:0,http://localhost:0")
    assert len(server.bound_ports) == 2
    first, second = server.bound_ports
    assert server.worker_id == f"127.0.0.1:{first}"
    assert (await http.get(f"http://127.0.0.1:{second}/connectors")).status == 200


async def test_all_interfaces_advertise_the_machine_name(start_server: ServerFactory) -> None:
    server = await start_server(listeners="http://:0")
    assert server.worker_id == f"{socket.getfqdn()}:{server.bound_ports[0]}"


async def test_a_busy_port_fails_start_with_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = RestServer(worker_config(listeners=f"http://127.0.0.1:{port}"))
        with pytest.raises(ConnectError, match=f"Unable to bind the REST listener http://127.0.0.1:{port}"):
            await server.start()
        await server.stop()


async def test_an_https_listener_without_a_key_store_fails_start_naming_the_key() -> None:
    server = RestServer(worker_config(listeners="https://127.0.0.1:0"))
    with pytest.raises(ConfigError, match=r"ssl\.keystore\.location"):
        await server.start()
    await server.stop()


async def test_stop_closes_the_port(start_server: ServerFactory, http: aiohttp.ClientSession) -> None:
    server = await start_server(FakeHerder())
    url = server.advertised_url
    await server.stop()
    await server.stop()  # idempotent
    with pytest.raises(aiohttp.ClientConnectionError):
        await http.get(url)


async def test_access_log_records_requests_without_bodies(
    start_server: ServerFactory, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    server = await start_server(FakeHerder())
    with caplog.at_level(logging.INFO, logger="distconnect.rest.access"):
        secret = {"connector.class": "X", "password": "hunter2"}
        response = await http.put(f"{server.advertised_url}connectors/c/config", json=secret)
        assert response.status == 201
    (record,) = [r for r in caplog.records if r.name == "distconnect.rest.access"]
    assert record.http["method"] == "PUT"  # type: ignore[attr-defined]
    assert record.http["path"] == "/connectors/c/config"  # type: ignore[attr-defined]
    assert record.http["status"] == 201  # type: ignore[attr-defined]
    assert "hunter2" not in record.getMessage()
