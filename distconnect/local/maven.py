"""Gather Java classpaths from Maven Central with ``mvn`` and cache them on disk.

A classpath is described by a small pom (shipped in ``distconnect/local/poms/``) whose
``maven-dependency-plugin`` copies the runtime dependencies into ``${libs.dir}``. The first call
downloads into ``~/.m2``; the copied jars land in a cache directory with a ``.complete`` marker, so
every later call returns at once without starting Maven or touching the network.

Everything here is synchronous: it runs from the CLI and from test fixtures, never on a worker's
event loop.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from distconnect.local.errors import LocalServiceError

POMS = "distconnect.local.poms"
_MARKER = ".complete"


def cache_root() -> Path:
    """The directory holding gathered classpaths (``$DISTCONNECT_CACHE_DIR`` or ``~/.cache/distconnect``)."""
    env = os.environ.get("DISTCONNECT_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "distconnect"


def shipped_pom(name: str) -> Path:
    """The path of a pom shipped with the package, e.g. ``shipped_pom("broker.xml")``."""
    return Path(str(resources.files(POMS).joinpath(name)))


def require_tool(tool: str, hint: str) -> str:
    """Return the absolute path of ``tool`` or raise a one-line error saying how to install it."""
    found = shutil.which(tool)
    if found is None:
        raise LocalServiceError(f"`{tool}` was not found on PATH: {hint}")
    return found


def gather_classpath(
    pom: Path, *, properties: Mapping[str, str] | None = None, cache_dir: Path | None = None
) -> Path:
    """Return a directory of jars for ``pom``, running Maven only if it is not cached yet.

    The cache key is the pom's content plus ``properties`` (``-Dkey=value`` passed to Maven), so
    changing a pinned version gathers a new directory and never mixes jars of two versions.
    Raises :class:`LocalServiceError` with one clear line if ``mvn`` is missing or the build fails.
    """
    props = dict(sorted((properties or {}).items()))
    digest = hashlib.sha256(pom.read_bytes() + repr(props).encode()).hexdigest()[:16]
    target = (cache_dir or cache_root()) / "classpath" / f"{pom.stem}-{digest}"
    if (target / _MARKER).exists():
        return target / "libs"
    mvn = require_tool("mvn", "install Apache Maven 3.8+ (Debian/Ubuntu: `apt-get install maven`)")
    require_tool("java", "install a Java 17+ JDK (Debian/Ubuntu: `apt-get install openjdk-17-jdk-headless`)")
    work = target / "build"
    if target.exists():
        shutil.rmtree(target)
    work.mkdir(parents=True)
    shutil.copyfile(pom, work / "pom.xml")
    libs = target / "libs"
    cmd = [mvn, "-B", "-q", "package", f"-Dlibs.dir={libs}"] + [f"-D{k}={v}" for k, v in props.items()]
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-3:])
        raise LocalServiceError(
            f"Maven could not gather {pom.name} (exit {proc.returncode}); is Maven Central reachable? {tail}"
        )
    (target / _MARKER).write_text("ok\n")
    return libs


def classpath_glob(libs: Path) -> str:
    """The ``-cp`` argument for every jar in ``libs``."""
    return str(libs / "*")
