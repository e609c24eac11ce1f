"""The layering contract: dependencies inside distconnect point one way.

``api`` is what connector authors program against and imports nothing else from distconnect;
converters, transforms and bundled connectors are plugins and see only the API; the runtime
layers depend inward. Checked on the source (AST) so that a lazy import inside a function is
caught too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import distconnect

PACKAGE = Path(distconnect.__file__).parent

#: For each sub-package, the distconnect sub-packages it may import (itself always allowed).
ALLOWED: dict[str, set[str]] = {
    "api": set(),
    "converters": {"api"},
    "transforms": {"api"},
    "connectors": {"api"},
    "runtime": {"api"},
    "storage": {"api", "runtime"},
    "distributed": {"api", "runtime", "storage"},
    "rest": {"api", "runtime"},
    "local": set(),
    "metrics": {"api", "runtime"},
    "admin": {"api"},
}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _distconnect_imports(path: Path) -> set[str]:
    """Sub-packages of distconnect that ``path`` imports (``""`` for the top-level package)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "distconnect":
                found.add(parts[1] if len(parts) > 1 else "")
    return found


def test_every_subpackage_has_a_rule() -> None:
    subpackages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert subpackages == set(ALLOWED)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_inward(path: Path) -> None:
    relative = path.relative_to(PACKAGE)
    if len(relative.parts) == 1:
        return  # top-level modules (cli, __main__) wire everything together
    layer = relative.parts[0]
    allowed = ALLOWED[layer] | {layer}
    illegal = _distconnect_imports(path) - allowed
    assert not illegal, (
        f"distconnect/{relative} imports distconnect.{sorted(illegal)}; {layer} may use {sorted(allowed)}"
    )


def test_every_module_imports_on_its_own() -> None:
    """Each module imports in a fresh interpreter, so no import cycle hides behind import order."""
    names = [
        ".".join(("distconnect", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        for p in _modules()
        if p.name != "__main__.py"
    ]
    script = (
        "import importlib, subprocess, sys\n"
        "bad = []\n"
        "for name in sys.argv[1:]:\n"
        "    r = subprocess.run([sys.executable, '-c', f'import {name}'], capture_output=True, text=True)\n"
        "    if r.returncode: bad.append(name + ': ' + r.stderr.strip().splitlines()[-1])\n"
        "print('\\n'.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", script, *names], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
