"""Plugin discovery and Connect's aliasing rules: Python paths, class names, pruned names and
entry-point names resolve; ambiguous short names and unknown names fail with useful messages."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from importlib import metadata
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.config import ConfigDef
from distconnect.api.connector import SinkConnector, SourceConnector
from distconnect.api.data import SchemaAndValue
from distconnect.api.errors import NotFoundError
from distconnect.api.plugins import Converter, HeaderConverter, Transformation
from distconnect.api.task import SinkTask, SourceTask
from distconnect.runtime.plugins import AmbiguousPluginError, PluginRegistry, PluginType
from distconnect.transforms.filter import Filter
from distconnect.transforms.insert_field import InsertField
from distconnect.transforms.predicates import TopicNameMatches

HERE = __name__


class FileStreamSourceConnector(SourceConnector):
    def version(self) -> str:
        return "7.1"

    def start(self, props: Mapping[str, str]) -> None: ...

    def task_class(self) -> type[SourceTask]:
        return SourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return []

    def stop(self) -> None: ...

    def config(self) -> ConfigDef:
        return ConfigDef()


class AcmeSinkConnector(SinkConnector):
    def version(self) -> str:
        return "2.0"

    def start(self, props: Mapping[str, str]) -> None: ...

    def task_class(self) -> type[SinkTask]:
        return SinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return []

    def stop(self) -> None: ...

    def config(self) -> ConfigDef:
        return ConfigDef()


class UpperConverter(Converter):
    def configure(self, configs: Mapping[str, Any], is_key: bool) -> None: ...

    def from_connect_data(self, topic: str, schema: Any, value: Any, headers: Any = None) -> bytes | None:
        return None

    def to_connect_data(self, topic: str, value: bytes | None, headers: Any = None) -> SchemaAndValue:
        return SchemaAndValue(None, None)


class UpperHeaderConverter(HeaderConverter):
    def configure(self, configs: Mapping[str, Any]) -> None: ...

    def from_connect_header(self, topic: str, key: str, schema: Any, value: Any) -> bytes | None:
        return None

    def to_connect_header(self, topic: str, key: str, value: bytes | None) -> SchemaAndValue:
        return SchemaAndValue(None, None)

    def config(self) -> ConfigDef:
        return ConfigDef()


class Unversioned(Transformation[Any]):
    def configure(self, configs: Mapping[str, Any]) -> None: ...

    def apply(self, record: Any) -> Any:
        return record

    def config(self) -> ConfigDef:
        return ConfigDef()


def _twin(module: str) -> type[Transformation[Any]]:
    """A transformation class called ``Unversioned`` living in another module."""
    twin = type("Unversioned", (Unversioned,), {})
    twin.__module__ = module
    return twin


APACHE_INSERT_VALUE = "org.apache.kafka.connect.transforms.InsertField$Value"
APACHE_INSERT_KEY = "org.apache.kafka.connect.transforms.InsertField$Key"


@pytest.fixture
def registry() -> PluginRegistry:
    return PluginRegistry(
        [
            (
                "distconnect.connectors",
                "org.apache.kafka.connect.file.FileStreamSourceConnector",
                FileStreamSourceConnector,
            ),
            ("distconnect.connectors", "acme-sink", AcmeSinkConnector),
            ("distconnect.converters", "upper", UpperConverter),
            ("distconnect.header_converters", "upper", UpperHeaderConverter),
            ("distconnect.transforms", APACHE_INSERT_VALUE, InsertField.Value),
            ("distconnect.transforms", APACHE_INSERT_KEY, InsertField.Key),
            ("distconnect.transforms", "org.apache.kafka.connect.transforms.Filter", Filter),
            ("distconnect.transforms", "unversioned", Unversioned),
            (
                "distconnect.predicates",
                "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
                TopicNameMatches,
            ),
        ],
        include_installed=False,
    )


@pytest.mark.parametrize(
    "name",
    [
        f"{HERE}.FileStreamSourceConnector",  # (a) Python path
        f"{HERE}:FileStreamSourceConnector",  # (a) entry-point style path
        "FileStreamSourceConnector",  # (b) class name
        "FileStreamSource",  # (c) without the Connector suffix
        "org.apache.kafka.connect.file.FileStreamSourceConnector",  # (d) entry-point name
        "  FileStreamSource  ",  # surrounding blanks, as from a properties file
    ],
)
def test_connector_aliases(registry: PluginRegistry, name: str) -> None:
    assert registry.connector_class(name) is FileStreamSourceConnector
    assert isinstance(registry.new_connector(name), FileStreamSourceConnector)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("distconnect.transforms.insert_field.InsertField.Value", InsertField.Value),
        ("distconnect.transforms.insert_field.InsertField$Value", InsertField.Value),
        ("distconnect.transforms.insert_field:InsertField.Value", InsertField.Value),
        ("InsertField$Value", InsertField.Value),
        ("InsertField.Value", InsertField.Value),
        (APACHE_INSERT_VALUE, InsertField.Value),
        ("org.apache.kafka.connect.transforms.InsertField.Value", InsertField.Value),
        (APACHE_INSERT_KEY, InsertField.Key),
        ("InsertField$Key", InsertField.Key),
        ("Filter", Filter),
        ("org.apache.kafka.connect.transforms.Filter", Filter),
    ],
)
def test_transformation_aliases_including_apache_nested_names(
    registry: PluginRegistry, name: str, expected: type[Any]
) -> None:
    assert registry.transformation_class(name) is expected
    assert type(registry.new_transformation(name)) is expected


def test_converter_and_predicate_aliases(registry: PluginRegistry) -> None:
    assert registry.converter_class("Upper") is UpperConverter  # Java prunes "Converter" too
    assert registry.converter_class("upper") is UpperConverter
    assert registry.header_converter_class("Upper") is UpperHeaderConverter  # pruned "HeaderConverter"
    assert registry.predicate_class("TopicNameMatches") is TopicNameMatches
    assert isinstance(registry.new_predicate("TopicNameMatches"), TopicNameMatches)
    assert isinstance(registry.new_header_converter("upper"), UpperHeaderConverter)
    assert isinstance(registry.new_converter("UpperConverter"), UpperConverter)


def test_a_name_resolves_only_within_its_kind(registry: PluginRegistry) -> None:
    with pytest.raises(NotFoundError):
        registry.connector_class("UpperConverter")
    with pytest.raises(NotFoundError):
        registry.predicate_class("Filter")


def test_ambiguous_short_alias_is_not_registered() -> None:
    twin = _twin("elsewhere.plugins")
    registry = PluginRegistry(
        [("distconnect.transforms", "a", Unversioned), ("distconnect.transforms", "b", twin)],
        include_installed=False,
    )
    with pytest.raises(AmbiguousPluginError) as caught:
        registry.transformation_class("Unversioned")
    message = str(caught.value)
    assert "full class name" in message
    assert f"{HERE}.Unversioned" in message
    assert "elsewhere.plugins.Unversioned" in message
    # full names and entry-point names still work
    assert registry.transformation_class(f"{HERE}.Unversioned") is Unversioned
    assert registry.transformation_class("elsewhere.plugins.Unversioned") is twin
    assert registry.transformation_class("b") is twin
    assert isinstance(caught.value, NotFoundError)  # REST maps both to "unknown plugin"


def test_unknown_name_lists_close_matches(registry: PluginRegistry) -> None:
    with pytest.raises(NotFoundError) as caught:
        registry.connector_class("FileStreamSorceConnector")
    assert "Did you mean: FileStreamSourceConnector" in str(caught.value)
    with pytest.raises(NotFoundError, match="Did you mean: InsertField"):
        registry.transformation_class("insertfield$value")


def test_unknown_name_without_close_match_lists_the_plugins(registry: PluginRegistry) -> None:
    with pytest.raises(NotFoundError) as caught:
        registry.connector_class("Zzz")
    assert "Available:" in str(caught.value)
    assert f"{HERE}.AcmeSinkConnector" in str(caught.value)


def test_listing_for_rest(registry: PluginRegistry) -> None:
    connectors = registry.connectors()
    assert [(d.class_name, d.type, d.version) for d in connectors] == [
        (f"{HERE}.AcmeSinkConnector", PluginType.SINK, "2.0"),
        (f"{HERE}.FileStreamSourceConnector", PluginType.SOURCE, "7.1"),
    ]
    assert connectors[1].to_json() == {
        "class": f"{HERE}.FileStreamSourceConnector",
        "type": "source",
        "version": "7.1",
    }
    only = registry.plugins()
    assert [d.type for d in only] == [PluginType.SINK, PluginType.SOURCE]
    everything = registry.plugins(connectors_only=False)
    assert [d.type.value for d in everything] == [
        "sink",
        "source",
        *["transformation"] * 4,
        "predicate",
        "converter",
        "header_converter",
    ]
    unversioned = next(d for d in registry.transformations() if d.plugin_class is Unversioned)
    assert unversioned.version is None
    assert "version" not in unversioned.to_json()
    bundled = next(d for d in registry.transformations() if d.plugin_class is Filter)
    assert bundled.version == metadata.version("distconnect")
    assert [d.class_name for d in registry.predicates()] == [
        "distconnect.transforms.predicates.TopicNameMatches"
    ]
    assert [d.class_name for d in registry.converters()] == [f"{HERE}.UpperConverter"]
    assert [d.class_name for d in registry.header_converters()] == [f"{HERE}.UpperHeaderConverter"]


def test_plugin_desc_finds_any_kind(registry: PluginRegistry) -> None:
    assert registry.plugin_desc("FileStreamSource").type is PluginType.SOURCE
    assert registry.plugin_desc(APACHE_INSERT_VALUE).plugin_class is InsertField.Value
    with pytest.raises(NotFoundError, match=r"Unknown plugin Nope\."):
        registry.plugin_desc("Nope")


def test_unregistered_dotted_name_is_imported_and_type_checked(registry: PluginRegistry) -> None:
    assert (
        registry.transformation_class("distconnect.transforms.hoist_field.HoistField$Key").__name__ == "Key"
    )
    with pytest.raises(NotFoundError, match="not a concrete Transformation"):
        registry.transformation_class("collections.OrderedDict")
    with pytest.raises(NotFoundError, match="not a concrete Transformation"):
        registry.transformation_class("distconnect.transforms.hoist_field.HoistField")  # abstract base
    with pytest.raises(NotFoundError, match="Failed to find"):
        registry.transformation_class("no_such_package_xyz.Thing")
    locked = PluginRegistry(include_installed=False, allow_import=False)
    with pytest.raises(NotFoundError):
        locked.transformation_class("distconnect.transforms.hoist_field.HoistField$Key")


def test_classes_are_accepted_directly(registry: PluginRegistry) -> None:
    assert registry.transformation_class(InsertField.Key) is InsertField.Key
    with pytest.raises(NotFoundError):
        registry.connector_class(UpperConverter)


def test_bad_extra_entries_are_rejected() -> None:
    with pytest.raises(ValueError, match="Unknown plugin group"):
        PluginRegistry([("distconnect.nope", "x", Filter)], include_installed=False)
    with pytest.raises(TypeError, match="not a subclass of Converter"):
        PluginRegistry([("distconnect.converters", "x", Filter)], include_installed=False)
    with pytest.raises(TypeError, match="abstract"):
        PluginRegistry([("distconnect.transforms", "x", InsertField)], include_installed=False)


def test_installed_entry_points_are_discovered_and_broken_ones_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    group = "distconnect.transforms"
    target = "distconnect.transforms.filter:Filter"
    installed = [
        metadata.EntryPoint("distconnect.transforms.filter.Filter", target, group),
        metadata.EntryPoint("org.apache.kafka.connect.transforms.Filter", target, group),
        metadata.EntryPoint("broken", "no_such_module_for_distconnect_tests:Thing", group),
        metadata.EntryPoint("wrong-kind", "distconnect.transforms.predicates:TopicNameMatches", group),
    ]

    def fake_entry_points(*, group: str) -> list[metadata.EntryPoint]:
        return [ep for ep in installed if ep.group == group]

    monkeypatch.setattr(metadata, "entry_points", fake_entry_points)
    with caplog.at_level(logging.WARNING, logger="distconnect.runtime.plugins"):
        registry = PluginRegistry()
    assert [d.class_name for d in registry.transformations()] == ["distconnect.transforms.filter.Filter"]
    assert registry.transformation_class("org.apache.kafka.connect.transforms.Filter") is Filter
    assert registry.transformation_class("distconnect.transforms.filter:Filter") is Filter
    skipped = " ".join(r.getMessage() for r in caplog.records)
    assert "broken" in skipped
    assert "wrong-kind" in skipped


@given(stem=st.from_regex(r"[A-Z][A-Za-z0-9]{0,12}", fullmatch=True))
def test_any_connector_class_name_resolves_by_its_aliases(stem: str) -> None:
    cls = type(f"{stem}SinkConnector", (AcmeSinkConnector,), {})
    cls.__module__ = "generated.plugins"
    registry = PluginRegistry([("distconnect.connectors", "g", cls)], include_installed=False)
    for name in (f"generated.plugins.{stem}SinkConnector", f"{stem}SinkConnector", f"{stem}Sink"):
        assert registry.connector_class(name) is cls
