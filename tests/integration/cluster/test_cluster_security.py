"""A secured 3-worker cluster (separate processes): HTTPS listeners that require client
certificates, HTTP basic authentication, KIP-507 signed internal requests and ``${file:...}``
config providers (issue 6 item 5's "Done when": with basic auth on, unauthenticated requests get
401 and forwarded requests still work).

One cluster for the whole module: starting three workers is the expensive part.
"""

from __future__ import annotations

import base64
import ssl
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from distconnect.local.cluster import LocalCluster, WorkerProcess
from distconnect.rest.auth import EXTENSION_CLASS
from distconnect.runtime import signature
from tests.integration.cluster.cluster_support import (
    FAST_SETTINGS,
    create_topic,
    leader_of,
    read_topic,
    start_workers,
)
from tests.support import consume_all, eventually
from tests.tls_support import make_pki

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio(loop_scope="module")]

USER, PASSWORD = "admin", "s3cret-Passw0rd"


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@dataclass
class Secured:
    cluster: LocalCluster
    secrets: Path
    #: values that live only in the secrets file: they must never reach the topic, REST or logs
    secret_values: dict[str, str]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def secured(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Secured]:
    base = tmp_path_factory.mktemp("secured")
    pki = make_pki(base / "pki")
    credentials = base / "credentials.properties"
    credentials.write_text(f"{USER}: {PASSWORD}\nreader=other\n")
    secrets_dir = base / "secrets"
    secrets_dir.mkdir()
    source_file = secrets_dir / f"input-{uuid.uuid4().hex}.txt"
    source_file.write_text("".join(f"line {i}\n" for i in range(50)))
    values = {
        "file": str(source_file),
        "topic": f"secured-{uuid.uuid4().hex}",
        "password": f"pw-{uuid.uuid4().hex}",
    }
    (secrets_dir / "connector.properties").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    settings = {
        **FAST_SETTINGS,
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": str(pki.server),
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(pki.truststore),
        "ssl.client.auth": "required",
        "rest.extension.classes": EXTENSION_CLASS,
        "rest.basic.auth.credentials.file": str(credentials),
        "config.providers": "file",
        "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
        "config.providers.file.param.allowed.paths": str(secrets_dir),
    }
    client_tls = ssl.create_default_context(cafile=str(pki.truststore))
    client_tls.load_cert_chain(str(pki.client))
    cluster = LocalCluster(
        kafka_bootstrap,
        base / "cluster",
        settings=settings,
        scheme="https",
        ssl_context=client_tls,
        headers=basic(USER, PASSWORD),
    )
    try:
        await create_topic(kafka_bootstrap, values["topic"], 1)
        await start_workers(cluster, 3)
        yield Secured(cluster, secrets_dir / "connector.properties", values)
    finally:
        await cluster.stop(grace_s=20)


async def follower(cluster: LocalCluster) -> WorkerProcess:
    leader = await leader_of(cluster)
    return next(w for w in cluster.running() if w is not leader)


async def test_unauthenticated_requests_get_401_on_every_worker(secured: Secured) -> None:
    cluster = secured.cluster
    for worker in cluster.running():
        assert worker.url.startswith("https://")
        for headers in ({}, basic(USER, "wrong"), basic("nobody", PASSWORD)):
            code, body = await cluster.rest("GET", "/connectors", worker=worker, headers=headers)
            assert (code, body) == (401, {"error_code": 401, "message": "User cannot access the resource."})
    config = {"connector.class": "FileStreamSource", "file": "/dev/null", "topic": "never"}
    code, _ = await cluster.rest("POST", "/connectors", {"name": "intruder", "config": config}, headers={})
    assert code == 401
    code, names = await cluster.rest("GET", "/connectors", headers=basic("reader", "other"))
    assert code == 200
    assert "intruder" not in names


@dataclass
class Created:
    config: dict[str, str]
    via: WorkerProcess
    code: int
    body: Any


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def secured_src(secured: Secured) -> Created:
    """``secured-src``, whose settings are all placeholders, created through a follower."""
    cluster = secured.cluster
    worker = await follower(cluster)
    path = secured.secrets
    config = {
        "connector.class": "FileStreamSource",
        "file": f"${{file:{path}:file}}",
        "topic": f"${{file:{path}:topic}}",
        "database.password": f"${{file:{path}:password}}",
    }
    code, body = await cluster.rest(
        "POST", "/connectors", {"name": "secured-src", "config": config}, worker=worker
    )
    return Created(config, worker, code, body)


async def test_writes_to_a_follower_are_forwarded_with_the_credentials(
    secured: Secured, secured_src: Created
) -> None:
    """POST to a non-leader: it forwards to the leader over mutual TLS with the user's
    Authorization header; the leader authenticates it again and creates the connector."""
    cluster, config, worker = secured.cluster, secured_src.config, secured_src.via
    code, body = secured_src.code, secured_src.body
    assert code == 201, body
    assert body["config"] == {**config, "name": "secured-src"}  # placeholders, not secrets

    # The placeholders resolved where the task runs: the secret file was read into the secret topic.
    records = await consume_all(cluster.bootstrap, secured.secret_values["topic"], 50)
    assert len(records) == 50

    for other in cluster.running():  # every worker answers with the raw placeholders
        code, shown = await cluster.rest("GET", "/connectors/secured-src/config", worker=other)
        assert (code, shown) == (200, {**config, "name": "secured-src"})
    code, tasks = await cluster.rest("GET", "/connectors/secured-src/tasks")
    assert code == 200
    assert tasks[0]["config"]["database.password"] == config["database.password"]

    # Updating through another follower is forwarded too.
    code, body = await cluster.rest(
        "PUT", "/connectors/secured-src/config", {**config, "tasks.max": "1"}, worker=worker
    )
    assert code == 200, body


async def test_followers_post_task_configs_to_the_leader_over_mutual_tls(
    secured: Secured, secured_src: Created, tmp_path: Path
) -> None:
    """Three connectors spread one per worker, so two run on followers: their tasks can only
    start after the follower posted signed task configs to the leader (HTTPS, client cert)."""
    cluster = secured.cluster
    leader = await leader_of(cluster)
    names = ["spread-a", "spread-b"]
    for name in names:
        empty = tmp_path / f"{name}.txt"
        empty.write_text("")
        config = {
            "connector.class": "FileStreamSource",
            "file": str(empty),
            "topic": f"{name}-{uuid.uuid4().hex}",
        }
        code, body = await cluster.rest("POST", "/connectors", {"name": name, "config": config})
        assert code == 201, body
    owners = set()
    for name in ["secured-src", *names]:
        status = await cluster.wait_running(name, 1, timeout_s=60)
        owners.add(status["connector"]["worker_id"])
    assert owners - {leader.worker_id}, f"every connector ran on the leader {leader.worker_id}"


async def test_secrets_never_reach_the_config_topic_nor_the_logs(
    secured: Secured, secured_src: Created
) -> None:
    cluster = secured.cluster

    async def task_config_written() -> bool:
        records = await read_topic(cluster.bootstrap, f"{cluster.group}-configs")
        keys = {r.key for r in records}
        return {"connector-secured-src", "task-secured-src-0"} <= keys

    await eventually(task_config_written, deadline_s=30, what="secured-src's task config in the config topic")
    records = await read_topic(cluster.bootstrap, f"{cluster.group}-configs")
    raw = b"".join(r.value or b"" for r in records)
    assert f"${{file:{secured.secrets}:password}}".encode() in raw
    logs = "".join(w.log.read_text(errors="replace") for w in cluster.workers)
    assert "values: " in logs  # the start-up config line is there, masked
    for name, secret in secured.secret_values.items():
        assert secret.encode() not in raw, f"the resolved {name} is in the config topic"
    # The file connector logs the file it reads and clients log topic names; the password must
    # appear nowhere.
    assert secured.secret_values["password"] not in logs
    assert PASSWORD not in logs


async def test_internal_endpoint_needs_a_signature_not_credentials(
    secured: Secured, secured_src: Created
) -> None:
    """Apache's filter lets POST /connectors/{name}/tasks through without credentials; the
    KIP-507 session-key signature protects it instead."""
    cluster = secured.cluster
    worker = await leader_of(cluster)
    body = [{"task.class": "x"}]
    code, answer = await cluster.rest(
        "POST", "/connectors/secured-src/tasks", body, worker=worker, headers={}
    )
    assert (code, answer) == (
        400,
        {"error_code": 400, "message": "Internal request missing required signature"},
    )
    raw = b'[{"task.class":"x"}]'
    forged = signature.signature_headers(b"not-the-session-key-0123456789ab", "HmacSHA256", raw)
    code, answer = await cluster.rest(
        "POST", "/connectors/secured-src/tasks", body, worker=worker, headers=forged
    )
    assert (code, answer) == (
        403,
        {"error_code": 403, "message": "Internal request contained invalid signature."},
    )
