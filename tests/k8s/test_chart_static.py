"""The chart and the kustomize manifests lint, render and validate for every example values file.

Uses helm and kustomize built from the Go module proxy into ``.tools/bin`` (the first run on a
machine builds them: minutes; afterwards the module takes seconds). See ``tests/k8s/validate.py``
(``make k8s-validate``) for the same checks as a command.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.k8s import k8s_tools as kt
from tests.k8s import validate as v

pytestmark = pytest.mark.timeout(kt.BUILD_TIMEOUT_S + 120)

VALUE_SETS = v.value_sets()
IDS = [label for label, _ in VALUE_SETS]


@pytest.mark.parametrize("values", [values for _, values in VALUE_SETS], ids=IDS)
def test_helm_lint_strict(values: list[Path]) -> None:
    result = kt.lint(values)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_rejects_replicas_as_a_string() -> None:
    assert "three" in v.bad_values_rejected()


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (["config.bootstrap\\.servers=x:1"], "config.bootstrap.servers is set by the chart"),
        (["terminationGracePeriodSeconds=8"], "must exceed task.shutdown.graceful.timeout.ms"),
        (["rest.basicAuth.enabled=true"], "rest.basicAuth.users"),
        (
            [
                "rest.basicAuth.enabled=true",
                "rest.basicAuth.existingSecret=s",
                "rest.basicAuth.exemptPaths={/metrics}",
            ],
            "must contain /health",
        ),
        (["rest.tls.enabled=true"], "rest.tls.secretName"),
        (["kafka.securityProtocol=SASL_SSL"], "needs kafka.sasl.mechanism"),
    ],
    ids=["owned-key", "grace-period", "auth-without-users", "health-not-exempt", "tls-no-secret", "sasl"],
)
def test_render_refuses_inconsistent_values(sets: list[str], message: str) -> None:
    with pytest.raises(kt.ToolError, match=message.replace(".", r"\.")):
        kt.template(sets=sets)


@pytest.mark.parametrize("kube_version", kt.KUBE_VERSIONS)
@pytest.mark.parametrize("values", [values for _, values in VALUE_SETS], ids=IDS)
def test_rendered_objects_validate_strictly(values: list[Path], kube_version: str) -> None:
    objects = kt.render(values=values, kube_version=kube_version)
    assert "valid" in v.validate_objects(objects, kube_version, "chart")
    sts = kt.find(objects, "StatefulSet")
    pod = sts["spec"]["template"]["spec"]
    task_timeout_ms = int(
        _properties(kt.find(objects, "ConfigMap", sts["metadata"]["name"]))[
            "task.shutdown.graceful.timeout.ms"
        ]
    )
    assert pod["terminationGracePeriodSeconds"] * 1000 > task_timeout_ms
    (worker,) = pod["containers"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert worker[probe]["httpGet"]["path"] == "/health"
    assert (
        sts["spec"]["serviceName"]
        == kt.find(objects, "Service", f"{sts['metadata']['name']}-headless")["metadata"]["name"]
    )


def _properties(config_map: dict[str, Any]) -> dict[str, str]:
    lines = config_map["data"]["worker.properties"].splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


@pytest.mark.parametrize("values", [values for _, values in VALUE_SETS], ids=IDS)
def test_notes_tell_how_to_reach_the_api(values: list[Path]) -> None:
    text = kt.notes(values, namespace="data")
    tls = "tls-basic-auth" in str(values)
    port = 8443 if tls else 8083
    assert f"{'https' if tls else 'http'}://connect-distconnect.data.svc.cluster.local:{port}" in text
    assert f"port-forward svc/connect-distconnect {port}:{port}" in text
    assert "connect-distconnect-0.connect-distconnect-headless.data.svc.cluster.local" in text
    if "connectors-as-code" in str(values):
        assert "connect-distconnect-connectors" in text


def test_credentials_are_in_secrets_not_in_the_config_map() -> None:
    objects = kt.render(values=[kt.CHART / "examples" / "connectors-as-code.yaml"])
    text = str([o for o in objects if o["kind"] != "Secret"])
    assert "change-me" not in text
    secret = kt.find(objects, "Secret")
    assert "admin: change-me" in secret["stringData"]["credentials"]


def test_the_validator_catches_mistakes() -> None:
    objects = kt.render(values=[kt.CHART / "examples" / "autoscaling-monitoring.yaml"])
    sts = copy.deepcopy(kt.find(objects, "StatefulSet"))
    sts["spec"]["replica"] = 3
    with pytest.raises(kt.ToolError, match="replica"):
        kt.validate(sts, kt.KUBE_VERSIONS[0])
    monitor = copy.deepcopy(kt.find(objects, "ServiceMonitor"))
    monitor["spec"]["endpoints"][0]["intervall"] = "30s"
    with pytest.raises(kt.ToolError, match="intervall"):
        kt.validate(monitor, kt.KUBE_VERSIONS[0])


def test_kustomize_base_is_current_and_equals_the_chart() -> None:
    v.base_is_current()
    v.base_matches_chart()


@pytest.mark.parametrize("path", ["base", "overlays/example"])
def test_kustomize_output_validates_strictly(path: str) -> None:
    objects = kt.kustomize(kt.K8S / path)
    for version in kt.KUBE_VERSIONS:
        v.validate_objects(objects, version, path)
    if path != "base":
        sts = kt.find(objects, "StatefulSet")
        assert sts["metadata"]["namespace"] == "data-platform"
        assert sts["spec"]["replicas"] == 5
        (config,) = [o for o in objects if o["kind"] == "ConfigMap"]
        volumes = sts["spec"]["template"]["spec"]["volumes"]
        assert {"name": "config", "configMap": {"name": config["metadata"]["name"]}} in volumes
