"""``distconnect standalone`` (run in-process) over HTTPS with required client certificates, and
PASSWORD values kept out of every log line: a connector with a PASSWORD setting and a worker
with a PASSWORD TLS setting run a real pipeline while every logger records at DEBUG."""

from __future__ import annotations

import asyncio
import logging
import ssl
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from distconnect.api.config import ConfigDef, ConfigType, Importance
from distconnect.connectors.file.source import FileStreamSourceConnector
from distconnect.local.cluster import properties_text
from distconnect.local.process import free_port
from distconnect.standalone_cmd import run_standalone
from tests.support import consume_all, eventually
from tests.tls_support import make_pki

pytestmark = pytest.mark.kafka

JSON = "org.apache.kafka.connect.json.JsonConverter"
SECRET = "connector-s3cret-value"


class SecretFileSource(FileStreamSourceConnector):
    """The file source with a PASSWORD setting, as a database connector would have."""

    def config(self) -> ConfigDef:
        return ConfigDef(super().config()).define(
            "secret.password", ConfigType.PASSWORD, None, None, Importance.HIGH, "A secret."
        )


async def call(
    http: aiohttp.ClientSession, method: str, url: str, tls: ssl.SSLContext, body: Any = None
) -> tuple[int, Any]:
    async with http.request(method, url, json=body, ssl=tls) as response:
        return response.status, await response.json()


async def test_https_with_client_auth_and_no_password_in_any_log_line(
    kafka_bootstrap: str, tmp_path: Path, topic: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    pki = make_pki(tmp_path / "pki")
    port = free_port()
    worker = tmp_path / "worker.properties"
    worker.write_text(
        properties_text(
            {
                "bootstrap.servers": kafka_bootstrap,
                "key.converter": JSON,
                "value.converter": JSON,
                "offset.storage.file.filename": str(tmp_path / "offsets"),
                "offset.flush.interval.ms": "500",
                "listeners": f"https://127.0.0.1:{port}",
                "ssl.keystore.type": "PEM",
                "ssl.keystore.location": str(pki.encrypted_server),
                "ssl.key.password": pki.key_password,  # a PASSWORD worker setting
                "ssl.truststore.type": "PEM",
                "ssl.truststore.location": str(pki.truststore),
                "ssl.client.auth": "required",
            }
        )
    )
    source = tmp_path / "in.txt"
    source.write_text("".join(f"line {i}\n" for i in range(20)))
    connector = tmp_path / "connector.properties"
    settings = {
        "name": "secret-src",
        "connector.class": f"{__name__}.SecretFileSource",
        "file": str(source),
        "topic": topic,
        "secret.password": SECRET,
    }
    connector.write_text(properties_text(settings))

    stop = asyncio.Event()
    running = asyncio.create_task(run_standalone(worker, [connector], stop))
    url = f"https://127.0.0.1:{port}"
    tls = ssl.create_default_context(cafile=str(pki.truststore))
    tls.load_cert_chain(str(pki.client))
    try:
        async with aiohttp.ClientSession() as http:

            async def started() -> bool:
                if running.done():
                    running.result()  # a worker that failed to start fails the test with its error
                try:
                    code, body = await call(http, "GET", f"{url}/connectors/secret-src/status", tls)
                except aiohttp.ClientConnectorError:
                    return False
                return code == 200 and [t["state"] for t in body["tasks"]] == ["RUNNING"]

            await eventually(started, deadline_s=30, what="secret-src RUNNING over HTTPS")
            assert len(await consume_all(kafka_bootstrap, topic, 20)) == 20

            no_certificate = ssl.create_default_context(cafile=str(pki.truststore))
            with pytest.raises(aiohttp.ClientError):
                await call(http, "GET", f"{url}/connectors", no_certificate)

            # Validation shows the PASSWORD value hidden; GET .../config shows it as Apache does.
            code, validated = await call(
                http,
                "PUT",
                f"{url}/connector-plugins/{__name__}.SecretFileSource/config/validate",
                tls,
                settings,
            )
            assert code == 200, validated
            assert SECRET not in str(validated)
            [shown] = [c["value"] for c in validated["configs"] if c["value"]["name"] == "secret.password"]
            assert shown["value"] == "[hidden]"
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 30) == 0

    messages = [record.getMessage() for record in caplog.records]
    assert any("StandaloneConfig values: " in m and "ssl.key.password = [hidden]" in m for m in messages)
    assert any("Connector secret-src config: " in m and "secret.password = [hidden]" in m for m in messages)
    for message in messages:
        assert SECRET not in message
        assert pki.key_password not in message
