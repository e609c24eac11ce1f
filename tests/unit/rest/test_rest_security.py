"""REST security: basic authentication (Apache's BasicAuthSecurityRestExtension), CORS (Jetty's
CrossOriginFilter as Apache configures it) and HTTPS listeners with client certificates."""

from __future__ import annotations

import base64
import logging
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from distconnect.api.errors import ConfigError
from distconnect.rest import RestServer
from distconnect.rest.app import build_app
from distconnect.rest.auth import EXTENSION_CLASS, BasicAuth
from distconnect.rest.context import RestContext, ServerInfo
from distconnect.rest.cors import Cors
from distconnect.rest.forwarding import HerderRequests
from distconnect.runtime.rest_client import RestClient
from distconnect.runtime.tls import client_context
from tests.tls_support import Pki, make_pki
from tests.unit.rest.conftest import worker_config

Client = TestClient[web.Request, web.Application]
AppFactory = Callable[..., Awaitable[Client]]
PASSWORD = "pa:ss-w0rd!"  # a colon in the password is kept (only the first one splits)


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def credentials(tmp_path: Path) -> Path:
    path = tmp_path / "credentials.properties"
    path.write_text(f"# Apache's PropertyFileLoginModule format\nalice: {PASSWORD}\nbob=other\n")
    return path


@pytest.fixture
async def app() -> AsyncIterator[AppFactory]:
    """``await app(**worker_props)``: a test client for an app with the security the settings ask
    for, and no herder (herder endpoints answer 503, which is enough to see what got through)."""
    opened: list[Client] = []
    async with RestClient() as forwarder:

        async def make(**props: str) -> Client:
            config = worker_config(**props)
            auth, cors = BasicAuth.from_config(config), Cors.from_config(config)
            context = RestContext(ServerInfo("9.9.9", "abc", "c1"), HerderRequests(forwarder, 30))
            application = build_app(
                context,
                cors=cors.middleware() if cors else None,
                auth=auth.middleware() if auth else None,
            )
            client: Client = TestClient(TestServer(application))
            await client.start_server()
            opened.append(client)
            return client

        yield make
        for client in opened:
            await client.close()


# -- basic authentication ---------------------------------------------------------------------------
async def test_requests_without_valid_credentials_get_401(app: AppFactory, credentials: Path) -> None:
    client = await app(rest_basic_auth_credentials_file=str(credentials))
    for headers in (
        {},
        basic("alice", "wrong"),
        basic("mallory", PASSWORD),
        basic("", PASSWORD),
        {"Authorization": "Bearer abc"},
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
    ):
        response = await client.get("/connectors", headers=headers)
        assert response.status == 401, headers
        assert response.headers["WWW-Authenticate"] == 'Basic realm="connect"'
        assert await response.json() == {"error_code": 401, "message": "User cannot access the resource."}
    response = await client.get("/", headers=basic("alice", PASSWORD))
    assert response.status == 200
    assert (await client.get("/", headers=basic("bob", "other"))).status == 200


async def test_only_the_signed_internal_endpoints_skip_authentication(
    app: AppFactory, credentials: Path
) -> None:
    client = await app(rest_basic_auth_credentials_file=str(credentials))
    # No herder yet: 503 proves the request got past authentication.
    assert (await client.post("/connectors/c/tasks", json=[])).status == 503
    assert (await client.post("/connectors/c/tasks/", json=[])).status == 503
    assert (await client.put("/connectors/c/fence")).status != 401
    assert (await client.get("/connectors/c/tasks")).status == 401  # the public GET is protected
    assert (await client.get("/health")).status == 401  # as Apache: probes need credentials


async def test_exempt_paths_are_opt_in(app: AppFactory, credentials: Path) -> None:
    client = await app(
        rest_basic_auth_credentials_file=str(credentials), rest_basic_auth_exempt_paths="/health, /metrics"
    )
    assert (await client.get("/health")).status == 503  # answered (starting), not refused
    assert (await client.get("/health/")).status == 503
    assert (await client.get("/connectors")).status == 401


async def test_an_empty_credentials_file_lets_everything_through(
    app: AppFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    empty = tmp_path / "empty.properties"
    empty.write_text("# nobody\n")
    client = await app(rest_basic_auth_credentials_file=str(empty))
    assert (await client.get("/")).status == 200
    assert "all requests will be permitted" in caplog.text


def test_apache_s_extension_class_needs_the_credentials_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"rest\.basic\.auth\.credentials\.file"):
        BasicAuth.from_config(worker_config(rest_extension_classes=EXTENSION_CLASS))
    with pytest.raises(ConfigError, match=r"rest\.basic\.auth\.credentials\.file.*Error loading"):
        BasicAuth.from_config(worker_config(rest_basic_auth_credentials_file=str(tmp_path / "missing")))
    assert BasicAuth.from_config(worker_config()) is None


async def test_credentials_are_never_logged(
    app: AppFactory, credentials: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = await app(rest_basic_auth_credentials_file=str(credentials))
    await client.get("/", headers=basic("alice", PASSWORD))
    await client.get("/", headers=basic("alice", "wrong-guess"))
    token = basic("alice", PASSWORD)["Authorization"].split()[1]
    for record in caplog.records:
        for secret in (PASSWORD, "other", "wrong-guess", token):
            assert secret not in record.getMessage()


# -- CORS -------------------------------------------------------------------------------------------
async def test_cors_is_off_by_default(app: AppFactory) -> None:
    client = await app()
    response = await client.get("/", headers={"Origin": "https://ui.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_cors_preflight_and_simple_requests(app: AppFactory, credentials: Path) -> None:
    client = await app(
        access_control_allow_origin="https://ui.example,https://*.corp.example",
        access_control_allow_methods="GET,POST,PUT,DELETE",
        rest_basic_auth_credentials_file=str(credentials),
    )
    preflight = {
        "Origin": "https://admin.corp.example",
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "Content-Type",
    }
    response = await client.options("/connectors/c/config", headers=preflight)  # no credentials
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://admin.corp.example"
    assert response.headers["Access-Control-Allow-Methods"] == "GET,POST,PUT,DELETE"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Max-Age"] == "1800"
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]
    assert response.headers["Vary"] == "Origin"

    not_allowed = await client.options("/", headers={**preflight, "Access-Control-Request-Method": "PATCH"})
    assert "Access-Control-Allow-Methods" not in not_allowed.headers

    simple = await client.get("/", headers={"Origin": "https://ui.example", **basic("alice", PASSWORD)})
    assert simple.status == 200
    assert simple.headers["Access-Control-Allow-Origin"] == "https://ui.example"
    refused = await client.get("/connectors", headers={"Origin": "https://ui.example"})
    assert refused.status == 401  # error answers carry the headers too, so the UI can read them
    assert refused.headers["Access-Control-Allow-Origin"] == "https://ui.example"

    other = await client.get("/", headers={"Origin": "https://evil.example", **basic("alice", PASSWORD)})
    assert "Access-Control-Allow-Origin" not in other.headers


async def test_cors_any_origin_and_default_methods(app: AppFactory) -> None:
    client = await app(access_control_allow_origin="*")
    preflight = {"Origin": "http://x.example", "Access-Control-Request-Method": "POST"}
    response = await client.options("/connectors", headers=preflight)
    assert response.headers["Access-Control-Allow-Methods"] == "GET,POST,HEAD"
    assert response.headers["Access-Control-Allow-Origin"] == "http://x.example"
    assert "Vary" not in response.headers
    delete = await client.options(
        "/connectors", headers={**preflight, "Access-Control-Request-Method": "DELETE"}
    )
    assert "Access-Control-Allow-Origin" not in delete.headers


# -- HTTPS ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def tls_props(pki: Pki, keystore: Path) -> dict[str, str]:
    return {
        "listeners": "https://127.0.0.1:0",
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": str(keystore),
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(pki.truststore),
        "ssl.client.auth": "required",
    }


async def test_https_listener_with_required_client_certificates(pki: Pki, tmp_path: Path) -> None:
    config = worker_config(**{k.replace(".", "_"): v for k, v in tls_props(pki, pki.server).items()})
    async with RestServer(config, version="9.9.9") as server:
        assert server.advertised_url.startswith("https://127.0.0.1:")
        url = server.advertised_url

        # The worker-to-worker client (same settings) presents its certificate and checks the host.
        async with RestClient(ssl_context=lambda: client_context(config)) as client:
            status, body = await client.request("GET", url)
        assert status == 200
        assert body["version"] == "9.9.9"

        trusting = ssl.create_default_context(cafile=str(pki.truststore))
        async with aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.ClientError):  # no client certificate: the handshake fails
                await http.get(url, ssl=trusting)
            with pytest.raises(aiohttp.ClientConnectorCertificateError):  # the system CAs do not know ours
                await http.get(url, ssl=ssl.create_default_context())

        other = make_pki(tmp_path / "other", "another CA")
        stranger = ssl.create_default_context(cafile=str(pki.truststore))
        stranger.load_cert_chain(str(other.client))  # signed by a CA the server does not trust
        async with aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.ClientError):
                await http.get(url, ssl=stranger)
