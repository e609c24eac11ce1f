"""ConfigDef parsing per type, declaration rules, Password and AbstractConfig."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.config import (
    NO_DEFAULT,
    AbstractConfig,
    ConfigDef,
    ConfigError,
    ConfigType,
    Importance,
    Password,
    Range,
    convert_to_string,
    parse_type,
)

SECRET = "hunter2-very-secret"

INT_LIMITS = {ConfigType.SHORT: 16, ConfigType.INT: 32, ConfigType.LONG: 64}


def _error(type_: ConfigType, value: Any, name: str = "k") -> str:
    with pytest.raises(ConfigError) as info:
        parse_type(name, value, type_)
    assert info.value.name == name
    return str(info.value)


# -- BOOLEAN -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), (False, False), ("true", True), (" TRUE ", True), ("False", False), ("fAlSe\n", False)],
)
def test_boolean_accepts_bools_and_true_false_strings(raw: Any, expected: bool) -> None:
    assert parse_type("k", raw, ConfigType.BOOLEAN) is expected


@pytest.mark.parametrize("raw", ["yes", "1", "", "t", 1, 0, 1.0, ["true"]])
def test_boolean_rejects_anything_else(raw: Any) -> None:
    message = _error(ConfigType.BOOLEAN, raw, "flag.enable")
    assert message.endswith("for configuration flag.enable: Expected value to be either true or false")


# -- SHORT / INT / LONG ------------------------------------------------------------------------


def test_int_error_message_is_kafkas() -> None:
    assert _error(ConfigType.INT, "abc", "tasks.max") == (
        "Invalid value abc for configuration tasks.max: Not a number of type INT"
    )


@pytest.mark.parametrize("type_", list(INT_LIMITS))
@given(data=st.data())
def test_integers_in_range_parse_from_str_and_int(type_: ConfigType, data: st.DataObject) -> None:
    bits = INT_LIMITS[type_]
    n = data.draw(st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1))
    assert parse_type("k", n, type_) == n
    assert parse_type("k", f"  {n}\t", type_) == n
    assert convert_to_string(n, type_) == str(n)


@pytest.mark.parametrize("type_", list(INT_LIMITS))
@given(data=st.data())
def test_integers_out_of_range_are_rejected(type_: ConfigType, data: st.DataObject) -> None:
    bits = INT_LIMITS[type_]
    n = data.draw(st.integers(min_value=2 ** (bits - 1)) | st.integers(max_value=-(2 ** (bits - 1)) - 1))
    for raw in (n, str(n)):
        assert _error(type_, raw).endswith(f"Not a number of type {type_.name}")


@pytest.mark.parametrize(
    ("type_", "kind"),
    [
        (ConfigType.SHORT, "a 16-bit integer (short)"),
        (ConfigType.INT, "a 32-bit integer"),
        (ConfigType.LONG, "a 64-bit integer (long)"),
    ],
)
@pytest.mark.parametrize("raw", [True, 1.0, [1]])
def test_integers_reject_bools_floats_and_others(type_: ConfigType, kind: str, raw: Any) -> None:
    assert f"Expected value to be {kind}, but it was a {type(raw).__name__}" in _error(type_, raw)


@pytest.mark.parametrize("raw", ["1_000", "1.0", "0x10", "", " ", "1e3", "٣", "+-1"])
def test_integer_strings_must_be_plain_decimal(raw: str) -> None:
    assert _error(ConfigType.INT, raw).endswith("Not a number of type INT")


def test_integer_strings_may_have_a_sign() -> None:
    assert parse_type("k", "+7", ConfigType.INT) == 7
    assert parse_type("k", "-7", ConfigType.LONG) == -7


# -- DOUBLE ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.5", 1.5),
        (" -2 ", -2.0),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("1.5d", 1.5),
        ("2F", 2.0),
        (3, 3.0),
        (0.25, 0.25),
    ],
)
def test_double_parses(raw: Any, expected: float) -> None:
    parsed = parse_type("k", raw, ConfigType.DOUBLE)
    assert isinstance(parsed, float)
    assert parsed == expected


def test_double_accepts_java_special_values() -> None:
    assert math.isnan(parse_type("k", "NaN", ConfigType.DOUBLE))
    assert parse_type("k", "-Infinity", ConfigType.DOUBLE) == -math.inf


@pytest.mark.parametrize("raw", ["abc", "inf", "nan", "1_0", "", "1.2.3"])
def test_double_rejects_non_java_numbers(raw: str) -> None:
    assert _error(ConfigType.DOUBLE, raw).endswith("Not a number of type DOUBLE")


def test_double_rejects_bool() -> None:
    assert "Expected value to be a double, but it was a bool" in _error(ConfigType.DOUBLE, True)


@pytest.mark.parametrize(
    ("value", "text"),
    [(3.125, "3.125"), (1.0, "1.0"), (1e10, "1.0E10"), (1e-4, "1.0E-4"), (0.001, "0.001"),
     (1234567.0, "1234567.0"), (12345678.9, "1.23456789E7"), (-0.0, "-0.0"), (math.nan, "NaN"),
     (math.inf, "Infinity")],
)  # fmt: skip
def test_doubles_render_like_java(value: float, text: str) -> None:
    assert convert_to_string(value, ConfigType.DOUBLE) == text


# -- STRING / LIST / CLASS / PASSWORD ------------------------------------------------------------


def test_string_is_trimmed_like_java() -> None:
    assert parse_type("k", " \t value \n", ConfigType.STRING) == "value"
    assert parse_type("k", "\u00a0x\u00a0", ConfigType.STRING) == "\u00a0x\u00a0"  # Java trims <= U+0020 only


def test_string_rejects_non_strings() -> None:
    assert _error(ConfigType.STRING, 5, "topic").endswith(
        "configuration topic: Expected value to be a string, but it was a int"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("a, b ,c", ["a", "b", "c"]), ("", []), ("   ", []), ("a,,b", ["a", "", "b"]), ("a,", ["a", ""]),
     (" solo ", ["solo"]), (["x", " y "], ["x", " y "]), (("p", "q"), ["p", "q"])],
)  # fmt: skip
def test_list_parsing(raw: Any, expected: list[str]) -> None:
    assert parse_type("k", raw, ConfigType.LIST) == expected


@pytest.mark.parametrize("raw", [5, {"a": 1}, [1, 2]])
def test_list_rejects_non_lists_and_non_string_elements(raw: Any) -> None:
    assert "configuration k:" in _error(ConfigType.LIST, raw)


# Elements that survive Java's trim at both ends (it strips code points <= U+0020).
_ELEMENT = st.text(st.characters(exclude_characters=",", exclude_categories=["Cs"]), min_size=1).filter(
    lambda s: s[0] > " " and s[-1] > " "
)


@given(st.lists(_ELEMENT, min_size=1))
def test_list_round_trips_through_its_string_form(elements: list[str]) -> None:
    text = convert_to_string(elements, ConfigType.LIST)
    assert text == ",".join(elements)
    assert parse_type("k", text, ConfigType.LIST) == elements
    assert parse_type("k", text.replace(",", " , "), ConfigType.LIST) == elements


class _Plugin:
    class Inner:
        pass


def test_class_accepts_dotted_names_and_classes() -> None:
    assert parse_type("k", " org.example.MySinkConnector ", ConfigType.CLASS) == "org.example.MySinkConnector"
    assert parse_type("k", "FileStreamSink", ConfigType.CLASS) == "FileStreamSink"
    assert parse_type("k", _Plugin.Inner, ConfigType.CLASS) == f"{__name__}._Plugin.Inner"


def test_class_rejects_bad_names_and_other_values() -> None:
    assert _error(ConfigType.CLASS, "not a class!").endswith("Class not a class! could not be found.")
    assert _error(ConfigType.CLASS, "a..b").endswith("could not be found.")
    assert _error(ConfigType.CLASS, 5).endswith("Expected a Class instance or class name.")


def test_password_wraps_trimmed_string_and_never_prints() -> None:
    parsed = parse_type("k", f" {SECRET} ", ConfigType.PASSWORD)
    assert isinstance(parsed, Password)
    assert parsed.value == SECRET
    for text in (str(parsed), repr(parsed), f"{parsed}", f"{parsed!r}", repr([parsed]), repr({"p": parsed})):
        assert SECRET not in text
        assert "[hidden]" in text
    assert parse_type("k", parsed, ConfigType.PASSWORD) is parsed
    assert Password("a") == Password("a") != Password("b")
    assert hash(Password("a")) == hash(Password("a"))
    assert convert_to_string(parsed, ConfigType.PASSWORD) == "[hidden]"


def test_password_type_error_does_not_echo_the_value() -> None:
    message = _error(ConfigType.PASSWORD, 987654321, "db.password")
    assert "987654321" not in message
    assert message == (
        "Invalid value [hidden] for configuration db.password: "
        "Expected value to be a string, but it was a int"
    )


@pytest.mark.parametrize("type_", list(ConfigType))
def test_none_parses_to_none_for_every_type(type_: ConfigType) -> None:
    assert parse_type("k", None, type_) is None
    assert convert_to_string(None, type_) is None


def test_convert_to_string_forms() -> None:
    assert convert_to_string(True, ConfigType.BOOLEAN) == "true"
    assert convert_to_string(2**63 - 1, ConfigType.LONG) == "9223372036854775807"
    assert convert_to_string(["a", "bc", "d"], ConfigType.LIST) == "a,bc,d"
    assert convert_to_string(_Plugin, ConfigType.CLASS) == f"{__name__}._Plugin"
    assert convert_to_string(["a", "b"], None) == "[a, b]"


# -- ConfigDef declaration and parse ---------------------------------------------------------------


def _def() -> ConfigDef:
    return (
        ConfigDef()
        .define("name", ConfigType.STRING, importance=Importance.HIGH, documentation="Connector name")
        .define("tasks.max", ConfigType.INT, "1", Range.at_least(1), Importance.HIGH, "Max tasks")
        .define("topics", ConfigType.LIST, "", documentation="Topics")
        .define("db.password", ConfigType.PASSWORD, None, documentation="Password")
        .define("ratio", ConfigType.DOUBLE, 0.5)
        .define("enabled", ConfigType.BOOLEAN, "true")
        .define("batch", ConfigType.SHORT, 10)
        .define("offset", ConfigType.LONG, 0)
        .define("impl", ConfigType.CLASS, "org.example.Impl")
    )


def test_parse_applies_types_defaults_and_ignores_undeclared_keys() -> None:
    parsed = _def().parse({"name": " sink ", "tasks.max": "3", "topics": "a,b", "unknown.key": "x"})
    assert parsed == {
        "name": "sink",
        "tasks.max": 3,
        "topics": ["a", "b"],
        "db.password": None,
        "ratio": 0.5,
        "enabled": True,
        "batch": 10,
        "offset": 0,
        "impl": "org.example.Impl",
    }
    assert list(parsed) == list(_def().names())


def test_missing_required_key_has_kafkas_message() -> None:
    with pytest.raises(ConfigError) as info:
        _def().parse({})
    assert str(info.value) == 'Missing required configuration "name" which has no default value.'
    assert info.value.name == "name"


def test_parse_runs_validators() -> None:
    with pytest.raises(
        ConfigError, match=r"^Invalid value 0 for configuration tasks.max: Value must be at least 1$"
    ):
        _def().parse({"name": "n", "tasks.max": "0"})


def test_define_parses_default_and_checks_it_against_the_validator() -> None:
    key = _def().config_keys["tasks.max"]
    assert key.default == 1
    assert key.display_name == "tasks.max"
    assert ConfigDef().define("r", ConfigType.INT).config_keys["r"].default is NO_DEFAULT
    with pytest.raises(ConfigError, match="Value must be at least 1"):
        ConfigDef().define("t", ConfigType.INT, 0, Range.at_least(1))
    with pytest.raises(ConfigError, match="Not a number of type INT"):
        ConfigDef().define("t", ConfigType.INT, "many")


def test_define_twice_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"^Configuration a is defined twice\.$"):
        ConfigDef().define("a", ConfigType.INT, 1).define("a", ConfigType.STRING, "x")


def test_parse_rejects_undefined_dependents() -> None:
    definition = ConfigDef().define("a", ConfigType.INT, 1, dependents=["ghost"])
    with pytest.raises(ConfigError, match="referred in the dependents, but not defined: ghost"):
        definition.parse({})


def test_config_keys_and_names_are_read_only_views() -> None:
    definition = _def()
    with pytest.raises(TypeError):
        definition.config_keys["x"] = definition.config_keys["name"]  # type: ignore[index]
    assert "name" in definition.names()
    assert "name" in definition
    assert len(definition) == 9


def test_groups_keep_first_declaration_order() -> None:
    definition = (
        ConfigDef()
        .define("a", ConfigType.INT, 1, group="Zeta")
        .define("b", ConfigType.INT, 1, group="Alpha")
        .define("c", ConfigType.INT, 1, group="Zeta")
    )
    assert definition.groups == ["Zeta", "Alpha"]


def test_merge_lets_the_second_definition_win_in_place() -> None:
    framework = (
        ConfigDef().define("name", ConfigType.STRING).define("tasks.max", ConfigType.INT, 1, group="Common")
    )
    plugin = (
        ConfigDef()
        .define("tasks.max", ConfigType.INT, 4)
        .define("path", ConfigType.STRING, "/", group="File")
    )
    merged = framework.merge(plugin)
    assert list(merged.names()) == ["name", "tasks.max", "path"]
    assert merged.config_keys["tasks.max"].default == 4
    assert merged.groups == ["Common", "File"]
    assert framework.config_keys["tasks.max"].default == 1
    assert "path" not in framework


def test_embed_prefixes_keys_and_validators_see_plain_names() -> None:
    child = ConfigDef().define("field", ConfigType.STRING, "x", documentation="Field", dependents=["mode"])
    child.define("mode", ConfigType.STRING, "a", lambda n, v: _reject_b(n, v), group="Inner")
    parent = ConfigDef()
    parent.embed("transforms.t1.", "Transforms: t1", 5, child)
    assert list(parent.names()) == ["transforms.t1.field", "transforms.t1.mode"]
    field, mode = parent.config_keys.values()
    assert (field.group, field.order_in_group, field.dependents) == (
        "Transforms: t1",
        5,
        ("transforms.t1.mode",),
    )
    assert (mode.group, mode.order_in_group) == ("Transforms: t1: Inner", 6)
    result = parent.validate_all({"transforms.t1.mode": "b"})["transforms.t1.mode"]
    # The validator is handed the name it was written for, not the prefixed one.
    assert len(result.errors) == 1
    assert "for configuration mode: b is not allowed" in result.errors[0]


def _reject_b(name: str, value: Any) -> None:
    if value == "b":
        raise ConfigError(name, value, "b is not allowed")


# -- AbstractConfig ----------------------------------------------------------------------------


def _config(**overrides: Any) -> AbstractConfig:
    originals: dict[str, Any] = {
        "name": "sink",
        "tasks.max": "2",
        "topics": "a, b",
        "db.password": SECRET,
        "key.converter.schemas.enable": "false",
        "key.converter": "JsonConverter",
        "unrelated": 1,
    }
    originals.update(overrides)
    return AbstractConfig(_def(), originals)


def test_typed_getters() -> None:
    config = _config()
    assert config.get_string("name") == "sink"
    assert config.get_int("tasks.max") == 2
    assert config.get_list("topics") == ["a", "b"]
    assert config.get_double("ratio") == 0.5
    assert config.get_boolean("enabled") is True
    assert config.get_short("batch") == 10
    assert config.get_long("offset") == 0
    assert config.get_class("impl") == "org.example.Impl"
    password = config.get_password("db.password")
    assert password is not None
    assert password.value == SECRET
    assert config.get("tasks.max") == 2


def test_getters_check_the_value_type() -> None:
    config = _config()
    with pytest.raises(ConfigError, match="'name' is not of type INT"):
        config.get_int("name")
    with pytest.raises(ConfigError, match="'enabled' is not of type INT"):
        config.get_int("enabled")
    with pytest.raises(ConfigError, match=r"^Unknown configuration 'nope'$"):
        config.get("nope")


def test_originals_keep_unknown_keys_and_prefixes_strip() -> None:
    config = _config()
    originals = config.originals()
    assert originals["unrelated"] == 1
    assert originals["tasks.max"] == "2"
    originals["tasks.max"] = "mutated"
    assert config.originals()["tasks.max"] == "2"
    assert config.originals({"extra": "y"})["extra"] == "y"
    assert config.originals_with_prefix("key.converter.") == {"schemas.enable": "false"}
    assert config.originals_with_prefix("key.converter", strip=False) == {
        "key.converter.schemas.enable": "false",
        "key.converter": "JsonConverter",
    }
    assert config.originals_with_prefix("key.converter") == {".schemas.enable": "false"}


def test_values_are_the_parsed_declared_keys() -> None:
    values = _config().values()
    assert set(values) == set(_def().names())
    assert values["tasks.max"] == 2
    assert "unrelated" not in values


def test_unused_tracks_reads() -> None:
    config = _config()
    assert "name" in config.unused()
    config.get_string("name")
    config.ignore("unrelated")
    assert "name" not in config.unused()
    assert "unrelated" not in config.unused()


def test_abstract_config_repr_masks_passwords() -> None:
    config = _config()
    for text in (repr(config), str(config), f"{config}"):
        assert SECRET not in text
        assert "db.password=[hidden]" in text
        assert "tasks.max=2" in text


def test_construction_fails_like_parse() -> None:
    with pytest.raises(ConfigError, match="Not a number of type INT"):
        _config(**{"tasks.max": "two"})


def test_post_process_hook_updates_values() -> None:
    class Derived(AbstractConfig):
        def post_process_parsed_config(self, parsed: Mapping[str, Any]) -> Mapping[str, Any]:
            return {"batch": parsed["tasks.max"] * 100}

    assert Derived(_def(), {"name": "n", "tasks.max": "3"}).get_short("batch") == 300


def test_equality_follows_originals() -> None:
    assert _config() == _config()
    assert _config() != _config(name="other")
    assert _config().values_with_prefix_override("x.")["tasks.max"] == 2
    assert _config(**{"x.tasks.max": "7"}).values_with_prefix_override("x.")["tasks.max"] == 7


def test_list_split_only_strips_ascii_whitespace_around_commas() -> None:
    assert parse_type("k", "a\u00a0,\u2003b", ConfigType.LIST) == ["a\u00a0", "\u2003b"]
    assert parse_type("k", "a \t,\n b", ConfigType.LIST) == ["a", "b"]
