"""Config providers (KIP-297): parsing ``config.providers``, resolving placeholders, the errors
that name the key and placeholder, and keeping placeholders in stored task configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from distconnect.api.errors import ConfigError
from distconnect.runtime.config_providers import (
    PATTERN,
    ConfigProviders,
    EnvVarConfigProvider,
    FileConfigProvider,
    has_variables,
    reverse_transform,
)
from distconnect.runtime.connector_config import validate_connector_config
from distconnect.runtime.plugins import PluginRegistry
from distconnect.runtime.worker_config import StandaloneConfig

APACHE = "org.apache.kafka.common.config.provider."
JSON = "org.apache.kafka.connect.json.JsonConverter"


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    (tmp_path / "db.properties").write_text("# comment\nuser: alice\npassword=s3cr3t\\:x\n")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "token").write_text("tok-123\n")
    return tmp_path


def providers(**props: str) -> ConfigProviders:
    return ConfigProviders.from_worker_props({k.replace("_", "."): v for k, v in props.items()})


@pytest.fixture
def all_three(secrets: Path, monkeypatch: pytest.MonkeyPatch) -> ConfigProviders:
    monkeypatch.setenv("DC_TEST_SECRET", "from-env")
    monkeypatch.setenv("OTHER_SECRET", "hidden")
    return ConfigProviders.from_worker_props(
        {
            "config.providers": "file, env,dir",
            "config.providers.file.class": APACHE + "FileConfigProvider",
            "config.providers.env.class": "EnvVarConfigProvider",
            "config.providers.env.param.allowlist.pattern": "DC_.*",
            "config.providers.dir.class": "distconnect.runtime.config_providers.DirectoryConfigProvider",
            "config.providers.dir.param.allowed.paths": str(secrets),
        }
    )


def test_apache_pattern() -> None:
    match = PATTERN.search("jdbc://${file:/etc/x.properties:db.url}/y")
    assert match is not None
    assert (match.group(1), match.group(3), match.group(4)) == ("file", "/etc/x.properties", "db.url")
    env = PATTERN.search("${env:HOME}")
    assert env is not None
    assert (env.group(1), env.group(3), env.group(4)) == ("env", None, "HOME")
    assert not has_variables("${topic}-${timestamp}")  # TimestampRouter's format has no provider


def test_every_provider_resolves(all_three: ConfigProviders, secrets: Path) -> None:
    props = {
        "connection.user": f"${{file:{secrets}/db.properties:user}}",
        "connection.password": f"${{file:{secrets}/db.properties:password}}",
        "url": "db://${env:DC_TEST_SECRET}@host/${dir:" + str(secrets / "dir") + ":token}",
        "plain": "unchanged",
        "unknown.provider": "${vault:path:key}",
    }
    assert all_three.resolve(props) == {
        "connection.user": "alice",
        "connection.password": "s3cr3t:x",  # Java properties escapes apply
        "url": "db://from-env@host/tok-123\n",  # a directory file's whole content
        "plain": "unchanged",
        "unknown.provider": "${vault:path:key}",  # not configured: left alone, as Apache
    }


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (
            "${file:/nonexistent/x.properties:k}",
            "Could not read properties from file /nonexistent/x.properties",
        ),
        ("${file:{dir}/db.properties:missing}", "'missing' not found in {dir}/db.properties"),
        ("${env:DC_MISSING}", "'DC_MISSING' not found by the 'env' provider"),
        ("${env:OTHER_SECRET}", "'OTHER_SECRET' not found"),  # filtered out by allowlist.pattern
        ("${env:/x:DC_TEST_SECRET}", "Path is not supported for EnvVarConfigProvider"),
        ("${dir:{dir}/dir:nope}", "'nope' not found"),
        ("${dir:/etc:passwd}", "not allowed by allowed.paths"),
    ],
)
def test_unresolvable_placeholders_name_the_key_and_placeholder(
    all_three: ConfigProviders, secrets: Path, value: str, fragment: str
) -> None:
    value = value.replace("{dir}", str(secrets))
    with pytest.raises(ConfigError) as caught:
        all_three.resolve({"ok": "x", "the.key": value})
    error = caught.value
    assert error.name == "the.key"
    assert value in str(error)
    assert fragment.replace("{dir}", str(secrets)) in str(error)


def test_lenient_resolution_reports_each_key(all_three: ConfigProviders) -> None:
    resolved, errors = all_three.resolve_lenient({"a": "${env:DC_TEST_SECRET}", "b": "${env:NOPE}"})
    assert resolved == {"a": "from-env", "b": "${env:NOPE}"}
    assert list(errors) == ["b"]


def test_no_providers_resolve_nothing() -> None:
    none = ConfigProviders.from_worker_props({})
    assert not none
    assert none.resolve({"a": "${env:HOME}"}) == {"a": "${env:HOME}"}


def test_provider_setting_errors_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config\.providers\.file\.class"):
        providers(config_providers="file")
    with pytest.raises(ConfigError, match=r"config\.providers\.x\.class"):
        ConfigProviders.from_worker_props(
            {"config.providers": "x", "config.providers.x.class": "no.such.Provider"}
        )
    with pytest.raises(ConfigError, match=r"config\.providers\.file\.param\.allowed\.paths.*not absolute"):
        ConfigProviders.from_worker_props(
            {
                "config.providers": "file",
                "config.providers.file.class": "FileConfigProvider",
                "config.providers.file.param.allowed.paths": "relative/dir",
            }
        )


def test_a_custom_provider_class_by_python_path() -> None:
    custom = ConfigProviders.from_worker_props(
        {"config.providers": "mine", "config.providers.mine.class": f"{__name__}.UpperProvider"}
    )
    assert custom.resolve({"k": "${mine:ab:cd}"}) == {"k": "AB/CD"}


class UpperProvider:
    def configure(self, params: dict[str, str]) -> None:
        pass

    def get(self, path: str, keys: set[str]) -> dict[str, str]:
        return {k: f"{path}/{k}".upper() for k in keys}


def test_builtin_classes_are_apache_compatible() -> None:
    file = FileConfigProvider()
    file.configure({})
    env = EnvVarConfigProvider()
    env.configure({"allowlist.pattern": "PATH"})
    assert "PATH" in env.get("", {"PATH", "HOME"})
    assert "HOME" not in env.get("", {"PATH", "HOME"})


def test_reverse_transform_keeps_placeholders_out_of_task_configs() -> None:
    raw = {"password": "${file:/s.properties:pw}", "topic": "t", "url": "x${env:A}"}
    tasks = [{"password": "hunter2", "topic": "t", "task.id": "0"}, {"url": "xresolved"}]
    assert reverse_transform(raw, tasks) == [
        {"password": "${file:/s.properties:pw}", "topic": "t", "task.id": "0"},
        {"url": "x${env:A}"},
    ]


def test_worker_configs_are_resolved_and_logged_with_placeholders(
    secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DC_BOOTSTRAP", "broker-from-env:9092")
    config = StandaloneConfig(
        {
            "config.providers": "env,file",
            "config.providers.env.class": APACHE + "EnvVarConfigProvider",
            "config.providers.file.class": APACHE + "FileConfigProvider",
            "bootstrap.servers": "${env:DC_BOOTSTRAP}",
            "ssl.key.password": f"${{file:{secrets}/db.properties:password}}",
            "key.converter": JSON,
            "value.converter": JSON,
            "offset.storage.file.filename": "/tmp/unused",
        }
    )
    assert config.bootstrap_servers == "broker-from-env:9092"
    assert config.config_providers.resolve({"x": "${env:DC_BOOTSTRAP}"}) == {"x": "broker-from-env:9092"}
    line = config.loggable()
    assert "bootstrap.servers = ${env:DC_BOOTSTRAP}" in line
    assert "ssl.key.password = [hidden]" in line
    assert "broker-from-env" not in line
    assert "s3cr3t" not in line
    with pytest.raises(ConfigError, match=r"bootstrap\.servers"):
        StandaloneConfig(
            {
                "config.providers": "env",
                "config.providers.env.class": "EnvVarConfigProvider",
                "bootstrap.servers": "${env:DC_NOT_SET_ANYWHERE}",
                "key.converter": JSON,
                "value.converter": JSON,
                "offset.storage.file.filename": "/tmp/unused",
            }
        )


def test_validation_resolves_but_shows_placeholders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DC_TOPIC", "resolved-topic")
    env = ConfigProviders.from_worker_props(
        {"config.providers": "env", "config.providers.env.class": "EnvVarConfigProvider"}
    )
    props = {
        "name": "c",
        "connector.class": "FileStreamSource",
        "topic": "${env:DC_TOPIC}",
        "file": "${env:DC_NO_SUCH_VARIABLE}",
    }
    _, values = validate_connector_config(PluginRegistry(), props, providers=env)
    by_name = {v.name: v for v in values}
    assert by_name["topic"].value == "${env:DC_TOPIC}"  # never the resolved value
    assert by_name["topic"].errors == []
    assert any("${env:DC_NO_SUCH_VARIABLE}" in e for v in values if v.name == "file" for e in v.errors)
