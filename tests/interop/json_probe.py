"""Harness for the JsonConverter interop test: runs Apache Kafka's JsonConverter in a JVM.

``compile_probe`` compiles ``java/JsonConverterProbe.java`` against the Connect classpath gathered
from Maven Central (``distconnect/local/poms/connect.xml``); :class:`Probe` feeds it a batch of
cases in one JVM. The ``py_*``/``compare_*`` helpers run the same cases through distconnect and
compare: ``fromConnectData`` bytes exactly, ``toConnectData`` results through the neutral
description of ``tests/connect_strategies.py``.

Floats: distconnect spells them like ``Double.toString``/``Float.toString`` of JDK 19+, so the
probe runs on the newest JDK found (``DISTCONNECT_TEST_JAVA_HOME`` overrides the search); on an
older JDK, byte differences that vanish when floats are compared by value are tolerated.
"""

from __future__ import annotations

import base64
import decimal
import json
import math
import os
import re
import shutil
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connect_strategies import canonical, describe_schema, describe_value

from distconnect.api.data import Schema
from distconnect.api.errors import DataError
from distconnect.api.struct import validate_value
from distconnect.converters.json import JsonConverter
from distconnect.local.maven import gather_classpath, shipped_pom

PROBE_SOURCE = Path(__file__).parent / "java" / "JsonConverterProbe.java"


@dataclass(frozen=True)
class Jdk:
    home: Path
    version: int

    @property
    def java(self) -> str:
        return str(self.home / "bin" / "java")

    @property
    def javac(self) -> str:
        return str(self.home / "bin" / "javac")


def _jdk_version(home: Path) -> int | None:
    try:
        release = (home / "release").read_text()
    except OSError:
        return None
    match = re.search(r'^JAVA_VERSION="(\d+)', release, re.MULTILINE)
    return int(match.group(1)) if match else None


def _jdk_candidates() -> Iterator[Path]:
    forced = os.environ.get("DISTCONNECT_TEST_JAVA_HOME")
    if forced:
        yield Path(forced)
        return
    if os.environ.get("JAVA_HOME"):
        yield Path(os.environ["JAVA_HOME"])
    javac = shutil.which("javac")
    if javac:
        yield Path(os.path.realpath(javac)).parent.parent
    for root in (Path("/usr/lib/jvm"), Path("/opt/java"), Path("/usr/local/lib/jvm")):
        if root.is_dir():
            yield from sorted(root.iterdir())


def find_jdk() -> Jdk | None:
    """The newest JDK (17+) with both ``java`` and ``javac``."""
    found: list[Jdk] = []
    for home in _jdk_candidates():
        version = _jdk_version(home)
        if (
            version
            and version >= 17
            and (home / "bin" / "javac").exists()
            and (home / "bin" / "java").exists()
        ):
            found.append(Jdk(home, version))
    return max(found, key=lambda jdk: jdk.version, default=None)


class Probe:
    """Runs batches of cases through Apache Kafka's JsonConverter in one JVM each."""

    def __init__(self, jdk: Jdk, libs: Path, classes: Path) -> None:
        self.jdk, self.libs, self.classes = jdk, libs, classes

    @property
    def modern_floats(self) -> bool:
        return self.jdk.version >= 19

    def run(self, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
        text = "".join(json.dumps(case) + "\n" for case in cases)
        classpath = f"{self.classes}{os.pathsep}{self.libs}/*"
        cmd = [self.jdk.java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", classpath, "JsonConverterProbe"]
        proc = subprocess.run(cmd, input=text.encode(), capture_output=True, timeout=240, check=False)
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-3000:]
        lines = proc.stdout.decode().split("\n")[:-1]  # not splitlines(): U+2028 is data
        assert len(lines) == len(cases), proc.stderr.decode(errors="replace")[-3000:]
        return [json.loads(line) for line in lines]


_converters: dict[str, JsonConverter] = {}


def converter(config: dict[str, str]) -> JsonConverter:
    key = json.dumps(config, sort_keys=True)
    if key not in _converters:
        _converters[key] = JsonConverter()
        _converters[key].configure(config, False)
    return _converters[key]


def py_from(config: dict[str, str], schema: Schema | None, value: Any) -> dict[str, Any]:
    try:
        raw = converter(config).from_connect_data("probe-topic", schema, value)
    except DataError as e:
        return {"ok": False, "error": str(e)}
    return {"ok": True, "bytes": None if raw is None else base64.b64encode(raw).decode()}


def py_to(config: dict[str, str], raw: bytes | None) -> dict[str, Any]:
    try:
        result = converter(config).to_connect_data("probe-topic", raw)
    except DataError as e:
        return {"ok": False, "error": str(e)}
    value = describe_value(result.schema, result.value, all_fields=True)
    return {"ok": True, "schema": describe_schema(result.schema, all_fields=True), "value": value}


def from_case(config: dict[str, str], schema: Schema | None, value: Any) -> dict[str, Any]:
    try:
        if schema is not None:
            validate_value(schema, value)
        described = describe_value(schema, value)
    except DataError:
        described = describe_value(None, value)  # a value of the wrong type: Java gets its plain class
    return {
        "op": "from",
        "config": config,
        "schema": describe_schema(schema),
        "value": described,
    }


def to_case(config: dict[str, str], raw: bytes | None) -> dict[str, Any]:
    return {"op": "to", "config": config, "bytes": None if raw is None else base64.b64encode(raw).decode()}


def _floats_by_value(raw: str) -> Any:
    return json.loads(base64.b64decode(raw), parse_float=float)


def compare_from(probe: Probe, label: str, java: dict[str, Any], ours: dict[str, Any]) -> str | None:
    """None when both agree (same bytes, or both failed), else a description of the difference."""
    if java["ok"] != ours["ok"]:
        return f"{label}: java={java} ours={ours}"
    if not java["ok"] or java["bytes"] == ours["bytes"]:
        return None
    if not probe.modern_floats and _floats_by_value(java["bytes"]) == _floats_by_value(ours["bytes"]):
        return None  # JDK < 19 spells some floats with extra digits
    java_text = base64.b64decode(java["bytes"]).decode(errors="replace")
    our_text = base64.b64decode(ours["bytes"]).decode(errors="replace")
    return f"{label}:\n  java={java_text}\n  ours={our_text}"


def _known_differences_erased(description: Any) -> Any:
    """A description without the two deliberate differences on the read path (see json_decode):

    * Java reads the "NaN"/"Infinity" strings Jackson writes as 0.0, distconnect as NaN/infinity;
    * Java keeps a NUMERIC decimal's scale as written (``1.5``), distconnect aligns it to the
      schema's scale when that is exact (``1.50``).
    """
    if isinstance(description, list):
        return [_known_differences_erased(item) for item in description]
    if not isinstance(description, dict):
        return description
    if description.get("t") == "decimal":
        return {"t": "decimal", "v": str(decimal.Decimal(description["v"]).normalize())}
    if description.get("t") == "float64":
        value = struct.unpack("<d", struct.pack("<q", int(description["v"])))[0]
        return {"t": "float64", "v": description["v"] if math.isfinite(value) else "0"}
    if description.get("t") == "float32":
        value = struct.unpack("<f", struct.pack("<i", description["v"]))[0]
        return {"t": "float32", "v": description["v"] if math.isfinite(value) else 0}
    return {key: _known_differences_erased(item) for key, item in description.items()}


def compare_to(label: str, java: dict[str, Any], ours: dict[str, Any]) -> str | None:
    """None when both agree (same schema and value, or both failed), else the difference."""
    if java["ok"] != ours["ok"]:
        return f"{label}: java={java} ours={ours}"
    if not java["ok"] or canonical(java) == canonical(ours):
        return None
    if canonical(_known_differences_erased(java)) == canonical(_known_differences_erased(ours)):
        return None
    return f"{label}:\n  java={java}\n  ours={ours}"


def run_round_trips(probe: Probe, cases: list[tuple[str, dict[str, str], Schema | None, Any]]) -> int:
    """fromConnectData in both, then toConnectData (in both) of the bytes each side produced."""
    java_from = probe.run([from_case(config, schema, value) for _, config, schema, value in cases])
    failures: list[str] = []
    readbacks: list[tuple[str, dict[str, str], bytes]] = []
    for (label, config, schema, value), java in zip(cases, java_from, strict=True):
        ours = py_from(config, schema, value)
        problem = compare_from(probe, label, java, ours)
        if problem:
            failures.append(problem)
        elif ours["ok"] and ours["bytes"] is not None:
            readbacks.append((label, config, base64.b64decode(ours["bytes"])))
    java_to = probe.run([to_case(config, raw) for _, config, raw in readbacks])
    for (label, config, raw), java in zip(readbacks, java_to, strict=True):
        problem = compare_to(f"{label} read back", java, py_to(config, raw))
        if problem:
            failures.append(problem)
    assert not failures, f"{len(failures)} differences:\n" + "\n".join(failures[:20])
    return len(cases) + len(readbacks)


def compile_probe(classes: Path) -> Probe | None:
    """Gather the Connect classpath and compile the probe into ``classes``; None without a JDK/Maven."""
    jdk = find_jdk()
    if jdk is None or shutil.which("mvn") is None:
        return None
    libs = gather_classpath(shipped_pom("connect.xml"))
    javac = [
        jdk.javac,
        "--release",
        "17",
        "-nowarn",
        "-cp",
        f"{libs}/*",
        "-d",
        str(classes),
        str(PROBE_SOURCE),
    ]
    subprocess.run(javac, check=True, capture_output=True, timeout=240)
    return Probe(jdk, libs, classes)
