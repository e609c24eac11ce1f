"""The chart's pod, run as local processes against the real broker.

The StatefulSet and the connectors hook Job are rendered from the chart with
``pod-values.yaml`` (basic auth on, one declared connector), once with plain HTTP and once with
REST TLS from a ``kubernetes.io/tls`` Secret. :mod:`tests.k8s.kubelet` turns pod
``<release>-distconnect-0``'s containers into local processes exactly as specified (command,
args, env with ``fieldRef``/``secretKeyRef`` and ``$(VAR)`` expansion, the worker.properties
ConfigMap and the Secrets as files); the TLS variant runs the init container that builds the
PEM keystore first. The test then acts as the kubelet and the cluster: it polls the startup,
readiness and liveness probes' path, port and scheme within each probe's budget, runs the hook
Job's container twice (its Service URL resolved to this machine), and sends SIGTERM, which must
end the worker with exit code 0 within ``terminationGracePeriodSeconds``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from distconnect.local.process import free_port
from tests.k8s import k8s_tools as kt
from tests.k8s import kubelet
from tests.support import consume_all
from tests.tls_support import make_pki, split_keystore

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(kt.BUILD_TIMEOUT_S + 300)]

VALUES = Path(__file__).with_name("pod-values.yaml")
NAMESPACE = "default"
CONNECTOR = "pod-test-source"
SECRET_TOPIC_CONNECTOR = "pod-test-secret-topic"
TLS_SECRET = "pod-test-rest-tls"
#: The kubelet does not verify the certificate of an HTTPS probe.
_PROBE_TLS = ssl._create_unverified_context()


def _get(url: str, auth: tuple[str, str] | None = None, cafile: Path | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url)
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    context = ssl.create_default_context(cafile=str(cafile)) if cafile else _PROBE_TLS
    try:
        with urllib.request.urlopen(request, timeout=15, context=context) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")
    except OSError:
        return 0, None


def _probe(url: str, probe: dict[str, Any], what: str) -> float:
    """Poll like the kubelet (at most periodSeconds apart) until 200; fail past the probe's budget."""
    budget = probe["periodSeconds"] * probe["failureThreshold"]
    started = time.monotonic()
    last: tuple[int, Any] = (0, None)
    while time.monotonic() - started < budget:
        last = _get(url)
        if last[0] == 200:
            return time.monotonic() - started
        time.sleep(min(0.5, probe["periodSeconds"]))
    pytest.fail(f"{what} probe {url} not 200 within {budget} s; last answer {last}")


def _tls_secret(directory: Path) -> tuple[dict[str, Any], Path]:
    pki = make_pki(directory)
    key, chain = split_keystore(pki.server)
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": {"name": TLS_SECRET},
        "stringData": {"tls.key": key, "tls.crt": chain, "ca.crt": pki.truststore.read_text()},
    }
    return secret, pki.truststore


@pytest.fixture(scope="module", params=["http", "https"])
def worker(
    request: pytest.FixtureRequest, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    tls = request.param == "https"
    release, port = f"pod{uuid.uuid4().hex[:6]}", free_port()
    root = tmp_path_factory.mktemp(f"pod-{request.param}")
    sets = [f"kafka.bootstrapServers={kafka_bootstrap}", f"rest.port={port}", f"service.port={port}"]
    secret_topic = f"{release}-from-secret"
    extra: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "pod-test-secrets"},
            "stringData": {"topic": secret_topic},
        }
    ]
    cafile = None
    if tls:
        secret, cafile = _tls_secret(root / "pki")
        extra.append(secret)
        sets += ["rest.tls.enabled=true", f"rest.tls.secretName={TLS_SECRET}"]
    objects = kt.render(release, values=[VALUES], sets=sets, namespace=NAMESPACE) + extra
    sts = kt.find(objects, "StatefulSet")
    pod_spec = sts["spec"]["template"]["spec"]
    pod_name = f"{sts['metadata']['name']}-0"
    for init in pod_spec.get("initContainers", []):
        process = kubelet.prepare(
            objects, pod_spec, init["name"], pod_name=pod_name, namespace=NAMESPACE, root=root
        )
        done = subprocess.run(process.argv, env=process.env, cwd=process.cwd, capture_output=True, timeout=60)
        assert done.returncode == 0, done
    process = kubelet.prepare(objects, pod_spec, "worker", pod_name=pod_name, namespace=NAMESPACE, root=root)
    log_path = root / "worker.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            process.argv, env=process.env, cwd=process.cwd, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield {
            "tls": tls,
            "release": release,
            "port": port,
            "objects": objects,
            "sts": sts,
            "pod": pod_name,
            "proc": proc,
            "process": process,
            "log": log_path,
            "root": root,
            "cafile": cafile,
            "bootstrap": kafka_bootstrap,
            "secret_topic": secret_topic,
        }
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def _container(sts: dict[str, Any]) -> dict[str, Any]:
    (container,) = [c for c in sts["spec"]["template"]["spec"]["containers"] if c["name"] == "worker"]
    return container


def _probe_url(container: dict[str, Any], kind: str) -> str:
    get = container[kind]["httpGet"]
    port = get["port"]
    if not isinstance(port, int):
        (port,) = [p["containerPort"] for p in container["ports"] if p["name"] == port]
    return f"{get['scheme'].lower()}://127.0.0.1:{port}{get['path']}"


def _credentials(worker: dict[str, Any]) -> tuple[str, str]:
    secret = kt.find(worker["objects"], "Secret", f"{worker['release']}-distconnect-rest-auth")
    return secret["stringData"]["username"], secret["stringData"]["password"]


def _api(worker: dict[str, Any]) -> str:
    return f"{'https' if worker['tls'] else 'http'}://localhost:{worker['port']}"


def test_worker_runs_from_the_rendered_pod_spec(worker: dict[str, Any]) -> None:
    argv = worker["process"].argv
    assert argv[:2] == ["distconnect", "worker"]
    assert f"group.instance.id={worker['pod']}" in argv  # $(POD_NAME) expanded from the fieldRef
    fqdn = f"{worker['pod']}.{worker['release']}-distconnect-headless.{NAMESPACE}.svc.cluster.local"
    assert f"rest.advertised.host.name={fqdn}" in argv
    properties = Path(argv[2]).read_text()
    scheme = "https" if worker["tls"] else "http"
    assert f"listeners={scheme}://0.0.0.0:{worker['port']}" in properties
    assert "rest.basic.auth.credentials.file=" in properties
    assert _credentials(worker)[1] not in properties  # secrets stay in the Secret


def test_probes_pass_on_health_without_credentials(worker: dict[str, Any]) -> None:
    container = _container(worker["sts"])
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        url = _probe_url(container, kind)
        assert url.startswith("https://" if worker["tls"] else "http://")
        assert url.endswith("/health")
        _probe(url, container[kind], kind)
        assert worker["proc"].poll() is None, worker["log"].read_text()[-3000:]
    # The REST API itself needs the credentials from the Secret; TLS verifies with the Secret's CA.
    assert _get(f"{_api(worker)}/connectors", cafile=worker["cafile"])[0] == 401
    assert _get(f"{_api(worker)}/connectors", _credentials(worker), worker["cafile"])[0] == 200
    # Static membership: the broker names a static member "<group.instance.id>-<uuid>".
    assert f" as {worker['pod']}-" in worker["log"].read_text()


def test_hook_job_applies_declared_connectors(worker: dict[str, Any]) -> None:
    objects, release = worker["objects"], worker["release"]
    container = _container(worker["sts"])
    _probe(_probe_url(container, "readinessProbe"), container["readinessProbe"], "readiness")
    job = kt.find(objects, "Job", f"{release}-distconnect-connectors")
    assert "post-install" in job["metadata"]["annotations"]["helm.sh/hook"]
    service = f"{release}-distconnect.{NAMESPACE}.svc.cluster.local"
    for attempt in (1, 2):  # the second run must find nothing to change
        process = kubelet.prepare(
            objects,
            job["spec"]["template"]["spec"],
            "apply",
            pod_name=f"{release}-distconnect-connectors-{attempt}",
            namespace=NAMESPACE,
            root=worker["root"] / f"job{attempt}",
            dns={service: "localhost"},  # the test certificate names localhost
        )
        result = subprocess.run(
            process.argv,
            env=process.env,
            cwd=process.cwd,
            capture_output=True,
            text=True,
            timeout=job["spec"]["activeDeadlineSeconds"],
            check=False,
        )
        assert result.returncode == 0, f"attempt {attempt}: {result.stdout}{result.stderr}"
    auth, cafile = _credentials(worker), worker["cafile"]
    status, config = _get(f"{_api(worker)}/connectors/{CONNECTOR}/config", auth, cafile)
    assert status == 200, config
    assert config["connector.class"] == "VerifiableSourceConnector"
    assert config["tasks.max"] == "1"
    status, state = _get(f"{_api(worker)}/connectors/{CONNECTOR}/status", auth, cafile)
    assert status == 200
    assert state["connector"]["state"] == "PAUSED"
    # The worker id is the advertised pod DNS name from the StatefulSet's --override.
    assert state["connector"]["worker_id"].startswith(f"{worker['pod']}.{release}-distconnect-headless.")
    # A config value from a Secret: REST keeps the placeholder, the task writes to the real topic.
    status, config = _get(f"{_api(worker)}/connectors/{SECRET_TOPIC_CONNECTOR}/config", auth, cafile)
    assert config["topic"] == "${env:POD_TEST_TOPIC}"
    records = asyncio.run(consume_all(worker["bootstrap"], worker["secret_topic"], expected=5))
    assert len(records) >= 5


def test_sigterm_exits_zero_within_the_grace_period(worker: dict[str, Any]) -> None:
    grace = worker["sts"]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    proc = worker["proc"]
    assert proc.poll() is None, worker["log"].read_text()[-3000:]
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the worker did not exit within terminationGracePeriodSeconds={grace}")
    assert code == 0, worker["log"].read_text()[-3000:]
    assert time.monotonic() - started < grace
