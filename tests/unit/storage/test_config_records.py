"""Config-topic records: golden bytes written by hand from ``KafkaConfigBackingStore``'s schemas.

Java renders each value with its internal converter, a ``JsonConverter`` with
``schemas.enable=false``: a bare JSON object (no schema envelope), fields in schema order,
optional fields present as null, compact (no whitespace).
"""

from __future__ import annotations

import logging

import pytest

from distconnect.runtime.states import TargetState, TaskId
from distconnect.storage.config_records import (
    ConfigRecordCodec,
    commit_key,
    connector_key,
    restart_key,
    target_state_key,
    task_key,
)
from distconnect.storage.config_types import (
    ConnectorConfigRecord,
    LoggerLevelRecord,
    RestartRequest,
    RestartRequestRecord,
    SessionKey,
    SessionKeyRecord,
    TargetStateRecord,
    TaskCommitRecord,
    TaskConfigRecord,
    TaskCountRecord,
)
from distconnect.storage.records import internal_converter


@pytest.fixture(scope="module")
def codec() -> ConfigRecordCodec:
    return ConfigRecordCodec(internal_converter())


def test_keys_are_javas() -> None:
    assert connector_key("my-conn") == "connector-my-conn"
    assert task_key(TaskId("my-conn", 12)) == "task-my-conn-12"
    assert commit_key("my-conn") == "commit-my-conn"
    assert target_state_key("my-conn") == "target-state-my-conn"
    assert restart_key("my-conn") == "restart-connector-my-conn"


def test_connector_and_task_configs_follow_configuration_v0(codec: ConfigRecordCodec) -> None:
    # CONNECTOR_CONFIGURATION_V0 = TASK_CONFIGURATION_V0 = struct{properties: map<string, optional string>}
    props = {"connector.class": "FileStreamSource", "tasks.max": "1", "file": "/tmp/in.txt"}
    golden = b'{"properties":{"connector.class":"FileStreamSource","tasks.max":"1","file":"/tmp/in.txt"}}'
    assert codec.connector_config(props) == golden
    assert codec.task_config(props) == golden
    assert codec.connector_config({"a": None}) == b'{"properties":{"a":null}}'
    assert codec.connector_config({}) == b'{"properties":{}}'


def test_commit_follows_connector_tasks_commit_v0(codec: ConfigRecordCodec) -> None:
    # CONNECTOR_TASKS_COMMIT_V0 = struct{tasks: int32}
    assert codec.commit(3) == b'{"tasks":3}'
    assert codec.commit(0) == b'{"tasks":0}'


@pytest.mark.parametrize(
    ("state", "golden"),
    [
        # TARGET_STATE_V1 = struct{state: string, state.v2: optional string}; STOPPED reads as PAUSED
        # to workers that know only "state".
        (TargetState.STARTED, b'{"state":"STARTED","state.v2":"STARTED"}'),
        (TargetState.PAUSED, b'{"state":"PAUSED","state.v2":"PAUSED"}'),
        (TargetState.STOPPED, b'{"state":"PAUSED","state.v2":"STOPPED"}'),
    ],
)
def test_target_state_follows_target_state_v1(
    codec: ConfigRecordCodec, state: TargetState, golden: bytes
) -> None:
    assert codec.target_state(state) == golden
    assert codec.decode(target_state_key("c"), golden) == TargetStateRecord("c", state)


def test_session_key_follows_session_key_v0(codec: ConfigRecordCodec) -> None:
    # SESSION_KEY_V0 = struct{key: string (base64), algorithm: string, creation-timestamp: int64}
    key = SessionKey(bytes([0, 1, 2, 255]), "HmacSHA256", 1700000000123)
    golden = b'{"key":"AAEC/w==","algorithm":"HmacSHA256","creation-timestamp":1700000000123}'
    assert codec.session_key(key) == golden
    assert codec.decode("session-key", golden) == SessionKeyRecord(key)


def test_restart_request_follows_restart_request_v0(codec: ConfigRecordCodec) -> None:
    # RESTART_REQUEST_V0 = struct{include-tasks: boolean, only-failed: boolean}
    request = RestartRequest("c", only_failed=False, include_tasks=True)
    golden = b'{"include-tasks":true,"only-failed":false}'
    assert codec.restart_request(request) == golden
    assert codec.decode(restart_key("c"), golden) == RestartRequestRecord(request)


def test_exactly_once_and_logger_records(codec: ConfigRecordCodec) -> None:
    # TASK_COUNT_RECORD_V0 = struct{task-count: int32}; LOGGER_LEVEL_V0 = struct{level: string}
    assert codec.task_count_record(4) == b'{"task-count":4}'
    assert codec.logger_level("DEBUG") == b'{"level":"DEBUG"}'
    assert codec.decode("tasks-fencing-c", b'{"task-count":4}') == TaskCountRecord("c", 4)
    assert codec.decode("logger-cluster-org.apache", b'{"level":"DEBUG"}') == LoggerLevelRecord(
        "org.apache", "DEBUG"
    )


def test_decodes_what_java_writes(codec: ConfigRecordCodec) -> None:
    value = b'{"properties":{"name":"src","tasks.max":"2"}}'
    assert codec.decode("connector-src", value) == ConnectorConfigRecord(
        "src", {"name": "src", "tasks.max": "2"}
    )
    assert codec.decode("connector-src", None) == ConnectorConfigRecord("src", None)
    assert codec.decode("task-my-src-10", value) == TaskConfigRecord(
        TaskId("my-src", 10), {"name": "src", "tasks.max": "2"}
    )
    assert codec.decode("commit-my-src", b'{"tasks":2}') == TaskCommitRecord("my-src", 2)
    assert codec.decode("target-state-src", None) == TargetStateRecord("src", None)


def test_decoding_ignores_unknown_fields(codec: ConfigRecordCodec) -> None:
    assert codec.decode("commit-c", b'{"tasks":1,"future-field":{"x":[1]}}') == TaskCommitRecord("c", 1)
    assert codec.decode("connector-c", b'{"properties":{"a":"1"},"version":9}') == ConnectorConfigRecord(
        "c", {"a": "1"}
    )


def test_target_state_falls_back_on_the_v0_field(codec: ConfigRecordCodec) -> None:
    # TARGET_STATE_V0 = struct{state: string}, written by workers before KIP-875
    assert codec.decode("target-state-c", b'{"state":"PAUSED"}') == TargetStateRecord("c", TargetState.PAUSED)
    # a state.v2 that is not a string is skipped in favour of state
    assert codec.decode("target-state-c", b'{"state":"PAUSED","state.v2":5}') == TargetStateRecord(
        "c", TargetState.PAUSED
    )
    assert codec.decode("target-state-c", b'{"state":"SLEEPING"}') is None


def test_restart_request_fields_default_to_false(codec: ConfigRecordCodec) -> None:
    assert codec.decode(restart_key("c"), b'{"only-failed":"yes"}') == RestartRequestRecord(
        RestartRequest("c")
    )


def test_unreadable_records_are_discarded(codec: ConfigRecordCodec, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    assert codec.decode("connector-c", b"{not json") is None
    assert codec.decode("connector-c", b'{"properties":"a=b"}') is None
    assert codec.decode("task-c", b'{"properties":{}}') is None  # no task number
    assert codec.decode("task-c-x", b'{"properties":{}}') is None
    assert codec.decode("task-c-0", None) is None  # task tombstones are unexpected
    assert (
        codec.decode("session-key", b'{"key":"!!","algorithm":"HmacSHA256","creation-timestamp":1}') is None
    )
    assert codec.decode("session-key", b'{"key":"AA==","algorithm":"HmacSHA256"}') is None
    assert codec.decode("mystery-key", b"{}") is None
    assert codec.decode(None, b"{}") is None
    assert len(caplog.records) == 9


def test_commit_with_unreadable_count_is_still_a_commit(codec: ConfigRecordCodec) -> None:
    # Java handles a commit for a deleted connector before looking at its value.
    assert codec.decode("commit-c", b'{"tasks":"2"}') == TaskCommitRecord("c", None)
    assert codec.decode("commit-c", None) == TaskCommitRecord("c", None)


def test_non_string_property_values_are_kept_as_text(codec: ConfigRecordCodec) -> None:
    record = codec.decode("connector-c", b'{"properties":{"n":5,"b":true,"s":"x","z":null}}')
    assert record == ConnectorConfigRecord("c", {"n": "5", "b": "true", "s": "x", "z": None})
