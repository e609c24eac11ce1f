"""The kustomize base in ``k8s/base`` is the chart's default rendering, minus what is Helm's.

:func:`base_files` renders the chart (release ``distconnect``, default values, no test pod) and
turns it into the files of ``k8s/base``: one YAML file per object, and the worker ConfigMap as a
``configMapGenerator`` over ``worker.properties`` (kustomize then suffixes its name with a
content hash, so a changed config rolls the pods as the chart's checksum annotation does).
``python -m tests.k8s.validate --write-base`` writes them; a test checks they are current, and
another that ``kustomize build k8s/base`` gives the same objects as the chart.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from tests.k8s import k8s_tools as kt

RELEASE = "distconnect"
HEADER = "# Generated from helm/distconnect (default values) by `make k8s-base`; do not edit.\n"
_HASHED = re.compile(r"^(?P<name>.+)-[a-z0-9]{10}$")


def _strip_helm(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as kustomize users get it: no Helm chart label, no checksum annotations."""
    obj = copy.deepcopy(obj)
    labels = obj["metadata"].get("labels", {})
    labels.pop("helm.sh/chart", None)
    if labels.get("app.kubernetes.io/managed-by") == "Helm":
        labels["app.kubernetes.io/managed-by"] = "kustomize"
    template = obj.get("spec", {}).get("template", {}).get("metadata", {})
    annotations = template.get("annotations", {})
    for key in [k for k in annotations if k.startswith("checksum/")]:
        del annotations[key]
    if "annotations" in template and not annotations:
        del template["annotations"]
    return obj


def chart_objects() -> list[dict[str, Any]]:
    """The chart's default objects, Helm-specific metadata removed."""
    objects = kt.render(RELEASE, extra=["--skip-tests"])
    return [_strip_helm(o) for o in objects]


def _dump(obj: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(obj), sort_keys=False, default_flow_style=False)


def base_files() -> dict[str, str]:
    objects = chart_objects()
    config = kt.find(objects, "ConfigMap", RELEASE)
    files: dict[str, str] = {"worker.properties": config["data"]["worker.properties"]}
    resources: list[str] = []
    for obj in objects:
        if obj is config or (obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == RELEASE):
            continue
        name = f"{obj['kind'].lower()}-{obj['metadata']['name']}.yaml"
        files[name] = HEADER + _dump(obj)
        resources.append(name)
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(resources),
        "configMapGenerator": [
            {
                "name": RELEASE,
                "files": ["worker.properties"],
                "options": {"labels": config["metadata"]["labels"]},
            }
        ],
    }
    files["kustomization.yaml"] = HEADER + _dump(kustomization)
    return files


def unhash(objects: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """kustomize output with generated names (``distconnect-<hash>``) mapped back to the chart's."""
    names = {}
    for obj in objects:
        match = _HASHED.match(obj["metadata"]["name"])
        if obj["kind"] == "ConfigMap" and match:
            names[obj["metadata"]["name"]] = match["name"]
    text = yaml.safe_dump_all([dict(o) for o in objects])
    for hashed, plain in names.items():
        text = text.replace(hashed, plain)
    return [o for o in yaml.safe_load_all(text) if o]
