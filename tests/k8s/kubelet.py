"""Just enough of a kubelet to run a rendered pod's container as a local process.

Given the chart's rendered objects and a pod template, :func:`prepare` resolves what a kubelet
would for one of its containers or init containers (run them first, with the same ``root``, so
emptyDir volumes are shared): the container's env (plain values, ``fieldRef`` to the pod's name and namespace,
``secretKeyRef`` and ``configMapKeyRef`` to rendered objects), ``$(VAR)`` references in command,
args and env values, and its volumes (ConfigMap and Secret keys written as files, emptyDirs).
Mount paths do not exist on this machine, so each is mapped to a directory under ``root`` and
rewritten wherever it appears: in args, env values and the mounted files themselves (the
worker.properties ConfigMap names files under other mounts). ``dns`` maps cluster DNS names to
local addresses, the way the cluster's DNS would resolve a Service.

Pure apart from writing the volume files; the caller starts the process.
"""

from __future__ import annotations

import base64
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


@dataclass
class Process:
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    #: mountPath -> local directory
    mounts: dict[str, Path] = field(default_factory=dict)


def expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes' ``$(VAR)`` expansion: defined names replaced, ``$$`` escapes, others kept."""

    def sub(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        return env.get(match.group(1), match.group(0))

    return _REF.sub(sub, text)


def _object(objects: Sequence[Mapping[str, Any]], kind: str, name: str) -> Mapping[str, Any]:
    for obj in objects:
        if obj["kind"] == kind and obj["metadata"]["name"] == name:
            return obj
    raise LookupError(f"the pod refers to {kind} {name}, which was not rendered or given")


def _data(obj: Mapping[str, Any]) -> dict[str, str]:
    raw = obj.get("data") or {}
    if obj["kind"] == "ConfigMap":
        data = dict(raw)
    else:
        data = {k: base64.b64decode(v).decode() for k, v in raw.items()}
    data.update(obj.get("stringData") or {})
    return data


def _remap(text: str, mounts: Mapping[str, Path], dns: Mapping[str, str]) -> str:
    if mounts:
        # One pass, longest mount first, so a replacement is never rewritten again (/tmp).
        alternatives = "|".join(re.escape(m) for m in sorted(mounts, key=len, reverse=True))
        pattern = re.compile(rf"(?<![\w/.-])({alternatives})(?![\w.-])")
        text = pattern.sub(lambda m: str(mounts[m.group(1)]), text)
    for name, address in dns.items():
        text = text.replace(name, address)
    return text


def prepare(
    objects: Sequence[Mapping[str, Any]],
    pod_spec: Mapping[str, Any],
    container: str,
    *,
    pod_name: str,
    namespace: str,
    root: Path,
    dns: Mapping[str, str] | None = None,
    bin_dir: Path | None = None,
) -> Process:
    """The local process for ``container`` of a pod with ``pod_spec`` (see the module docstring)."""
    dns = dict(dns or {})
    containers = [*pod_spec.get("initContainers", []), *pod_spec["containers"]]
    (spec,) = [c for c in containers if c["name"] == container]
    volumes = {v["name"]: v for v in pod_spec.get("volumes", [])}
    mounts: dict[str, Path] = {}
    files: dict[Path, str] = {}
    for mount in spec.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        local = root / "volumes" / mount["name"]
        local.mkdir(parents=True, exist_ok=True)
        mounts[mount["mountPath"]] = local
        source = None
        if "configMap" in volume:
            source = _data(_object(objects, "ConfigMap", volume["configMap"]["name"]))
            items = volume["configMap"].get("items")
        elif "secret" in volume:
            source = _data(_object(objects, "Secret", volume["secret"]["secretName"]))
            items = volume["secret"].get("items")
        elif "emptyDir" not in volume:
            raise ValueError(f"volume {mount['name']}: only configMap, secret and emptyDir are emulated")
        if source is not None:
            chosen = {i["key"]: i["path"] for i in items} if items else {k: k for k in source}
            for key, path in chosen.items():
                files[local / path] = source[key]
    for path, text in files.items():
        path.write_text(_remap(text, mounts, dns))

    env: dict[str, str] = {}
    fields = {"metadata.name": pod_name, "metadata.namespace": namespace}
    for item in spec.get("env", []):
        if "value" in item:
            env[item["name"]] = expand(item["value"], env)
            continue
        ref = item["valueFrom"]
        if "fieldRef" in ref:
            env[item["name"]] = fields[ref["fieldRef"]["fieldPath"]]
        elif "secretKeyRef" in ref:
            key = ref["secretKeyRef"]
            env[item["name"]] = _data(_object(objects, "Secret", key["name"]))[key["key"]]
        elif "configMapKeyRef" in ref:
            key = ref["configMapKeyRef"]
            env[item["name"]] = _data(_object(objects, "ConfigMap", key["name"]))[key["key"]]
        else:
            raise ValueError(f"env {item['name']}: unsupported valueFrom {ref}")
    argv = [expand(a, env) for a in [*spec.get("command", []), *spec.get("args", [])]]
    argv = [_remap(a, mounts, dns) for a in argv]
    env = {k: _remap(v, mounts, dns) for k, v in env.items()}
    bin_dir = bin_dir or Path(sys.executable).parent
    base = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(root),
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return Process(argv=argv, env={**base, **env}, cwd=root, mounts=mounts)
