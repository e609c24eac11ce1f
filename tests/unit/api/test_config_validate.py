"""Validators, recommenders, ConfigDef.validate and the REST ``config/validate`` body."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from distconnect.api.config import (
    CaseInsensitiveValidString,
    CompositeValidator,
    ConfigDef,
    ConfigError,
    ConfigType,
    ConfigValue,
    Importance,
    LambdaValidator,
    ListSize,
    NonEmptyString,
    NonEmptyStringWithoutControlChars,
    NonNullValidator,
    Range,
    Recommender,
    ValidList,
    ValidString,
    Width,
    describe_validator,
)
from distconnect.api.config_rest import (
    config_key_info,
    generate_result,
    invalid_config_message,
    merge_config_infos,
    prefixed_config_infos,
    validation_response,
)

SECRET = "s3cr3t-p4ssw0rd-value"


def _fails(validator: Any, value: Any, name: str = "k") -> str:
    with pytest.raises(ConfigError) as info:
        validator(name, value)
    return str(info.value)


# -- validators ----------------------------------------------------------------------------------


def test_range() -> None:
    at_least = Range.at_least(1)
    at_least("k", 1)
    at_least("k", 10**12)
    assert (
        _fails(at_least, 0, "tasks.max")
        == "Invalid value 0 for configuration tasks.max: Value must be at least 1"
    )
    between = Range.between(0, 2.5)
    between("k", 2.5)
    assert _fails(between, 2.6) == "Invalid value 2.6 for configuration k: Value must be no more than 2.5"
    assert _fails(between, None) == "Invalid value null for configuration k: Value must be non-null"
    assert _fails(between, "1").endswith("Value must be a number")
    assert (str(at_least), str(between), str(Range(max=5)), str(Range())) == (
        "[1,...]",
        "[0,...,2.5]",
        "[...,5]",
        "[...]",
    )


def test_valid_string_and_list() -> None:
    valid = ValidString.in_("none", "all")
    valid("k", "all")
    assert _fails(valid, "ALL", "errors.tolerance") == (
        "Invalid value ALL for configuration errors.tolerance: String must be one of: none, all"
    )
    assert _fails(valid, None).startswith("Invalid value null")
    assert str(valid) == "[none, all]"
    valid_list = ValidList.in_("a", "b")
    valid_list("k", ["a", "b", "a"])
    valid_list("k", None)
    assert (
        _fails(valid_list, ["a", "c"]) == "Invalid value c for configuration k: String must be one of: a, b"
    )
    assert str(valid_list) == "[a, b]"


def test_case_insensitive_valid_string() -> None:
    valid = CaseInsensitiveValidString.in_("Poll", "interval")
    valid("k", "POLL")
    valid("k", "Interval")
    assert _fails(valid, "never").endswith("String must be one of (case insensitive): POLL, INTERVAL")
    assert _fails(valid, None).startswith("Invalid value null")
    assert str(valid) == "(case insensitive) [POLL, INTERVAL]"


def test_non_empty_and_non_null() -> None:
    NonEmptyString()("k", "x")
    NonEmptyString()("k", None)
    assert _fails(NonEmptyString(), "") == "Invalid value  for configuration k: String must be non-empty"
    NonNullValidator()("k", "")
    assert (
        _fails(NonNullValidator(), None) == "Invalid value null for configuration k: entry must be non null"
    )
    no_ctrl = NonEmptyStringWithoutControlChars()
    no_ctrl("name", "my-connector")
    no_ctrl("name", None)
    assert _fails(no_ctrl, "").endswith("String may not be empty")
    assert _fails(no_ctrl, "a\tb\x7f").endswith("had the following ASCII chars: 9, 127")
    assert (str(NonEmptyString()), str(NonNullValidator())) == ("non-empty string", "non-null string")


def test_list_size() -> None:
    ListSize.at_most_of_size(2)("k", ["a", "b"])
    assert _fails(ListSize.at_most_of_size(2), ["a", "b", "c"]).endswith("exceeds maximum list size of [2].")
    assert str(ListSize.at_most_of_size(2)) == "List containing maximum of 2 elements"


def test_composite_runs_in_order_and_describes_all() -> None:
    composite = CompositeValidator.of(NonEmptyString(), ValidString.in_("x", "y"))
    composite("k", "x")
    assert _fails(composite, "").endswith("String must be non-empty")
    assert _fails(composite, "z").endswith("String must be one of: x, y")
    assert str(composite) == "non-empty string, [x, y]"


def _even(name: str, value: Any) -> None:
    if value % 2:
        raise ConfigError(name, value, "must be even")


def test_custom_validators_and_their_descriptions() -> None:
    assert describe_validator(_even) == ""
    assert describe_validator(None) == ""
    lam = LambdaValidator.with_(_even, "even numbers")
    assert str(lam) == "even numbers"
    assert "must be even" in _fails(lam, 3)
    assert describe_validator(LambdaValidator.with_(_even, lambda: "computed")) == "computed"


# -- validate -------------------------------------------------------------------------------------


class IntegerRecommender:
    """Kafka's test recommender: [1, 2, 3] for parents, [4, 5] for dependents."""

    def __init__(self, has_parent: bool) -> None:
        self.has_parent = has_parent

    def valid_values(self, name: str, parsed: Mapping[str, Any]) -> list[Any]:
        return [4, 5] if self.has_parent else [1, 2, 3]

    def visible(self, name: str, parsed: Mapping[str, Any]) -> bool:
        return True


def _int_key(definition: ConfigDef, name: str, order: int, dependents: list[str], parent: bool) -> ConfigDef:
    return definition.define(
        name,
        ConfigType.INT,
        importance=Importance.HIGH,
        documentation="docs",
        group="group",
        order_in_group=order,
        width=Width.SHORT,
        display_name=name,
        dependents=dependents,
        recommender=IntegerRecommender(parent),
    )


def _missing(name: str) -> str:
    return f'Missing required configuration "{name}" which has no default value.'


def test_recommender_satisfies_protocol() -> None:
    assert isinstance(IntegerRecommender(True), Recommender)


def test_validate_matches_kafkas_validate_test() -> None:
    definition = ConfigDef()
    _int_key(definition, "a", 1, ["b", "c"], False)
    _int_key(definition, "b", 2, [], True)
    _int_key(definition, "c", 3, [], True)
    _int_key(definition, "d", 4, ["b"], False)
    results = definition.validate_all({"a": "1", "d": "10"})
    assert results == {
        "a": ConfigValue("a", 1, [1, 2, 3], []),
        # b depends from a and from d, so Kafka checks it (and reports it) twice
        "b": ConfigValue("b", None, [4, 5], [_missing("b"), _missing("b")]),
        "c": ConfigValue("c", None, [4, 5], [_missing("c")]),
        "d": ConfigValue("d", 10, [1, 2, 3], []),
    }
    assert definition.validate({"a": "1", "d": "10"}) == list(results.values())


def test_validate_reports_undefined_dependents() -> None:
    definition = ConfigDef()
    _int_key(definition, "a", 1, ["b", "c", "d"], False)
    _int_key(definition, "b", 2, [], True)
    _int_key(definition, "c", 3, [], True)
    results = definition.validate_all({"a": "1"})
    assert results["d"] == ConfigValue(
        "d", None, [], ["d is referred in the dependents, but not defined."], False
    )
    assert results["b"] == ConfigValue("b", None, [4, 5], [_missing("b")])


def test_validate_cannot_parse() -> None:
    definition = ConfigDef().define("a", ConfigType.INT, importance=Importance.HIGH, documentation="docs")
    assert definition.validate({"a": "non_integer"}) == [
        ConfigValue(
            "a", None, [], ["Invalid value non_integer for configuration a: Not a number of type INT"]
        )
    ]


def test_validate_runs_the_validator_even_after_a_parse_error() -> None:
    definition = ConfigDef().define("tasks.max", ConfigType.INT, 1, Range.at_least(1))
    assert definition.validate_all({"tasks.max": "x"})["tasks.max"].errors == [
        "Invalid value x for configuration tasks.max: Not a number of type INT",
        "Invalid value null for configuration tasks.max: Value must be non-null",
    ]


def test_validate_collects_every_key_and_never_raises() -> None:
    definition = (
        ConfigDef()
        .define("name", ConfigType.STRING, validator=NonEmptyString())
        .define("mode", ConfigType.STRING, "a", ValidString.in_("a", "b"))
        .define("flag", ConfigType.BOOLEAN, False)
        .define("even", ConfigType.INT, 2, _even)
    )
    results = definition.validate_all({"name": "", "mode": "c", "flag": "maybe", "even": "3", "other": "x"})
    assert list(results) == ["name", "mode", "flag", "even"]
    assert results["name"].errors == ["Invalid value  for configuration name: String must be non-empty"]
    assert results["mode"].errors == ["Invalid value c for configuration mode: String must be one of: a, b"]
    assert results["flag"].errors == [
        "Invalid value maybe for configuration flag: Expected value to be either true or false"
    ]
    assert len(results["even"].errors) == 1
    assert "must be even" in results["even"].errors[0]
    assert results["mode"].value == "c"
    ok = definition.validate_all({"name": "n"})
    assert [v.errors for v in ok.values()] == [[], [], [], []]
    assert [v.value for v in ok.values()] == ["n", "a", False, 2]


class ModeRecommender:
    """Shows ``path`` only in file mode; recommends by mode."""

    def valid_values(self, name: str, parsed: Mapping[str, Any]) -> list[Any]:
        if parsed.get("mode") == "broken":
            raise ConfigError(name, None, "cannot recommend")
        return ["/tmp", "/var"] if parsed.get("mode") == "file" else []

    def visible(self, name: str, parsed: Mapping[str, Any]) -> bool:
        return parsed.get("mode") == "file"


def _mode_def() -> ConfigDef:
    return (
        ConfigDef()
        .define("mode", ConfigType.STRING, "file", dependents=["path"])
        .define("path", ConfigType.STRING, "/tmp", recommender=ModeRecommender())
    )


def test_recommender_sets_values_and_visibility_from_parents() -> None:
    file_mode = _mode_def().validate_all({"mode": "file"})["path"]
    assert (file_mode.recommended_values, file_mode.visible) == (["/tmp", "/var"], True)
    other = _mode_def().validate_all({"mode": "http"})["path"]
    assert (other.recommended_values, other.visible) == ([], False)


def test_recommender_errors_are_recorded() -> None:
    result = _mode_def().validate_all({"mode": "broken"})["path"]
    assert len(result.errors) == 1
    assert "path" in result.errors[0]
    assert result.errors[0].endswith("cannot recommend")
    assert result.visible is True  # left as it was: the recommender failed before visible()


def test_dependency_cycle_terminates() -> None:
    definition = (
        ConfigDef()
        .define("root", ConfigType.INT, 1, dependents=["x"])
        .define("x", ConfigType.INT, importance=Importance.LOW, dependents=["y"])
        .define("y", ConfigType.INT, importance=Importance.LOW, dependents=["x"])
    )
    results = definition.validate_all({})
    assert results["x"].errors == [_missing("x")]
    assert results["y"].errors == [_missing("y")]


def test_password_value_is_masked_in_config_value_repr() -> None:
    definition = ConfigDef().define("db.password", ConfigType.PASSWORD)
    (result,) = definition.validate({"db.password": SECRET})
    assert result.value.value == SECRET
    assert SECRET not in repr(result)
    assert SECRET not in str(definition.validate_all({"db.password": SECRET}))


# -- REST body -------------------------------------------------------------------------------------


def _connector_def() -> ConfigDef:
    return (
        ConfigDef()
        .define("name", ConfigType.STRING, validator=NonEmptyString(), importance=Importance.HIGH,
                documentation="Name", group="Common", order_in_group=1, width=Width.MEDIUM,
                display_name="Connector name")
        .define("topics", ConfigType.LIST, ["a", "b"], importance=Importance.HIGH, documentation="Topics",
                group="Common", order_in_group=2, recommender=_TopicRecommender())
        .define("tasks.max", ConfigType.INT, 1, Range.at_least(1), Importance.HIGH, "Tasks",
                group="Common", order_in_group=3, dependents=["batch.size"])
        .define("batch.size", ConfigType.INT, 100, importance=Importance.LOW, documentation="Batch")
        .define("db.password", ConfigType.PASSWORD, SECRET, importance=Importance.HIGH, documentation="Pw",
                group="Database")
        .define("enabled", ConfigType.BOOLEAN, False, importance=Importance.LOW)
    )  # fmt: skip


class _TopicRecommender:
    def valid_values(self, name: str, parsed: Mapping[str, Any]) -> list[Any]:
        return ["orders", "payments"]

    def visible(self, name: str, parsed: Mapping[str, Any]) -> bool:
        return True


def test_validation_response_shape_and_encodings() -> None:
    definition = _connector_def()
    values = definition.validate({"name": "", "tasks.max": "0", "db.password": SECRET, "enabled": "true"})
    body = validation_response("org.example.MySinkConnector", definition, values)
    assert list(body) == ["name", "error_count", "groups", "configs"]
    assert body["name"] == "org.example.MySinkConnector"
    assert body["error_count"] == 2
    assert body["groups"] == ["Common", "Database"]
    assert [c["definition"]["name"] for c in body["configs"]] == list(definition.names())
    name_entry = body["configs"][0]
    assert name_entry == {
        "definition": {
            "name": "name",
            "type": "STRING",
            "required": True,
            "default_value": None,
            "importance": "HIGH",
            "documentation": "Name",
            "group": "Common",
            "order_in_group": 1,
            "width": "MEDIUM",
            "display_name": "Connector name",
            "dependents": [],
        },
        "value": {
            "name": "name",
            "value": "",
            "recommended_values": [],
            "errors": ["Invalid value  for configuration name: String must be non-empty"],
            "visible": True,
        },
    }
    assert list(name_entry["definition"]) == [
        "name", "type", "required", "default_value", "importance", "documentation", "group",
        "order_in_group", "width", "display_name", "dependents",
    ]  # fmt: skip
    assert list(name_entry["value"]) == ["name", "value", "recommended_values", "errors", "visible"]
    by_name = {c["definition"]["name"]: c for c in body["configs"]}
    topics = by_name["topics"]
    assert (topics["definition"]["default_value"], topics["value"]["value"]) == ("a,b", "a,b")
    assert topics["value"]["recommended_values"] == ["orders", "payments"]
    assert by_name["tasks.max"]["definition"]["dependents"] == ["batch.size"]
    # parsed fine, failed the validator: the value is kept next to the error
    assert by_name["tasks.max"]["value"]["value"] == "0"
    assert by_name["tasks.max"]["value"]["errors"] == [
        "Invalid value 0 for configuration tasks.max: Value must be at least 1"
    ]
    assert by_name["enabled"]["value"]["value"] == "true"
    assert by_name["enabled"]["definition"]["default_value"] == "false"
    assert by_name["batch.size"]["definition"]["order_in_group"] == -1
    password = by_name["db.password"]
    assert (password["definition"]["default_value"], password["value"]["value"]) == ("[hidden]", "[hidden]")
    assert SECRET not in json.dumps(body)


def test_validation_response_puts_unknown_results_first_and_counts_messages() -> None:
    definition = ConfigDef().define("a", ConfigType.INT, 1).define("b", ConfigType.STRING, "x")
    extra = ConfigValue("connector.extra", "v", [], ["bad one", "bad two"])
    values = [*definition.validate({"a": "z"}), extra]
    values = [v for v in values if v.name != "b"]
    body = validation_response(ConfigDef, definition, values)
    assert body["name"] == "distconnect.api.config.ConfigDef"
    assert body["error_count"] == 3
    first, a_entry, b_entry = body["configs"]
    assert first == {
        "definition": None,
        "value": {
            "name": "connector.extra",
            "value": "v",
            "recommended_values": [],
            "errors": ["bad one", "bad two"],
            "visible": True,
        },
    }
    assert a_entry["value"]["errors"] == ["Invalid value z for configuration a: Not a number of type INT"]
    assert b_entry["value"] is None
    assert generate_result("X", definition.config_keys, {v.name: v for v in values}, []) == {
        **body,
        "name": "X",
        "groups": [],
    }


def test_rest_masks_a_raw_password_a_plugin_put_in_its_result() -> None:
    definition = ConfigDef().define("pw", ConfigType.PASSWORD, importance=Importance.HIGH)
    body = validation_response("C", definition, [ConfigValue("pw", SECRET, [SECRET], [])])
    assert body["configs"][0]["value"]["value"] == "[hidden]"
    assert SECRET not in json.dumps(body)


def test_prefixed_infos_and_merge_keep_kafkas_quirks() -> None:
    definition = (
        ConfigDef()
        .define("schemas.enable", ConfigType.BOOLEAN, True, group="Schemas")
        .define("cache", ConfigType.INT, 10)
    )
    results = definition.validate({"schemas.enable": "nope", "cache": "x"})
    for result in results:
        result.visible = False
    infos = prefixed_config_infos(definition.config_keys, results, "value.converter.")
    assert infos["name"] == ""
    assert infos["error_count"] == 2  # entries with errors, not messages
    assert infos["groups"] == ["Schemas"]
    names = [(c["definition"]["name"], c["value"]["name"], c["value"]["visible"]) for c in infos["configs"]]
    assert names == [
        ("value.converter.schemas.enable", "value.converter.schemas.enable", True),
        ("value.converter.cache", "value.converter.cache", True),
    ]
    main = validation_response("C", _connector_def(), _connector_def().validate({"name": "n"}))
    merged = merge_config_infos("C", main, None, infos)
    assert merged["error_count"] == main["error_count"] + 2
    assert merged["groups"] == ["Common", "Database", "Schemas"]
    assert len(merged["configs"]) == len(main["configs"]) + 2


def test_invalid_config_message() -> None:
    definition = ConfigDef().define("name", ConfigType.STRING).define("tasks.max", ConfigType.INT, 1)
    body = validation_response("C", definition, definition.validate({"tasks.max": "-"}))
    assert invalid_config_message(body) == (
        "Connector configuration is invalid and contains the following 2 error(s):\n"
        + _missing("name")
        + "\nInvalid value - for configuration tasks.max: Not a number of type INT\n"
        "You can also find the above list of errors at the endpoint "
        "`/connector-plugins/{connectorType}/config/validate`"
    )
    clean = validation_response("C", definition, definition.validate({"name": "n"}))
    assert invalid_config_message(clean) is None


def test_config_key_info_for_get_plugin_config() -> None:
    key = _connector_def().config_keys["tasks.max"]
    info = config_key_info(key)
    assert info["type"] == "INT"
    assert info["default_value"] == "1"
    assert info["required"] is False
