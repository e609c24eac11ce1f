"""distconnect's REST answers against Apache Kafka Connect's, field by field.

One Apache ``ConnectDistributed`` worker (Maven Central jars) and one ``distconnect worker``
process, each its own cluster on the session broker, get the same requests; the answers must
have the same shape and values. What may differ is listed here, with the reason:

* ``task.class`` in task configs names a Java class there and a Python class here;
* ``documentation`` texts of config keys are our own words (facts carry over, sentences do not);
* version values: ``*.plugin.version`` defaults, values and recommended values name the installed
  plugin's version (Apache's 4.3.0, our 0.1.0);
* the recommended values of the converter keys list the converters installed on each side
  (Apache also ships Boolean/Double/.../Short converters; ours are named by Python path).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from distconnect.local.cluster import LocalCluster
from distconnect.local.connect import ApacheConnectDistributed
from distconnect.local.errors import LocalServiceError
from distconnect.local.maven import gather_classpath, shipped_pom
from tests.integration.cluster.cluster_support import FAST_SETTINGS, start_workers
from tests.support import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.java]

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
DIFFERENT_WORDS = {"documentation"}
VERSION_KEYS = {
    "connector.plugin.version",
    "key.converter.plugin.version",
    "value.converter.plugin.version",
    "header.converter.plugin.version",
}
CONVERTER_KEYS = {"key.converter", "value.converter", "header.converter"}


def comparable(key: str, entry: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An entry's definition and value without the fields allowed to differ (module docstring)."""
    definition = without(entry["definition"], DIFFERENT_WORDS)
    value = dict(entry["value"])
    if key in VERSION_KEYS:
        definition = without(definition, {"default_value"})
        value = without(value, {"value", "recommended_values"})
    if key in CONVERTER_KEYS:
        value = without(value, {"recommended_values"})
    return definition, value


@pytest.fixture(scope="module")
def connect_libs() -> Path:
    if shutil.which("java") is None:
        pytest.fail("needs a JDK 17+ (java) to run Apache Kafka Connect")
    try:
        return gather_classpath(shipped_pom("connect.xml"))
    except LocalServiceError as err:
        pytest.fail(f"Apache Kafka Connect's jars could not be gathered: {err}")


async def both(
    java: ApacheConnectDistributed, cluster: LocalCluster, method: str, path: str, body: Any = None
) -> tuple[tuple[int, Any], tuple[int, Any]]:
    theirs = await asyncio.to_thread(java.request, method, path, body)
    ours = await cluster.rest(method, path, body)
    return (theirs.status, theirs.body), (ours[0], ours[1])


def without(mapping: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k not in keys}


async def test_tasks_and_validate_answers_match_apache(
    kafka_bootstrap: str, tmp_path: Path, connect_libs: Path, topic: str
) -> None:
    java = ApacheConnectDistributed(tmp_path / "java", kafka_bootstrap, f"{topic}-java", libs=connect_libs)
    cluster = LocalCluster(kafka_bootstrap, tmp_path / "ours", settings=FAST_SETTINGS)
    await asyncio.to_thread(java.start)
    try:
        await start_workers(cluster, 1)
        source = tmp_path / "in.txt"
        source.write_text("a\nb\n")
        config = {"connector.class": SOURCE, "file": str(source), "topic": topic, "tasks.max": "1"}
        theirs, ours = await both(java, cluster, "POST", "/connectors", {"name": "cmp-src", "config": config})
        assert theirs[0] == ours[0] == 201, (theirs, ours)
        assert theirs[1] == ours[1]

        async def tasks_listed() -> Any:
            t, o = await both(java, cluster, "GET", "/connectors/cmp-src/tasks")
            return (t, o) if t[0] == o[0] == 200 and t[1] and o[1] else None

        (_, t_tasks), (_, o_tasks) = await eventually(tasks_listed, what="task configs on both")
        assert [task["id"] for task in o_tasks] == [task["id"] for task in t_tasks]
        for theirs_task, ours_task in zip(t_tasks, o_tasks, strict=True):
            assert set(ours_task) == set(theirs_task) == {"id", "config"}
            assert without(ours_task["config"], {"task.class"}) == without(
                theirs_task["config"], {"task.class"}
            )

        # Validation with one bad value (batch.size must be an int) and one missing required key.
        bad = {"connector.class": SOURCE, "name": "cmp-bad", "file": str(source), "batch.size": "many"}
        path = "/connector-plugins/FileStreamSourceConnector/config/validate"
        (t_code, t_body), (o_code, o_body) = await both(java, cluster, "PUT", path, bad)
        assert t_code == o_code == 200, (t_body, o_body)
        assert set(o_body) == set(t_body)
        assert o_body["name"] == t_body["name"]
        assert o_body["groups"] == t_body["groups"]
        t_configs = {c["definition"]["name"]: c for c in t_body["configs"]}
        o_configs = {c["definition"]["name"]: c for c in o_body["configs"]}
        assert set(o_configs) == set(t_configs), "keys validated on one side only"
        mismatches = []
        for key in sorted(t_configs):
            theirs_entry, ours_entry = comparable(key, t_configs[key]), comparable(key, o_configs[key])
            if theirs_entry != ours_entry:
                mismatches.append((key, theirs_entry, ours_entry))
        assert mismatches == [], "\n".join(map(str, mismatches))
        for key in CONVERTER_KEYS:  # the installed converters are offered, by class name
            assert o_configs[key]["value"]["recommended_values"], key
        assert o_body["error_count"] == t_body["error_count"]
    finally:
        await cluster.stop(grace_s=20)
        await asyncio.to_thread(java.stop)
