"""Validate the Helm chart and the kustomize manifests without a cluster (``make k8s-validate``).

1. ``helm lint --strict`` with the default values and with every ``helm/distconnect/examples``
   file; a values file with ``replicas: "three"`` must fail (values.schema.json).
2. ``helm template --kube-version V`` of each for every V in :data:`KUBE_VERSIONS`, and every
   object validated strictly against Kubernetes V's schemas (kubernetes-validate) or the
   Prometheus Operator CRD schemas.
3. ``kustomize build`` of ``k8s/base`` and ``k8s/overlays/example``, validated the same way; the
   base must be current (``--write-base`` regenerates it from the chart) and give the chart's
   objects.

Prints one line per check and exits 1 on the first failure. The tests in ``tests/k8s`` run the
same functions.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tests.k8s import k8s_tools as kt
from tests.k8s import manifests

BAD_VALUES = 'replicas: "three"\n'
OVERLAY = kt.K8S / "overlays" / "example"


def value_sets() -> list[tuple[str, list[Path]]]:
    return [("default", []), *[(p.stem, [p]) for p in kt.EXAMPLES]]


def lint_all() -> Iterator[str]:
    for label, values in value_sets():
        result = kt.lint(values)
        if result.returncode != 0:
            raise kt.ToolError(f"helm lint --strict ({label}) failed:\n{result.stdout}{result.stderr}")
        yield f"helm lint --strict: {label}"


def bad_values_rejected() -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as bad:
        bad.write(BAD_VALUES)
        bad.flush()
        result = kt.lint([Path(bad.name)])
    output = result.stdout + result.stderr
    if result.returncode == 0 or "/replicas" not in output:
        raise kt.ToolError(f"helm lint accepted replicas as a string:\n{output}")
    return 'helm lint rejects replicas: "three" (values.schema.json)'


def validate_objects(objects: Sequence[dict[str, Any]], kube_version: str, label: str) -> str:
    if not objects:
        raise kt.ToolError(f"{label}: nothing rendered")
    for obj in objects:
        kt.validate(obj, kube_version)
    kinds = sorted({o["kind"] for o in objects})
    return f"valid for Kubernetes {kube_version}: {label} ({len(objects)} objects: {', '.join(kinds)})"


def template_all() -> Iterator[str]:
    for label, values in value_sets():
        for version in kt.KUBE_VERSIONS:
            yield validate_objects(kt.render(values=values, kube_version=version), version, f"chart {label}")


def base_is_current() -> str:
    base = kt.K8S / "base"
    expected = manifests.base_files()
    stale = [n for n, text in expected.items() if not (base / n).is_file() or (base / n).read_text() != text]
    extra = sorted(p.name for p in base.iterdir() if p.name not in expected) if base.is_dir() else []
    if stale or extra:
        raise kt.ToolError(f"k8s/base is stale ({stale or extra}): run `make k8s-base`")
    return "k8s/base matches the chart's default rendering"


def base_matches_chart() -> str:
    built = manifests.unhash(kt.kustomize(kt.K8S / "base"))
    chart = manifests.chart_objects()
    key = lambda o: (o["kind"], o["metadata"]["name"])  # noqa: E731
    if sorted(map(key, built)) != sorted(map(key, chart)):
        raise kt.ToolError(
            f"kustomize base objects {sorted(map(key, built))} != chart {sorted(map(key, chart))}"
        )
    for obj in chart:
        (twin,) = [b for b in built if key(b) == key(obj)]
        if twin != obj:
            raise kt.ToolError(f"kustomize base {key(obj)} differs from the chart's:\n{twin}\n!=\n{obj}")
    return f"kustomize build k8s/base == helm template ({len(chart)} objects)"


def kustomize_all() -> Iterator[str]:
    for path in (kt.K8S / "base", OVERLAY):
        objects = kt.kustomize(path)
        for version in kt.KUBE_VERSIONS:
            yield validate_objects(objects, version, f"kustomize {path.relative_to(kt.ROOT)}")


def write_base() -> None:
    base = kt.K8S / "base"
    base.mkdir(parents=True, exist_ok=True)
    files = manifests.base_files()
    for old in base.iterdir():
        if old.name not in files:
            old.unlink()
    for name, text in files.items():
        (base / name).write_text(text)
    print(f"wrote {len(files)} files to {base.relative_to(kt.ROOT)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write-base", action="store_true", help="regenerate k8s/base from the chart")
    args = parser.parse_args(argv)
    started = time.monotonic()
    print(f"helm {kt.HELM_VERSION}: {kt.helm()} ({time.monotonic() - started:.1f} s)", flush=True)
    if args.write_base:
        write_base()
        return 0
    checks = [lint_all, lambda: iter([bad_values_rejected()]), template_all]
    checks += [lambda: iter([base_is_current(), base_matches_chart()]), kustomize_all]
    try:
        for check in checks:
            for line in check():
                print(f"ok  {line}", flush=True)
    except kt.ToolError as err:
        print(f"FAIL {err}", file=sys.stderr)
        return 1
    print(f"all checks passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
