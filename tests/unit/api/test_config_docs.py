"""Documentation generated from a ConfigDef: Kafka's RST and HTML forms, and Markdown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.config import ConfigDef, ConfigType, Importance, Range, ValidString
from distconnect.api.config_docs import default_text

SECRET = "do-not-print-this-secret"


def test_to_rst_matches_kafka() -> None:
    definition = (
        ConfigDef()
        .define("opt1", ConfigType.STRING, "a", ValidString.in_("a", "b", "c"), Importance.HIGH, "docs1")
        .define("opt2", ConfigType.INT, importance=Importance.MEDIUM, documentation="docs2")
        .define("opt3", ConfigType.LIST, ["a", "b"], importance=Importance.LOW, documentation="docs3")
        .define("opt4", ConfigType.BOOLEAN, False, importance=Importance.LOW, documentation="docs4\n\nmore")
    )
    assert definition.to_rst() == (
        "``opt2``\n  docs2\n\n  * Type: int\n  * Importance: medium\n\n"
        "``opt1``\n  docs1\n\n  * Type: string\n  * Default: a\n  * Valid Values: [a, b, c]\n"
        "  * Importance: high\n\n"
        "``opt3``\n  docs3\n\n  * Type: list\n  * Default: a,b\n  * Importance: low\n\n"
        "``opt4``\n  docs4\n\n  more\n\n  * Type: boolean\n  * Default: false\n  * Importance: low\n\n"
    )


def _grouped() -> ConfigDef:
    return (
        ConfigDef()
        .define("opt1.of.group1", ConfigType.STRING, "a", ValidString.in_("a", "b", "c"), Importance.HIGH,
                "Doc doc.", group="Group One", order_in_group=0)
        .define("opt2.of.group1", ConfigType.INT, importance=Importance.MEDIUM, documentation="Doc doc doc.",
                group="Group One", order_in_group=1, dependents=["some.option1", "some.option2"])
        .define("opt2.of.group2", ConfigType.BOOLEAN, False, importance=Importance.HIGH,
                documentation="Doc doc doc doc.", group="Group Two", order_in_group=1)
        .define("opt1.of.group2", ConfigType.BOOLEAN, False, importance=Importance.HIGH,
                documentation="Doc doc doc doc doc.", group="Group Two", order_in_group=0,
                dependents=["some.option"])
        .define("poor.opt", ConfigType.STRING, "foo", importance=Importance.HIGH,
                documentation="Doc doc doc doc.")
    )  # fmt: skip


def test_to_enriched_rst_matches_kafka() -> None:
    assert _grouped().to_enriched_rst() == (
        "``poor.opt``\n  Doc doc doc doc.\n\n  * Type: string\n  * Default: foo\n  * Importance: high\n\n"
        "Group One\n^^^^^^^^^\n\n"
        "``opt1.of.group1``\n  Doc doc.\n\n  * Type: string\n  * Default: a\n  * Valid Values: [a, b, c]\n"
        "  * Importance: high\n\n"
        "``opt2.of.group1``\n  Doc doc doc.\n\n  * Type: int\n  * Importance: medium\n"
        "  * Dependents: ``some.option1``, ``some.option2``\n\n"
        "Group Two\n^^^^^^^^^\n\n"
        "``opt1.of.group2``\n  Doc doc doc doc doc.\n\n  * Type: boolean\n  * Default: false\n"
        "  * Importance: high\n  * Dependents: ``some.option``\n\n"
        "``opt2.of.group2``\n  Doc doc doc doc.\n\n  * Type: boolean\n  * Default: false\n"
        "  * Importance: high\n\n"
    )


def test_sort_order_is_group_order_then_required_importance_name() -> None:
    definition = (
        ConfigDef()
        .define("z.low", ConfigType.INT, 1, importance=Importance.LOW)
        .define("b.high", ConfigType.INT, 1, importance=Importance.HIGH)
        .define("a.high", ConfigType.INT, 1, importance=Importance.HIGH)
        .define("y.required.low", ConfigType.INT, importance=Importance.LOW)
        .define("in.later.group", ConfigType.INT, 1, group="Later")
        .define("in.first.group.2", ConfigType.INT, 1, group="First", order_in_group=2)
        .define(
            "in.first.group.1", ConfigType.INT, importance=Importance.LOW, group="First", order_in_group=1
        )
    )
    definition.define("late.but.first.group", ConfigType.INT, 1, group="First", order_in_group=0)
    order = [key.name for key in definition.sorted_configs()]
    assert order == [
        "y.required.low",
        "a.high",
        "b.high",
        "z.low",
        "in.later.group",
        "late.but.first.group",
        "in.first.group.1",
        "in.first.group.2",
    ]


def test_to_html_is_kafkas_table() -> None:
    definition = (
        ConfigDef()
        .define("tasks.max", ConfigType.INT, 1, Range.at_least(1), Importance.HIGH, "Max <code>tasks</code>")
        .define("hidden", ConfigType.STRING, "", internal=True)
    )
    assert definition.to_html() == (
        '<table class="data-table"><tbody>\n<tr>\n<th>Name</th>\n<th>Description</th>\n<th>Type</th>\n'
        "<th>Default</th>\n<th>Valid Values</th>\n<th>Importance</th>\n</tr>\n"
        "<tr>\n<td>tasks.max</td><td>Max <code>tasks</code></td><td>int</td><td>1</td><td>[1,...]</td>"
        "<td>high</td></tr>\n</tbody></table>"
    )


def test_to_html_list_has_anchors_and_details() -> None:
    definition = ConfigDef().define(
        "poll.ms",
        ConfigType.LONG,
        60000,
        importance=Importance.LOW,
        documentation="Poll\nevery",
        internal=False,
    )
    html = definition.to_html_list(header_depth=3, id_generator=lambda n: "cfg_" + n)
    assert '<h3><a id="poll.ms"></a><a id="cfg_poll.ms" href="#cfg_poll.ms">poll.ms</a></h3>' in html
    assert "<p>Poll<br>every</p>" in html
    assert "<tr><th>Default:</th><td>60000 (1 minute)</td></tr>" in html
    assert html.startswith('<ul class="config-list">\n')
    assert html.endswith("</ul>\n")


def test_to_markdown_sections() -> None:
    markdown = _grouped().to_markdown()
    assert markdown.index("### Group One") < markdown.index("### Group Two")
    assert markdown.index("#### `poor.opt`") < markdown.index("### Group One")
    section = markdown[markdown.index("#### `opt1.of.group1`") : markdown.index("#### `opt2.of.group1`")]
    assert section == (
        "#### `opt1.of.group1`\n\nDoc doc.\n\n* Type: string\n* Default: `a`\n"
        "* Valid Values: `[a, b, c]`\n* Importance: high\n\n"
    )
    assert "* Default: none (required)" in markdown
    assert "* Dependents: `some.option1`, `some.option2`" in markdown
    flat = ConfigDef().define("x", ConfigType.STRING, "").to_markdown(heading_level=2)
    assert flat == '## `x`\n\n* Type: string\n* Default: `""`\n* Importance: medium\n'


def test_internal_keys_are_left_out_of_every_format() -> None:
    definition = (
        ConfigDef()
        .define("public.key", ConfigType.INT, 1)
        .define("secret.internal", ConfigType.INT, 1, internal=True)
    )
    for text in (definition.to_rst(), definition.to_enriched_rst(), definition.to_html(),
                 definition.to_html_list(), definition.to_markdown()):  # fmt: skip
        assert "public.key" in text
        assert "secret.internal" not in text


def test_password_defaults_never_appear_in_docs() -> None:
    definition = ConfigDef().define("db.password", ConfigType.PASSWORD, SECRET, importance=Importance.HIGH)
    for text in (definition.to_rst(), definition.to_enriched_rst(), definition.to_html(),
                 definition.to_html_list(), definition.to_markdown()):  # fmt: skip
        assert "db.password" in text
        assert SECRET not in text
        assert "[hidden]" in text


@pytest.mark.parametrize(
    ("name", "default", "text"),
    [("a.ms", 0, "0"), ("a.ms", 999, "999"), ("a.ms", 1000, "1000 (1 second)"), ("a.ms", 1001, "1001"),
     ("a.ms", 2000, "2000 (2 seconds)"), ("a.ms", 120000, "120000 (2 minutes)"),
     ("a.ms", 3600000, "3600000 (1 hour)"), ("a.ms", 7 * 86400000, "604800000 (7 days)"),
     ("a.bytes", 1023, "1023"), ("a.bytes", 1024, "1024 (1 kibibyte)"),
     ("a.bytes", 2 * 1024**2, "2097152 (2 mebibytes)"), ("a.bytes", 1024**3, "1073741824 (1 gibibyte)"),
     ("a.bytes", 1024**5, "1125899906842624 (1024 tebibytes)"), ("other", 1024, "1024")],
)  # fmt: skip
def test_default_units_like_kafka(name: str, default: int, text: str) -> None:
    key = ConfigDef().define(name, ConfigType.LONG, default).config_keys[name]
    assert default_text(key) == text


def test_default_text_special_cases() -> None:
    definition = ConfigDef().define("empty", ConfigType.STRING, "").define("nothing", ConfigType.STRING, None)
    assert default_text(definition.config_keys["empty"]) == '""'
    assert default_text(definition.config_keys["nothing"]) == "null"
    assert default_text(ConfigDef().define("r", ConfigType.INT).config_keys["r"]) == ""


_NAMES = st.lists(
    st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,8}){0,2}", fullmatch=True), min_size=1, max_size=8, unique=True
)


@given(names=_NAMES, data=st.data())
def test_every_key_appears_in_every_format(names: list[str], data: st.DataObject) -> None:
    definition = ConfigDef()
    for name in names:
        definition.define(
            name,
            data.draw(st.sampled_from(list(ConfigType))),
            importance=data.draw(st.sampled_from(list(Importance))),
            documentation=f"About {name}.",
            group=data.draw(st.sampled_from([None, "G1", "G2"])),
        )
    for text in (definition.to_rst(), definition.to_enriched_rst(), definition.to_html(),
                 definition.to_html_list(), definition.to_markdown()):  # fmt: skip
        for name in names:
            assert name in text
            assert f"About {name}." in text
    markdown = definition.to_markdown()
    positions = [markdown.index(f"`{key.name}`\n") for key in definition.sorted_configs()]
    assert positions == sorted(positions)
