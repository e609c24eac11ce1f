"""The Dockerfile, checked without a Docker engine (none on the CI machines).

Static checks of what the chart relies on (exec-form ENTRYPOINT ``distconnect`` so SIGTERM reaches
the worker as PID 1, the non-root uid the chart's securityContext names, the REST port, the
``PLUGINS`` build argument), and a build of the package from exactly the files the build context
holds after ``.dockerignore`` (a wheel with the entry point and the package data), which is what
the image's ``pip install .`` installs.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.k8s import k8s_tools as kt

# render() builds helm on first use (minutes on a fresh machine).
pytestmark = pytest.mark.timeout(kt.BUILD_TIMEOUT_S + 300)

DOCKERFILE = kt.ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _last(instruction: str) -> str:
    return [arg for name, arg in _instructions() if name == instruction][-1]


def _ignored(rel: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    prefixes = ["/".join(rel.split("/")[: i + 1]) for i in range(rel.count("/") + 1)]
    excluded = False
    for pattern in patterns:
        glob = pattern.lstrip("!").rstrip("/")
        names = [p.split("/")[-1] for p in prefixes] if glob.startswith("**/") else prefixes
        if any(fnmatch.fnmatchcase(name, glob.removeprefix("**/")) for name in names):
            excluded = not pattern.startswith("!")
    return excluded


def _context_files() -> list[Path]:
    """Files ``docker build .`` sends, given .dockerignore."""
    patterns = [p.strip() for p in (kt.ROOT / ".dockerignore").read_text().splitlines()]
    patterns = [p for p in patterns if p and not p.startswith("#")]
    reincluded = [p[1:].rstrip("/") for p in patterns if p.startswith("!")]
    kept = []
    for directory, dirs, files in os.walk(kt.ROOT):
        rel_dir = Path(directory).relative_to(kt.ROOT).as_posix()
        rel_dir = "" if rel_dir == "." else f"{rel_dir}/"
        # Skip ignored directories nothing is re-included from (.git, .venv, ...).
        dirs[:] = [
            d
            for d in dirs
            if not _ignored(rel_dir + d, patterns)
            or any(r == rel_dir + d or r.startswith(f"{rel_dir}{d}/") for r in reincluded)
        ]
        kept += [Path(rel_dir + f) for f in files if not _ignored(rel_dir + f, patterns)]
    return sorted(kept)


def test_entrypoint_is_exec_form_and_matches_the_chart() -> None:
    entrypoint = json.loads(_last("ENTRYPOINT"))  # exec form: JSON array, no shell in between
    assert entrypoint == ["distconnect"]
    assert json.loads(_last("CMD"))[:1] == ["worker"]
    sts = kt.find(kt.render(), "StatefulSet")
    (worker,) = sts["spec"]["template"]["spec"]["containers"]
    assert worker["command"] == entrypoint


def test_runs_as_the_non_root_user_the_chart_expects() -> None:
    user = _last("USER").split(":")[0]
    assert user.isdigit()
    assert int(user) != 0
    values = yaml.safe_load((kt.CHART / "values.yaml").read_text())
    assert values["podSecurityContext"]["runAsUser"] == int(user)
    assert values["podSecurityContext"]["runAsNonRoot"] is True
    assert _last("EXPOSE") == str(values["rest"]["port"])


def test_base_image_and_plugins_build_argument() -> None:
    steps = _instructions()
    assert ("ARG", "PYTHON_IMAGE=python:3.11-slim") in steps
    assert ("ARG", 'PLUGINS=""') in steps
    assert any(name == "RUN" and "pip install $PLUGINS" in arg for name, arg in steps)


def test_every_copied_path_is_in_the_build_context() -> None:
    context = {p.as_posix() for p in _context_files()}
    for name, arg in _instructions():
        if name != "COPY" or arg.startswith("--from"):
            continue
        for source in arg.split()[:-1]:
            assert source in context or any(p.startswith(f"{source}/") for p in context), source
    assert not any(p.startswith((".venv/", "tests/", ".tools/", "helm/")) for p in context)


def test_the_build_context_installs_the_package(tmp_path: Path) -> None:
    context = tmp_path / "context"
    for rel in _context_files():
        (context / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(kt.ROOT / rel, context / rel)
    wheels = tmp_path / "wheels"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(context)],
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (wheel,) = wheels.glob("distconnect-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "distconnect/local/poms/broker.xml" in names
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    )
    assert b"distconnect = distconnect.cli:main" in entry_points
