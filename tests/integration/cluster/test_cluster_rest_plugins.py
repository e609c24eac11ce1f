"""Connector plugins, config validation and log levels on a real 3-worker cluster (issue 6).

One module-scoped cluster serves every test. Reads go to every worker (each answers from its own
plugins, as Apache does); writes go to a worker that is not the leader. The validate answer for
the bundled FileStreamSource is compared field by field with what Apache Kafka Connect returns:
the keys and JSON types of ``ConfigInfos``/``ConfigInfo``/``ConfigKeyInfo``/``ConfigValueInfo``
and, for every key, the definition Apache's ``ConnectorConfig``, ``SourceConnectorConfig`` and
``FileStreamSourceConnector`` declare (only ``documentation`` is worded our own way).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

import distconnect
from distconnect.local.cluster import LocalCluster, WorkerProcess
from tests.integration.cluster.cluster_support import (
    a_follower,
    latest,
    read_topic,
    three_workers,
)
from tests.support import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio(loop_scope="module")]

FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
#: The version every bundled plugin reports: the distribution's.
PLUGIN_VERSION = distconnect.__version__
JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"
VALIDATE_DEFAULTS = {
    "connector.plugin.version": PLUGIN_VERSION,
    "key.converter": JSON_CONVERTER,  # the cluster workers' settings
    "value.converter": JSON_CONVERTER,
    "header.converter": "org.apache.kafka.connect.storage.SimpleHeaderConverter",
    "key.converter.plugin.version": PLUGIN_VERSION,
    "value.converter.plugin.version": PLUGIN_VERSION,
    "header.converter.plugin.version": PLUGIN_VERSION,
}
NONE = type(None)
#: Apache's entity shapes: field -> JSON type(s).
CONFIG_INFOS = {"name": str, "error_count": int, "groups": list, "configs": list}
CONFIG_INFO = {"definition": (dict, NONE), "value": (dict, NONE)}
CONFIG_KEY_INFO = {
    "name": str,
    "type": str,
    "required": bool,
    "default_value": (str, NONE),
    "importance": str,
    "documentation": (str, NONE),
    "group": (str, NONE),
    "order_in_group": int,
    "width": str,
    "display_name": str,
    "dependents": list,
}
CONFIG_VALUE_INFO = {
    "name": str,
    "value": (str, NONE),
    "recommended_values": list,
    "errors": list,
    "visible": bool,
}
#: What Apache declares for a source connector's validation, in its order (apache/kafka
#: ConnectorConfig, SourceConnectorConfig, FileStreamSourceConnector): name, type, required,
#: default_value, importance, group, order, width, display_name.
APACHE_FILE_SOURCE_KEYS: list[tuple[Any, ...]] = [
    ("name", "STRING", True, None, "HIGH", "Common", 1, "MEDIUM", "Connector name"),
    ("connector.class", "STRING", True, None, "HIGH", "Common", 2, "LONG", "Connector class"),
    # KIP-891: Apache shows its installed version (4.3.0) here; we show ours.
    (
        "connector.plugin.version",
        "STRING",
        False,
        PLUGIN_VERSION,
        "MEDIUM",
        "Common",
        3,
        "MEDIUM",
        "Connector version",
    ),
    ("tasks.max", "INT", False, "1", "HIGH", "Common", 4, "SHORT", "Tasks max"),
    ("tasks.max.enforce", "BOOLEAN", False, "true", "LOW", "Common", 5, "SHORT", "Enforce tasks max"),
    ("key.converter", "CLASS", False, None, "LOW", "Common", 6, "SHORT", "Key converter class"),
    (
        "key.converter.plugin.version",
        "STRING",
        False,
        None,
        "LOW",
        "Common",
        7,
        "SHORT",
        "Key converter version",
    ),
    ("value.converter", "CLASS", False, None, "LOW", "Common", 8, "SHORT", "Value converter class"),
    (
        "value.converter.plugin.version",
        "STRING",
        False,
        None,
        "LOW",
        "Common",
        9,
        "SHORT",
        "Value converter version",
    ),
    ("header.converter", "CLASS", False, None, "LOW", "Common", 10, "SHORT", "Header converter class"),
    (
        "header.converter.plugin.version",
        "STRING",
        False,
        None,
        "LOW",
        "Common",
        11,
        "SHORT",
        "Header converter version",
    ),
    ("transforms", "LIST", False, "", "LOW", "Transforms", 12, "LONG", "Transforms"),
    ("predicates", "LIST", False, "", "LOW", "Predicates", 13, "LONG", "Predicates"),
    ("config.action.reload", "STRING", False, "restart", "LOW", "Common", 14, "MEDIUM", "Reload Action"),
    (
        "errors.retry.timeout",
        "LONG",
        False,
        "0",
        "MEDIUM",
        "Error Handling",
        1,
        "MEDIUM",
        "Retry Timeout for Errors",
    ),
    (
        "errors.retry.delay.max.ms",
        "LONG",
        False,
        "60000",
        "MEDIUM",
        "Error Handling",
        2,
        "MEDIUM",
        "Maximum Delay Between Retries for Errors",
    ),
    ("errors.tolerance", "STRING", False, "none", "MEDIUM", "Error Handling", 3, "SHORT", "Error Tolerance"),
    ("errors.log.enable", "BOOLEAN", False, "false", "MEDIUM", "Error Handling", 4, "SHORT", "Log Errors"),
    (
        "errors.log.include.messages",
        "BOOLEAN",
        False,
        "false",
        "MEDIUM",
        "Error Handling",
        5,
        "SHORT",
        "Log Error Details",
    ),
    ("topic.creation.groups", "LIST", False, "", "LOW", "Topic Creation", 1, "LONG", "Topic Creation Groups"),
    (
        "exactly.once.support",
        "STRING",
        False,
        "requested",
        "MEDIUM",
        "Exactly Once Support",
        2,
        "SHORT",
        "Exactly once support",
    ),
    (
        "transaction.boundary",
        "STRING",
        False,
        "poll",
        "MEDIUM",
        "Exactly Once Support",
        3,
        "SHORT",
        "Transaction Boundary",
    ),
    (
        "transaction.boundary.interval.ms",
        "LONG",
        False,
        None,
        "LOW",
        "Exactly Once Support",
        4,
        "SHORT",
        "Transaction boundary interval",
    ),
    ("offsets.storage.topic", "STRING", False, None, "LOW", "offsets.topic", 1, "LONG", "Offsets topic"),
    ("file", "STRING", False, None, "HIGH", None, -1, "NONE", "file"),
    ("topic", "STRING", True, None, "HIGH", None, -1, "NONE", "topic"),
    ("batch.size", "INT", False, "2000", "LOW", None, -1, "NONE", "batch.size"),
]
APACHE_SOURCE_GROUPS = [
    "Common",
    "Transforms",
    "Predicates",
    "Error Handling",
    "Topic Creation",
    "Exactly Once Support",
    "offsets.topic",
]
DEFINITION_FIELDS = (
    "name",
    "type",
    "required",
    "default_value",
    "importance",
    "group",
    "order_in_group",
    "width",
    "display_name",
)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LocalCluster]:
    async with three_workers(kafka_bootstrap, tmp_path_factory.mktemp("cluster")) as local:
        yield local


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def follower(cluster: LocalCluster) -> WorkerProcess:
    return await a_follower(cluster)


def assert_shape(entity: dict[str, Any], shape: dict[str, Any], what: str) -> None:
    assert set(entity) == set(shape), f"{what} fields: {sorted(entity)}"
    for field, kind in shape.items():
        assert isinstance(entity[field], kind), f"{what}.{field} = {entity[field]!r}"


async def on_every_worker(cluster: LocalCluster, method: str, path: str, body: Any = None) -> list[Any]:
    """The same request to every worker; each must answer 200. Their bodies, in worker order."""
    bodies = []
    for worker in cluster.running():
        status, answer = await cluster.rest(method, path, body, worker=worker)
        assert status == 200, f"{method} {path} on worker {worker.index}: {status} {answer}"
        bodies.append(answer)
    return bodies


# -- /connector-plugins ---------------------------------------------------------------------------
async def test_every_worker_lists_the_same_connector_plugins(cluster: LocalCluster) -> None:
    listings = await on_every_worker(cluster, "GET", "/connector-plugins")
    assert listings[0] == listings[1] == listings[2]
    plugins = listings[0]
    for plugin in plugins:
        assert_shape(plugin, {"class": str, "type": str, "version": str}, "PluginInfo")
    assert {p["type"] for p in plugins} == {"sink", "source"}
    assert "distconnect.connectors.file.FileStreamSourceConnector" in {p["class"] for p in plugins}

    everything = await on_every_worker(cluster, "GET", "/connector-plugins/?connectorsOnly=false&x=1")
    types = [p["type"] for p in everything[0]]
    order = ["sink", "source", "transformation", "predicate", "converter", "header_converter"]
    assert types == sorted(types, key=order.index)
    assert set(types) == set(order)
    assert everything[0][: len(plugins)] == plugins


async def test_plugin_config_lists_the_plugins_keys_then_the_frameworks(cluster: LocalCluster) -> None:
    answers = await on_every_worker(cluster, "GET", "/connector-plugins/FileStreamSource/config/")
    keys = answers[0]
    assert answers[1] == answers[2] == keys
    for key in keys:
        assert_shape(key, CONFIG_KEY_INFO, "ConfigKeyInfo")
    # Apache: the plugin's own definitions first, then the (not enriched) source framework keys.
    expected = [k for k in APACHE_FILE_SOURCE_KEYS if k[0] in ("file", "topic", "batch.size")]
    expected += [k for k in APACHE_FILE_SOURCE_KEYS if k not in expected]
    assert [tuple(k[f] for f in DEFINITION_FIELDS) for k in keys] == expected

    status, body = await cluster.rest("GET", "/connector-plugins/NoSuchPlugin/config")
    assert (status, body) == (404, {"error_code": 404, "message": "Unknown plugin NoSuchPlugin."})


# -- validate ---------------------------------------------------------------------------------------
async def test_validate_file_source_matches_apaches_answer_field_by_field(
    cluster: LocalCluster, follower: WorkerProcess, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = str(tmp_path_factory.mktemp("validate") / "input.txt")
    config = {"connector.class": FILE_SOURCE, "name": "fs", "topic": "lines", "file": path}
    status, infos = await cluster.rest(
        "PUT", "/connector-plugins/FileStreamSourceConnector/config/validate", config, worker=follower
    )
    assert status == 200, infos
    assert_shape(infos, CONFIG_INFOS, "ConfigInfos")
    assert list(infos) == ["name", "error_count", "groups", "configs"]
    assert infos["name"] == FILE_SOURCE
    assert infos["error_count"] == 0
    assert infos["groups"] == APACHE_SOURCE_GROUPS
    assert len(infos["configs"]) == len(APACHE_FILE_SOURCE_KEYS)
    # Validation shows the worker's converters and the installed versions as defaults (Apache 4.x).
    shown = {**{k[0]: k[3] for k in APACHE_FILE_SOURCE_KEYS}, **VALIDATE_DEFAULTS}
    values = {**shown, **config}
    for entry, key in zip(infos["configs"], APACHE_FILE_SOURCE_KEYS, strict=True):
        name = key[0]
        expected = (*key[:3], shown[name], *key[4:])
        assert_shape(entry, CONFIG_INFO, "ConfigInfo")
        definition, value = entry["definition"], entry["value"]
        assert_shape(definition, CONFIG_KEY_INFO, "ConfigKeyInfo")
        assert tuple(definition[f] for f in DEFINITION_FIELDS) == expected
        assert definition["dependents"] == []
        assert definition["documentation"]
        assert_shape(value, CONFIG_VALUE_INFO, "ConfigValueInfo")
        value = dict(value)  # a copy: the whole answer is compared with the others' below
        recommended = value.pop("recommended_values")
        assert value == {"name": name, "value": values[name], "errors": [], "visible": True}
        if name.endswith(".plugin.version"):
            assert recommended == [PLUGIN_VERSION]
        elif name.endswith(".converter"):
            assert recommended  # the installed converters, by class name
        else:
            assert recommended == []
    # Every worker gives the same answer.
    others = await on_every_worker(
        cluster, "PUT", "/connector-plugins/FileStreamSourceConnector/config/validate", config
    )
    assert all(other == infos for other in others)


async def test_validate_reports_each_error_and_refuses_a_mismatched_class(
    cluster: LocalCluster, follower: WorkerProcess
) -> None:
    config = {"connector.class": "FileStreamSource", "name": "fs", "tasks.max": "0"}
    status, infos = await cluster.rest(
        "PUT", "/connector-plugins/FileStreamSource/config/validate", config, worker=follower
    )
    assert status == 200
    errors = {c["value"]["name"]: c["value"]["errors"] for c in infos["configs"] if c["value"]["errors"]}
    assert errors["topic"] == ['Missing required configuration "topic" which has no default value.']
    assert errors["tasks.max"] == ["Invalid value 0 for configuration tasks.max: Value must be at least 1"]
    assert infos["error_count"] == 2

    status, body = await cluster.rest(
        "PUT", "/connector-plugins/FileStreamSink/config/validate", config, worker=follower
    )
    assert status == 400
    assert body == {
        "error_code": 400,
        "message": "Included connector type FileStreamSource does not match request type FileStreamSink",
    }


# -- /admin/loggers -------------------------------------------------------------------------------
async def level_on(cluster: LocalCluster, worker: WorkerProcess, name: str) -> Any:
    status, body = await cluster.rest("GET", f"/admin/loggers/{name}", worker=worker)
    return body if status == 200 else None


async def test_worker_scope_changes_only_the_worker_asked(
    cluster: LocalCluster, follower: WorkerProcess
) -> None:
    namespace = f"org.example.worker{uuid.uuid4().hex[:6]}"
    status, affected = await cluster.rest(
        "PUT", f"/admin/loggers/{namespace}?scope=worker", {"level": "TRACE"}, worker=follower
    )
    assert (status, affected) == (200, [namespace])
    level = await level_on(cluster, follower, namespace)
    assert level["level"] == "TRACE"
    assert isinstance(level["last_modified"], int)
    listed = (await cluster.rest("GET", "/admin/loggers", worker=follower))[1]
    assert listed[namespace] == level
    assert listed["root"]["level"] == "INFO"
    for other in cluster.running():
        if other is not follower:
            assert await cluster.rest("GET", f"/admin/loggers/{namespace}", worker=other) == (
                404,
                {"error_code": 404, "message": f"Logger {namespace} not found."},
            )


async def test_bad_levels_are_apaches_4xx(cluster: LocalCluster, follower: WorkerProcess) -> None:
    assert await cluster.rest(
        "PUT", "/admin/loggers/root?scope=cluster", {"level": "LOUD"}, worker=follower
    ) == (
        404,
        {"error_code": 404, "message": "invalid log level 'LOUD'."},
    )
    assert await cluster.rest("PUT", "/admin/loggers/root", {}, worker=follower) == (
        400,
        {"error_code": 400, "message": "Desired 'level' parameter was not specified in request."},
    )


async def test_cluster_scope_from_a_follower_reaches_every_worker(
    cluster: LocalCluster, follower: WorkerProcess
) -> None:
    """KIP-976 end to end: the follower writes the record itself (no forwarding), every worker
    applies it, and the change is real: the access log goes quiet and comes back."""
    access = "distconnect.rest.access"

    async def logged(worker: WorkerProcess, marker: str) -> bool:
        return marker in worker.log.read_text(errors="replace")

    async def request_with(marker: str) -> None:
        for worker in cluster.running():
            status, _ = await cluster.rest("GET", f"/connectors?marker={marker}", worker=worker)
            assert status == 200

    async def everywhere(level: str) -> bool:
        for worker in cluster.running():
            found = await level_on(cluster, worker, access)
            if found is None or found["level"] != level:
                return False
        return True

    before = uuid.uuid4().hex
    await request_with(before)
    for worker in cluster.running():  # the access log is on to begin with
        await eventually(lambda w=worker: logged(w, before), deadline_s=10, what=f"{before} in the logs")

    status, body = await cluster.rest(
        "PUT", f"/admin/loggers/{access}?scope=cluster", {"level": "warn"}, worker=follower
    )
    assert (status, body) == (204, None)
    await eventually(lambda: everywhere("WARN"), deadline_s=20, what=f"{access} WARN on every worker")
    for worker in cluster.running():
        level = await level_on(cluster, worker, access)
        assert isinstance(level["last_modified"], int)

    quiet = uuid.uuid4().hex
    await request_with(quiet)

    # Back to INFO cluster-wide; a request after that is logged again, so the quiet one would
    # have been logged by then too had the level not applied.
    status, _ = await cluster.rest(
        "PUT", f"/admin/loggers/{access}?scope=cluster", {"level": "INFO"}, worker=follower
    )
    assert status == 204
    await eventually(lambda: everywhere("INFO"), deadline_s=20, what=f"{access} INFO on every worker")
    after = uuid.uuid4().hex
    await request_with(after)
    for worker in cluster.running():
        await eventually(lambda w=worker: logged(w, after), deadline_s=10, what=f"{after} in the logs")
        assert not await logged(worker, quiet), f"worker {worker.index} still logged requests at WARN"

    # The records in the config topic are Apache's: key logger-cluster-<namespace>, {"level": ..}.
    records = await read_topic(cluster.bootstrap, f"{cluster.group}-configs")
    assert latest(records)[f"logger-cluster-{access}"] == {"level": "INFO"}
    assert [r.json() for r in records if r.key == f"logger-cluster-{access}"] == [
        {"level": "warn"},
        {"level": "INFO"},
    ]


async def test_trailing_slashes_and_unknown_parameters(
    cluster: LocalCluster, follower: WorkerProcess
) -> None:
    plain = await cluster.rest("GET", "/admin/loggers", worker=follower)
    assert plain[0] == 200
    assert await cluster.rest("GET", "/admin/loggers/?verbose=1", worker=follower) == plain
    assert (await cluster.rest("GET", "/admin/loggers/root/?x=y", worker=follower))[0] == 200
    status, affected = await cluster.rest(
        "PUT",
        "/admin/loggers/org.example.slash/?scope=worker&dryRun=true",
        {"level": "INFO"},
        worker=follower,
    )
    assert (status, affected) == (200, ["org.example.slash"])
