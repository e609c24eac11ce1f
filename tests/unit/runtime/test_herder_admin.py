"""Plugins, plugin config definitions and config validation as every herder serves them
(Apache's ``AbstractHerder.connectorPluginConfig`` / ``validateConnectorConfig``)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from typing import Any

import pytest

from distconnect.api.config import ConfigDef, ConfigType, ConfigValue, Importance
from distconnect.api.connector import SourceConnector
from distconnect.api.task import SourceTask
from distconnect.runtime.herder import ConnectRestError
from distconnect.runtime.herder_admin import NO_CONNECTOR_TYPE, HerderAdmin
from distconnect.runtime.plugins import PluginRegistry

SECRET = "hunter2-s3cret"


class VaultSourceConnector(SourceConnector):
    """A connector with a PASSWORD key, and a ``validate`` that may block (``gate``)."""

    gate: threading.Event | None = None

    def version(self) -> str:
        return "2.1"

    def start(self, props: Mapping[str, str]) -> None: ...

    def task_class(self) -> type[SourceTask]:
        return SourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return []

    def stop(self) -> None: ...

    def config(self) -> ConfigDef:
        return (
            ConfigDef()
            .define("vault.token", ConfigType.PASSWORD, importance=Importance.HIGH, documentation="Token.")
            .define("tasks.max", ConfigType.INT, 4, importance=Importance.LOW, documentation="Ours wins.")
        )

    def validate(self, connector_configs: Mapping[str, str]) -> list[ConfigValue]:
        if self.gate is not None:
            self.gate.wait(10)
        values = super().validate(connector_configs)
        # A plugin that echoes the secret back must still not leak it.
        values.append(ConfigValue("vault.token", connector_configs.get("vault.token"), errors=["expired"]))
        return values


@pytest.fixture(scope="module")
def registry() -> PluginRegistry:
    return PluginRegistry([("distconnect.connectors", "vault", VaultSourceConnector)])


@pytest.fixture
def admin(registry: PluginRegistry) -> HerderAdmin:
    return HerderAdmin(registry)


def by_name(infos: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["value"]["name"] if c["value"] else c["definition"]["name"]: c for c in infos["configs"]}


def test_connectors_only_lists_sinks_then_sources(admin: HerderAdmin) -> None:
    listed = admin.plugins()
    types = [p.type.value for p in listed]
    assert types == sorted(types, key=lambda t: t != "sink")
    assert set(types) == {"sink", "source"}
    vault = next(p for p in listed if p.plugin_class is VaultSourceConnector)
    assert vault.to_json() == {
        "class": f"{VaultSourceConnector.__module__}.VaultSourceConnector",
        "type": "source",
        "version": "2.1",
    }


def test_all_plugins_add_every_other_type_in_apaches_order(admin: HerderAdmin) -> None:
    types = [p.type.value for p in admin.plugins(connectors_only=False)]
    order = ["sink", "source", "transformation", "predicate", "converter", "header_converter"]
    assert sorted(set(types), key=order.index) == order
    assert types == sorted(types, key=order.index)
    entries = [(p.class_name, p.type, p.version) for p in admin.plugins(connectors_only=False)]
    assert len(entries) == len(set(entries))


async def test_a_connectors_config_is_its_own_keys_then_the_frameworks(admin: HerderAdmin) -> None:
    keys = await admin.plugin_config("vault")
    names = [k["name"] for k in keys]
    assert names[:2] == ["vault.token", "tasks.max"]
    assert "connector.class" in names
    assert "exactly.once.support" in names
    assert names.count("tasks.max") == 1
    tasks_max = keys[1]
    assert tasks_max["default_value"] == "4"  # the plugin's definition wins the clash
    assert list(keys[0]) == [
        "name",
        "type",
        "required",
        "default_value",
        "importance",
        "documentation",
        "group",
        "order_in_group",
        "width",
        "display_name",
        "dependents",
    ]


async def test_other_plugin_types_show_only_their_own_keys(admin: HerderAdmin) -> None:
    keys = await admin.plugin_config("org.apache.kafka.connect.transforms.InsertField$Value")
    names = {k["name"] for k in keys}
    assert "static.field" in names
    assert "connector.class" not in names
    avro = await admin.plugin_config("io.confluent.connect.avro.AvroConverter")
    secret = next(k for k in avro if k["name"] == "basic.auth.user.info")
    assert secret["type"] == "PASSWORD"


async def test_an_unknown_plugin_is_not_found(admin: HerderAdmin) -> None:
    with pytest.raises(Exception, match=r"^Unknown plugin NoSuchThing\.$") as caught:
        await admin.plugin_config("NoSuchThing")
    assert type(caught.value).__name__ == "NotFoundError"


async def test_validation_hides_passwords_even_when_the_plugin_echoes_them(admin: HerderAdmin) -> None:
    infos = await admin.validate({"connector.class": "vault", "name": "v", "vault.token": SECRET})
    assert SECRET not in repr(infos)
    token = [c for c in infos["configs"] if c["definition"] and c["definition"]["name"] == "vault.token"]
    assert [t["value"]["value"] for t in token] == ["[hidden]"]
    assert infos["error_count"] == 1
    assert token[0]["value"]["errors"] == ["expired"]


async def test_validation_checks_converter_settings_under_their_prefix(admin: HerderAdmin) -> None:
    infos = await admin.validate(
        {
            "connector.class": "vault",
            "name": "v",
            "vault.token": "t",
            "value.converter": "io.confluent.connect.avro.AvroConverter",
            "value.converter.basic.auth.user.info": f"me:{SECRET}",
            "value.converter.auto.register.schemas": "maybe",
        }
    )
    assert SECRET not in repr(infos)
    configs = by_name(infos)
    user_info = configs["value.converter.basic.auth.user.info"]
    assert user_info["value"]["value"] == "[hidden]"
    assert user_info["definition"]["name"] == "value.converter.basic.auth.user.info"
    errors = configs["value.converter.auto.register.schemas"]["value"]["errors"]
    assert errors
    assert "maybe" in errors[0]
    # Missing registry URL and the bad boolean, plus the connector's own error.
    assert infos["error_count"] == 3
    assert configs["value.converter.schema.registry.url"]["value"]["errors"]


async def test_an_unknown_converter_is_an_error_on_its_key_only(admin: HerderAdmin) -> None:
    infos = await admin.validate({"connector.class": "vault", "name": "v", "key.converter": "Nope"})
    configs = by_name(infos)
    assert configs["key.converter"]["value"]["errors"]
    # The framework's own key.converter.plugin.version is always listed (KIP-891); the
    # converter's settings are not, since it could not be loaded.
    assert not [n for n in configs if n.startswith("key.converter.") and n != "key.converter.plugin.version"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"name": "v"}, NO_CONNECTOR_TYPE),
        ({"connector.class": "NoSuchConnector"}, "Failed to find any class that implements Connector"),
    ],
)
async def test_a_missing_or_unknown_connector_class_is_a_400(
    admin: HerderAdmin, config: dict[str, str], message: str
) -> None:
    with pytest.raises(ConnectRestError) as caught:
        await admin.validate(config)
    assert caught.value.status == 400
    assert message in caught.value.message


async def test_validation_runs_off_the_event_loop(admin: HerderAdmin) -> None:
    gate = threading.Event()
    VaultSourceConnector.gate = gate
    try:
        validating = asyncio.create_task(admin.validate({"connector.class": "vault", "name": "v"}))
        # The loop keeps running while validate() blocks in its thread.
        for _ in range(5):
            await asyncio.sleep(0)
        assert not validating.done()
        gate.set()
        infos = await asyncio.wait_for(validating, 10)
    finally:
        VaultSourceConnector.gate = None
    assert infos["name"] == "vault"
