"""A real Confluent-compatible Schema Registry for tests: Apicurio Registry from Maven Central.

:class:`ApicurioRegistry` fetches ``io.apicurio:apicurio-registry-app:<version>:tar.gz:all`` with
``mvn dependency:copy`` once, unpacks it into ``<cache>/apicurio-<version>`` (``<cache>`` is
``$DISTCONNECT_CACHE_DIR`` or ``~/.cache/distconnect``) and reuses that directory afterwards. It runs
the Quarkus app with in-memory H2 storage on a free loopback port and exposes :attr:`url`, the
Confluent-compatible API (``…/apis/ccompat/v7``) that Confluent clients and our
``AvroConverter`` talk to.

The registry's JDK requirement is read from the archive itself (the class-file version of its own
classes: 3.3.x needs Java 21), and a JDK at least that new is picked from ``$JAVA_HOME``, ``java``
on ``PATH`` and ``/usr/lib/jvm/*``.

Synchronous on purpose: it is driven by a session fixture, never from an event loop. Not
thread-safe. ``stop()`` is idempotent and sends SIGTERM, then SIGKILL after a grace period.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from functools import cache
from pathlib import Path
from types import TracebackType

from distconnect.local.maven import cache_root
from distconnect.local.process import free_port, tail

#: Newest 3.x on Maven Central when this was written (3.0.9, 3.3.2 and 3.3.3 are published there).
APICURIO_VERSION = "3.3.3"
CCOMPAT_PATH = "/apis/ccompat/v7"
_JAVA_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


class RegistryHarnessError(RuntimeError):
    """The registry could not be fetched or started; the message says why in one line."""


class ApicurioRegistry:
    """One Apicurio Registry process. Use as a context manager or call start()/stop()."""

    def __init__(
        self,
        version: str = APICURIO_VERSION,
        *,
        cache_dir: Path | None = None,
        heap: str = "384m",
        startup_timeout: float = 180.0,
    ) -> None:
        self.version = version
        self.home = (cache_dir or cache_root()) / f"apicurio-{version}"
        self.heap = heap
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self.startup_seconds: float | None = None
        self.log_path: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        """The ccompat base URL (``http://127.0.0.1:<port>/apis/ccompat/v7``) of the running registry."""
        if self.port is None:
            raise RegistryHarnessError("the registry is not started")
        return f"http://127.0.0.1:{self.port}{CCOMPAT_PATH}"

    # -- installation ------------------------------------------------------------------------

    def ensure_installed(self) -> Path:
        """The unpacked app directory, fetching and unpacking it first if it is not cached."""
        if self._launch_jar(self.home) is not None:
            return self.home
        mvn = shutil.which("mvn")
        if mvn is None:
            raise RegistryHarnessError("`mvn` is not on PATH: install Maven to fetch Apicurio Registry")
        self.home.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.home.parent, prefix=f".apicurio-{self.version}-") as tmp:
            artifact = f"io.apicurio:apicurio-registry-app:{self.version}:tar.gz:all"
            done = subprocess.run(
                [mvn, "-q", "-B", "dependency:copy", f"-Dartifact={artifact}", f"-DoutputDirectory={tmp}"],
                capture_output=True,
                text=True,
                check=False,
            )
            archives = list(Path(tmp).glob("*.tar.gz"))
            if done.returncode != 0 or not archives:
                last = (done.stdout + done.stderr).strip().splitlines()[-3:]
                raise RegistryHarnessError(f"mvn could not fetch {artifact}: {' | '.join(last)}")
            unpacked = Path(tmp) / "app"
            with tarfile.open(archives[0]) as archive:
                archive.extractall(unpacked, filter="data")
            # Renaming a complete directory into place keeps a concurrent or interrupted run from
            # ever seeing half an installation.
            with contextlib.suppress(OSError):
                unpacked.rename(self.home)
        if self._launch_jar(self.home) is None:
            raise RegistryHarnessError(f"no runnable jar found in {self.home}")
        return self.home

    @staticmethod
    def _launch_jar(home: Path) -> Path | None:
        # 3.3.x puts the Quarkus fast-jar at the root, 3.1/3.2 under quarkus-app/, 3.0 ships a
        # legacy *-runner.jar.
        for candidate in (home / "quarkus-run.jar", home / "quarkus-app" / "quarkus-run.jar"):
            if candidate.is_file():
                return candidate
        runners = sorted(home.glob("*-runner.jar")) if home.is_dir() else []
        return runners[0] if runners else None

    def required_java(self) -> int:
        """The Java major version the app's own classes were compiled for (the newest of them)."""
        jars = sorted(self.home.glob("app/*.jar")) + sorted(self.home.glob("quarkus-app/app/*.jar"))
        jars += sorted(self.home.glob("*-runner.jar"))
        newest = 0
        for jar in jars:
            with zipfile.ZipFile(jar) as zf:
                for name in zf.namelist():
                    if name.startswith("io/apicurio/") and name.endswith(".class"):
                        with zf.open(name) as cls:
                            newest = max(newest, int.from_bytes(cls.read(8)[6:8], "big"))
        # Class-file major version 61 is Java 17, 65 is Java 21.
        return newest - 44 if newest else 17

    # -- process -----------------------------------------------------------------------------

    def start(self) -> None:
        """Fetch if needed, start the app and wait until the ccompat API answers.

        A registry that exits during start-up is started once more on a fresh port (a port taken
        between choosing and binding it, on a busy CI machine, looks exactly like that).
        """
        if self._proc is not None:
            return
        try:
            self._start_once()
        except RegistryHarnessError as first:
            if "exited" not in str(first):
                raise
            self._proc = None
            self._start_once()

    def _start_once(self) -> None:
        home = self.ensure_installed()
        jar = self._launch_jar(home)
        assert jar is not None
        java = find_java(self.required_java())
        self.port = free_port()
        self._workdir = tempfile.TemporaryDirectory(prefix="apicurio-run-")
        self.log_path = Path(self._workdir.name) / "registry.log"
        argv = [
            java,
            f"-Xmx{self.heap}",
            "-Dquarkus.http.host=127.0.0.1",
            f"-Dquarkus.http.port={self.port}",
            # Quarkus dev services and telemetry would try the network; storage stays in-memory H2.
            "-Dquarkus.devservices.enabled=false",
            "-jar",
            str(jar),
        ]
        started = time.monotonic()
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                argv,
                cwd=self._workdir.name,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_ready(started)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started

    def _wait_ready(self, started: float) -> None:
        assert self._proc is not None
        assert self.log_path is not None
        deadline = started + self.startup_timeout
        probe = self.url + "/subjects"
        while True:
            code = self._proc.poll()
            if code is not None:
                raise RegistryHarnessError(
                    f"Apicurio Registry exited with {code} during startup: {_root_cause(self.log_path)}"
                )
            try:
                with urllib.request.urlopen(probe, timeout=2.0) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() >= deadline:
                raise RegistryHarnessError(
                    f"Apicurio Registry did not answer {probe} within {self.startup_timeout:.0f}s: "
                    f"{tail(self.log_path, 3)}"
                )
            time.sleep(0.2)

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM the registry, SIGKILL it if it is still alive after ``grace`` seconds."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait(timeout=30)
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def __enter__(self) -> ApicurioRegistry:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@cache
def java_major(java: str) -> int | None:
    """The major version of the ``java`` executable, or None if it does not run."""
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return None
    match = _JAVA_VERSION.search(out.stderr + out.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    # Java 8 and older report "1.8.0_…".
    return int(match.group(2) or 0) if major == 1 else major


def find_java(min_major: int) -> str:
    """A ``java`` executable of at least ``min_major``: $JAVA_HOME, PATH, then /usr/lib/jvm/*."""
    candidates: list[str] = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(str(Path(os.environ["JAVA_HOME"]) / "bin" / "java"))
    on_path = shutil.which("java")
    if on_path:
        candidates.append(on_path)
    candidates += [str(p) for p in sorted(Path("/usr/lib/jvm").glob("*/bin/java"))]
    seen: list[str] = []
    for java in candidates:
        if java in seen or not os.access(java, os.X_OK):
            continue
        seen.append(java)
        major = java_major(java)
        if major is not None and major >= min_major:
            return java
    raise RegistryHarnessError(
        f"Apicurio Registry needs Java {min_major}+; none found among {seen or 'no java at all'} "
        "(set JAVA_HOME to a newer JDK)"
    )


def _root_cause(log_path: Path) -> str:
    """The log lines that say why a Java process died (its ERROR and 'Caused by' lines)."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    causes = [line.strip() for line in lines if "ERROR" in line or line.startswith("Caused by")]
    return " | ".join((causes or lines)[-6:])[:2000]
