"""Helm, kustomize and schema validation for the chart and manifests, usable without a cluster.

* :func:`helm` / :func:`kustomize` return a pinned binary, built once from the Go module proxy
  into ``.tools/bin`` (git-ignored) and reused afterwards; a file lock keeps two concurrent
  test processes from building at the same time. Building helm takes minutes on a cold Go
  cache; later calls cost nothing.
* :func:`render` runs ``helm template`` and returns the objects; :func:`validate` checks one
  object against the Kubernetes OpenAPI schemas bundled in ``kubernetes-validate`` (strict:
  unknown fields are errors) or, for the Prometheus Operator kinds, against the CRD schemas
  vendored in ``tests/k8s/schemas`` (made strict the same way).

Synchronous; every subprocess has a timeout.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "distconnect"
EXAMPLES = sorted((CHART / "examples").glob("*.yaml"))
K8S = ROOT / "k8s"
TOOLS = Path(os.environ.get("DISTCONNECT_TOOLS_DIR", ROOT / ".tools"))
SCHEMAS = Path(__file__).resolve().parent / "schemas"

HELM_MODULE, HELM_VERSION = "helm.sh/helm/v3/cmd/helm", "v3.21.4"
KUSTOMIZE_MODULE, KUSTOMIZE_VERSION = "sigs.k8s.io/kustomize/kustomize/v5", "v5.8.1"
#: Kubernetes versions every rendered object is validated against (oldest and newest we claim).
KUBE_VERSIONS = ("1.30.0", "1.34.0")
#: Seconds a cold ``go install`` may take (helm: 2.5 min measured on 2 cores; 10.5 min at load 15).
BUILD_TIMEOUT_S = 1800.0

_CRD_SCHEMAS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor-monitoring-v1.json",
    ("monitoring.coreos.com/v1", "PodMonitor"): "podmonitor-monitoring-v1.json",
}


class ToolError(RuntimeError):
    """A tool could not be built or a command failed; the message has its output."""


@contextmanager
def _lock(name: str) -> Iterator[None]:
    TOOLS.mkdir(parents=True, exist_ok=True)
    with (TOOLS / f".{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def go_install(module: str, version: str, binary: str) -> Path:
    """``GOBIN=.tools/bin go install module@version`` unless that exact version is there."""
    bin_dir = TOOLS / "bin"
    target, stamp = bin_dir / binary, bin_dir / f"{binary}.version"
    with _lock(binary):
        if target.is_file() and stamp.is_file() and stamp.read_text().strip() == f"{module}@{version}":
            return target
        go = shutil.which("go")
        if go is None:
            raise ToolError(f"building {binary} needs Go (https://go.dev/dl/, or apt-get install golang-go)")
        env = {**os.environ, "GOBIN": str(bin_dir), "CGO_ENABLED": "0"}
        result = subprocess.run(
            [go, "install", f"{module}@{version}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )
        if result.returncode != 0:
            hint = " (helm needs Go 1.26+; try GOTOOLCHAIN=auto)" if "requires go" in result.stderr else ""
            raise ToolError(f"go install {module}@{version} failed{hint}:\n{result.stderr[-4000:]}")
        stamp.write_text(f"{module}@{version}\n")
        return target


@functools.cache
def helm() -> Path:
    return go_install(HELM_MODULE, HELM_VERSION, "helm")


@functools.cache
def kustomize_command() -> tuple[str, ...]:
    """The pinned kustomize if built (or buildable), else ``kubectl kustomize`` when there is no Go."""
    if shutil.which("go") is None and shutil.which("kubectl"):
        return ("kubectl", "kustomize")
    return (str(go_install(KUSTOMIZE_MODULE, KUSTOMIZE_VERSION, "kustomize")), "build")


def run(
    args: Sequence[str], *, timeout: float = 120.0, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        list(args), capture_output=True, text=True, timeout=timeout, check=False, cwd=ROOT
    )
    if check and result.returncode != 0:
        raise ToolError(f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result


def lint(values: Sequence[Path] = (), sets: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    args = [str(helm()), "lint", "--strict", str(CHART)]
    for path in values:
        args += ["-f", str(path)]
    for item in sets:
        args += ["--set", item]
    return run(args, check=False)


def template(
    release: str = "connect",
    *,
    values: Sequence[Path] = (),
    sets: Sequence[str] = (),
    kube_version: str = KUBE_VERSIONS[-1],
    namespace: str = "default",
    extra: Sequence[str] = (),
) -> str:
    args = [str(helm()), "template", release, str(CHART), "--namespace", namespace]
    args += ["--kube-version", kube_version, *extra]
    for path in values:
        args += ["-f", str(path)]
    for item in sets:
        args += ["--set", item]
    return run(args).stdout


def notes(values: Sequence[Path] = (), namespace: str = "default", tmp: Path | None = None) -> str:
    """NOTES.txt as ``helm install`` would print it (``helm template`` skips it): rendered from a
    copy of the chart where it is wrapped into an ordinary template."""
    with tempfile.TemporaryDirectory(dir=tmp) as scratch:
        chart = Path(scratch) / "distconnect"
        shutil.copytree(CHART, chart)
        text = (chart / "templates" / "NOTES.txt").read_text()
        (chart / "templates" / "NOTES.txt").unlink()
        wrapped = (
            '{{- define "notes" }}' + text + '{{- end }}\nnotes: |\n{{ include "notes" . | indent 2 }}\n'
        )
        (chart / "templates" / "notes.yaml").write_text(wrapped)
        args = [str(helm()), "template", "connect", str(chart), "--namespace", namespace]
        args += ["--kube-version", KUBE_VERSIONS[-1], "--show-only", "templates/notes.yaml"]
        for path in values:
            args += ["-f", str(path)]
        return str(yaml.safe_load(run(args).stdout)["notes"])


def load_all(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def render(release: str = "connect", **kwargs: Any) -> list[dict[str, Any]]:
    return load_all(template(release, **kwargs))


def kustomize(path: Path) -> list[dict[str, Any]]:
    return load_all(run([*kustomize_command(), str(path)]).stdout)


def find(objects: Sequence[Mapping[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    matches = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    if len(matches) != 1:
        raise LookupError(f"expected one {kind} {name or ''}, found {len(matches)}")
    return dict(matches[0])


def _strict(node: Any) -> Any:
    """A CRD schema with unknown fields refused, as the API server does with strict field validation."""
    if isinstance(node, dict):
        out = {k: _strict(v) for k, v in node.items()}
        if (
            "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


@functools.cache
def _crd_validator(filename: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(_strict(json.loads((SCHEMAS / filename).read_text())))


def validate(obj: Mapping[str, Any], kube_version: str) -> str:
    """Validate one object strictly; returns which schema was used, raises ToolError if invalid."""
    name = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
    crd = _CRD_SCHEMAS.get((obj.get("apiVersion", ""), obj.get("kind", "")))
    if crd is not None:
        errors = sorted(_crd_validator(crd).iter_errors(obj), key=lambda e: list(e.path))
        if errors:
            detail = "; ".join(f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors[:5])
            raise ToolError(f"{name}: {detail}")
        return crd
    try:
        return str(kubernetes_validate.validate(dict(obj), kube_version, strict=True))
    except kubernetes_validate.ValidationError as err:
        path = ".".join(str(p) for p in err.path)
        raise ToolError(f"{name} (Kubernetes {kube_version}): {path}: {err.message}") from None
    except kubernetes_validate.utils.SchemaNotFoundError as err:
        raise ToolError(f"{name}: no schema for Kubernetes {kube_version}: {err}") from None
