"""distconnect's JsonConverter against Apache Kafka's own, byte for byte, both ways.

Every case runs through Apache Kafka 4.3's JsonConverter in one JVM (see ``json_probe.py``) and
through distconnect: ``fromConnectData`` bytes must be identical, and the bytes read back by
``toConnectData`` must give the same schema and value on both sides. Cases are hand-picked edge
cases, hand-written JSON, and hypothesis-generated schemas and values, each under several
converter configurations. The few places where distconnect deliberately differs (it rejects
mistyped payloads Java silently coerces, keeps NaN/Infinity, aligns NUMERIC decimal scales) are
asserted explicitly.
"""

from __future__ import annotations

import datetime
import decimal
import math
from typing import Any

import pytest
from connect_strategies import schemas_and_values
from hypothesis import HealthCheck, Phase, given, settings
from json_probe import Probe, compare_to, compile_probe, converter, py_to, run_round_trips, to_case

from distconnect.api.data import Schema, SchemaBuilder
from distconnect.api.logical import Date, Decimal, Time, Timestamp
from distconnect.api.struct import Struct

pytestmark = pytest.mark.java

CONFIGS: list[dict[str, str]] = [
    {},
    {"schemas.enable": "false"},
    {"decimal.format": "NUMERIC"},
    {"replace.null.with.default": "false"},
]


@pytest.fixture(scope="session")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Probe:
    compiled = compile_probe(tmp_path_factory.mktemp("json-probe"))
    if compiled is None:
        pytest.skip("needs a JDK 17+ (java and javac) and Maven")
    return compiled


# -- hand-picked cases -------------------------------------------------------------------------------

S = SchemaBuilder
FLOATS = [
    0.0,
    -0.0,
    1.0,
    -1.5,
    0.1,
    100.0,
    1e7,
    9999999.0,
    12345678.0,
    0.001,
    0.00099,
    1e-5,
    1e20,
    1e21,
    1e22,
]
FLOATS += [
    1e23,
    2e23,
    1.7976931348623157e308,
    5e-324,
    2.2250738585072014e-308,
    2.0**-44,
    2.0**62,
    123.456e-300,
]
FLOATS += [
    math.nan,
    math.inf,
    -math.inf,
    3.4028234663852886e38,
    1.401298464324817e-45,
    16777216.0,
    1.1754943508e-38,
]
STRINGS = ["", "plain", "quote \" back \\ slash / <>&'", "\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f", "é中文ß"]
STRINGS += ["😀 𝄞 emoji", "\u2028\u2029", "\\u001f literal", "\\\x1f", "\U0010ffff"]
UTC = datetime.UTC


def _struct_schema() -> Schema:
    inner = S.struct().name("com.example.Inner").field("x", S.int16().build()).build()
    return (
        S.struct()
        .name("com.example.Outer")
        .version(3)
        .doc("an outer 😀 struct")
        .parameter("b", "2")
        .parameter("a", "1")
        .field("id", S.int64().build())
        .field("name", S.string().optional().build())
        .field("count", S.int32().default(7).build())
        .field("opt_default", S.string().optional().default("dflt").build())
        .field("inner", inner)
        .field("tags", S.array(S.string().build()).optional().build())
        .field("ünïcödé 😀", S.boolean().optional().build())
        .build()
    )


def hand_cases() -> list[tuple[str, Schema | None, Any]]:
    cases: list[tuple[str, Schema | None, Any]] = []
    for t, values in [
        (S.int8(), [0, -128, 127]),
        (S.int16(), [-32768, 32767]),
        (S.int32(), [-(2**31), 2**31 - 1, 42]),
        (S.int64(), [-(2**63), 2**63 - 1]),
        (S.boolean(), [True, False]),
        (S.bytes_(), [b"", b"\x00\xff\x10", bytes(range(256))]),
    ]:
        schema = t.build()
        cases += [(f"{schema.type.name} {v!r:.40}", schema, v) for v in values]
    for f in FLOATS:
        cases.append((f"FLOAT64 {f!r}", S.float64().build(), f))
        if not math.isfinite(f) or abs(f) <= 3.4028234663852886e38:
            cases.append((f"FLOAT32 {f!r}", S.float32().build(), f))
    cases += [(f"STRING {s!r}", S.string().build(), s) for s in STRINGS]
    optional = S.int32().optional().build()
    with_default = S.int32().optional().default(-5).build()
    required_default = S.string().default("d").build()
    cases += [
        ("optional null", optional, None),
        ("optional default null", with_default, None),
        ("required default null", required_default, None),
        ("required null", S.int32().build(), None),
        ("mismatched type", S.int32().build(), "x"),
        ("tombstone", None, None),
        ("metadata", S.string().name("n").version(1).doc("d\x1f😀").parameter("k", "v").build(), "s"),
        ("float default", S.float32().default(1.0e10).build(), 1.5),
        ("double default", S.float64().default(1.0e-10).build(), 2.5),
        ("bytes default", S.bytes_().default(b"\x01\x02").build(), b"x"),
    ]
    array = S.array(S.string().optional().build()).build()
    cases += [("array", array, ["a", None, "😀"]), ("empty array", array, [])]
    nested = S.array(S.array(S.int64().build()).build()).default([[1, 2], []]).build()
    optional_nested = S.array(S.array(S.int64().build()).build()).optional().default([[1, 2], []]).build()
    cases += [("nested array", nested, [[3], [], [4, 5]]), ("nested array default", optional_nested, None)]
    string_map = S.map(S.string().build(), S.float64().optional().build()).build()
    cases.append(("string map", string_map, {"a": 1.0, "😀 key": None, "": 1e30, "\x1f": -0.0}))
    null_key_map = S.map(S.string().optional().build(), S.int32().build()).build()
    cases.append(("null string key", null_key_map, {None: 1, "x": 2}))
    int_map = S.map(S.int32().build(), S.string().build()).build()
    cases.append(("int-keyed map", int_map, {1: "one", -2: "minus two"}))
    bytes_map = S.map(S.bytes_().build(), S.bytes_().optional().build()).build()
    cases.append(("bytes-keyed map", bytes_map, {b"k": b"v", b"": None}))
    key_struct = S.struct().field("k", S.int8().build()).build()
    struct_key_map = S.map(key_struct, S.boolean().build()).build()
    cases.append(("struct-keyed map", struct_key_map, {Struct(key_struct).put("k", 1): True}))
    outer = _struct_schema()
    inner = outer.field("inner").schema  # type: ignore[union-attr]
    full = Struct(outer).put("id", 1).put("name", "n").put("count", 3).put("inner", Struct(inner).put("x", 2))
    full.put("tags", ["t"]).put("ünïcödé 😀", True).put("opt_default", "set")
    sparse = Struct(outer).put("id", -1).put("inner", Struct(inner).put("x", 0))
    cases += [
        ("struct", outer, full),
        ("sparse struct", outer, sparse),
        ("struct wrong type", outer, {"id": 1}),
    ]
    for scale in (0, 2, -2, 10):
        schema = Decimal.schema(scale)
        for text in (
            "0",
            "1",
            "-1",
            "123456789012345678901234567890",
            "-98765",
            "127",
            "128",
            "-128",
            "-129",
        ):
            value = decimal.Decimal(f"{text}E{-scale}")
            cases.append((f"decimal scale {scale} {value}", schema, value))
    cases.append(("decimal wrong scale", Decimal.schema(2), decimal.Decimal("1.5")))
    cases.append(
        (
            "optional decimal default",
            Decimal.builder(3).optional().default(decimal.Decimal("1.250")).build(),
            None,
        )
    )
    cases += [
        ("date epoch", Date.SCHEMA, datetime.date(1970, 1, 1)),
        ("date past", Date.SCHEMA, datetime.date(1, 1, 1)),
        ("date future", Date.SCHEMA, datetime.date(9999, 12, 31)),
        ("time midnight", Time.SCHEMA, datetime.time(0, 0)),
        ("time max", Time.SCHEMA, datetime.time(23, 59, 59, 999000)),
        ("timestamp epoch", Timestamp.SCHEMA, datetime.datetime(1970, 1, 1, tzinfo=UTC)),
        ("timestamp negative", Timestamp.SCHEMA, datetime.datetime(1901, 2, 3, 4, 5, 6, 7000, tzinfo=UTC)),
        ("timestamp late", Timestamp.SCHEMA, datetime.datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)),
        (
            "optional date default",
            Date.builder().optional().default(datetime.date(2000, 2, 29)).build(),
            None,
        ),
    ]
    cases += [
        ("schemaless int", None, 12),
        ("schemaless float", None, 1e-7),
        ("schemaless string", None, "x😀"),
        ("schemaless bool", None, False),
        ("schemaless bytes", None, b"\x00\x01"),
        ("schemaless list", None, [1, "a", None, 2.5, [True]]),
        ("schemaless map", None, {"a": 1, "b": {"c": [None]}}),
        ("schemaless int-keyed map", None, {1: "a", 2: None}),
        ("schemaless mixed keys", None, {"a": 1, 2: 3}),
    ]
    return cases


def test_hand_picked_cases_match_java_both_ways(probe: Probe) -> None:
    cases = [
        (f"{label} {config}", config, schema, value)
        for label, schema, value in hand_cases()
        for config in CONFIGS
    ]
    cases += [(f"{label} numeric", {"decimal.format": "numeric"}, s, v) for label, s, v in hand_cases()[-30:]]
    count = run_round_trips(probe, cases)
    assert count > 800


# -- hand-written JSON read by both ------------------------------------------------------------------

DECIMAL2 = '{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}'
STRUCT = (
    '{"type":"struct","fields":[{"type":"int32","field":"a","optional":true},'
    '{"type":"string","field":"b","default":"dflt"},{"type":"double","field":"c","optional":true,"default":1.5}]}'
)
# Read the same (value, or failure) by Java and distconnect.
AGREED_INPUTS = [
    '{"payload": 5 , "schema": {"optional": true, "type": "int32"}}',
    '{"schema":{"type":"int64"},"payload":007}',
    '{"schema":{"type":"double"},"payload":-00.5}',
    '{"schema":{"type":"float"},"payload":3}',
    '{"schema":{"type":"double"},"payload":1e400}',
    '{"schema":{"type":"double"},"payload":-0.0}',
    '{"schema":{"type":"float"},"payload":3.4028236e38}',
    '{"schema":{"type":"float"},"payload":1e-50}',
    '{"schema":{"type":"double"},"payload":0.1000000000000000055511151231257827}',
    '{"schema":{"type":"int32"},"payload":2.0}',
    f'{{"schema":{DECIMAL2},"payload":12.34}}',
    f'{{"schema":{DECIMAL2},"payload":"BNI="}}',
    f'{{"schema":{DECIMAL2},"payload":-0.00}}',
    f'{{"schema":{DECIMAL2},"payload":123456789012345678901234567890.12}}',
    f'{{"schema":{DECIMAL2},"payload":true}}',
    f'{{"schema":{DECIMAL2},"payload":"not base64!"}}',
    '{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Date"},"payload":-719162}',
    '{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Date"},"payload":1.5}',
    '{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Time"},"payload":3600000}',
    '{"schema":{"type":"int64","name":"org.apache.kafka.connect.data.Timestamp"},"payload":-1}',
    '{"schema":{"type":"int64","name":"org.apache.kafka.connect.data.Timestamp"},"payload":"x"}',
    f'{{"schema":{STRUCT},"payload":{{"a":1,"extra":[1,2]}}}}',
    f'{{"schema":{STRUCT},"payload":{{"b":null,"c":null}}}}',
    f'{{"schema":{STRUCT},"payload":[]}}',
    '{"schema":{"type":"map","keys":{"type":"string"},"values":{"type":"int8"}},"payload":{"x":1,"y":-2}}',
    '{"schema":{"type":"map","keys":{"type":"int16"},"values":{"type":"boolean"}},"payload":[[1,true],[2,false]]}',
    '{"schema":{"type":"map","keys":{"type":"int16"},"values":{"type":"boolean"}},"payload":{"1":true}}',
    '{"schema":{"type":"map","keys":{"type":"int16"},"values":{"type":"boolean"}},"payload":[[1]]}',
    '{"schema":{"type":"map","keys":{"type":"int16"},"values":{"type":"boolean"}},"payload":[1]}',
    '{"schema":{"type":"map","keys":{"type":"string"},"values":{"type":"int8"}},"payload":[]}',
    '{"schema":{"type":"array","items":{"type":"string","optional":true}},"payload":["a",null]}',
    '{"schema":{"type":"array","items":{"type":"string"}},"payload":["a",null]}',
    '{"schema":{"type":"array"},"payload":[]}',
    '{"schema":{"type":"map","keys":{"type":"string"}},"payload":{}}',
    '{"schema":{"type":"struct","fields":{}},"payload":{}}',
    '{"schema":{"type":"struct","fields":[{"type":"int8"}]},"payload":{}}',
    '{"schema":{"type":"struct","fields":[{"type":"int8","field":"a"},{"type":"int8","field":"a"}]},"payload":{}}',
    '{"schema":{"type":"int8","optional":"true","version":"2","name":5,"doc":false},"payload":1}',
    '{"schema":{"type":"int8","version":3,"name":"n","doc":"d","parameters":{"p":"1","q":"2"}},"payload":1}',
    '{"schema":{"type":"int8","parameters":{"p":1}},"payload":1}',
    '{"schema":{"type":"int8","parameters":[]},"payload":1}',
    '{"schema":{"type":"int8","default":null},"payload":1}',
    '{"schema":{"type":"int8","optional":true,"default":null},"payload":null}',
    '{"schema":{"type":"int8","optional":true,"default":4},"payload":null}',
    '{"schema":{"type":"int8"},"payload":null}',
    '{"schema":{"type":"bytes"},"payload":"YWJj"}',
    '{"schema":{"type":"bytes"},"payload":"YWJ"}',
    '{"schema":{"type":"string"},"payload":"\\u00e9\\ud83d\\ude00\\n"}',
    '{"schema":{"type":"nope"},"payload":1}',
    '{"schema":{},"payload":1}',
    '{"schema":"int8","payload":1}',
    '{"schema":null,"payload":{"a":[1,2.5,"x",null,{"b":-0.0}]}}',
    '{"schema":null,"payload":null}',
    '{"schema":{"type":"int8"}}',
    '{"schema":{"type":"int8"},"payload":1,"extra":2}',
    "[1, 2]",
    "{",
    "",
    "   ",
    "null",
]
SCHEMALESS_INPUTS = [
    '{"a": [1, -2.5e-3, "x", true, null]}',
    "12345678901234",
    "-0.0",
    "1E+2",
    '"s"',
    "",
    "[",
    "007",
]


def test_hand_written_json_is_read_like_java(probe: Probe) -> None:
    cases = [({}, text) for text in AGREED_INPUTS] + [({"decimal.format": "NUMERIC"}, AGREED_INPUTS[10])]
    cases += [({"replace.null.with.default": "false"}, text) for text in AGREED_INPUTS if "default" in text]
    cases += [({"schemas.enable": "false"}, text) for text in SCHEMALESS_INPUTS]
    java = probe.run([to_case(config, text.encode()) for config, text in cases])
    failures = []
    for (config, text), java_result in zip(cases, java, strict=True):
        problem = compare_to(f"{text!r} {config}", java_result, py_to(config, text.encode()))
        if problem:
            failures.append(problem)
    assert not failures, "\n".join(failures)


# Where distconnect deliberately differs from Java: Java coerces silently, distconnect reports.
COERCED_BY_JAVA = [
    ('{"schema":{"type":"int32"},"payload":"abc"}', "Expected an integral JSON number for INT32"),
    ('{"schema":{"type":"int32"},"payload":99999999999}', "out of range for INT32"),
    ('{"schema":{"type":"int8"},"payload":300}', "out of range for INT8"),
    ('{"schema":{"type":"int32"},"payload":1.7}', "Expected an integral JSON number for INT32"),
    ('{"schema":{"type":"boolean"},"payload":5}', "Expected a JSON boolean for BOOLEAN"),
    ('{"schema":{"type":"string"},"payload":5}', "Expected a JSON string for STRING"),
    ('{"schema":{"type":"double"},"payload":"1.5"}', "Expected a JSON number for FLOAT64"),
    ('{"schema":{"type":"array","items":{"type":"int8"}},"payload":{"a":1}}', "Arrays should be encoded"),
    ('{"schema":null,"payload":1} trailing', "serialization error"),
]


def test_java_coerces_what_distconnect_rejects(probe: Probe) -> None:
    java = probe.run([to_case({}, text.encode()) for text, _ in COERCED_BY_JAVA])
    for (text, message), java_result in zip(COERCED_BY_JAVA, java, strict=True):
        assert java_result["ok"], (text, java_result)
        ours = py_to({}, text.encode())
        assert not ours["ok"], text
        assert message in ours["error"], (text, ours["error"])


def test_non_finite_floats_are_strings_that_java_reads_as_zero(probe: Probe) -> None:
    texts = [
        f'{{"schema":{{"type":"{t}"}},"payload":"{v}"}}'
        for t in ("float", "double")
        for v in ("NaN", "-Infinity")
    ]
    java = probe.run([to_case({}, text.encode()) for text in texts])
    for text, java_result in zip(texts, java, strict=True):
        assert int(java_result["value"]["v"]) == 0, text
        ours = converter({}).to_connect_data("t", text.encode()).value
        assert not math.isfinite(ours), text


# -- hypothesis-generated schemas and values ---------------------------------------------------------


def test_generated_schemas_and_values_match_java_both_ways(probe: Probe) -> None:
    examples: list[tuple[Schema, Any]] = []

    @settings(
        max_examples=250,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(schemas_and_values(finite=True))
    def collect(example: tuple[Schema, Any]) -> None:
        examples.append(example)

    collect()
    cases = [(f"#{i} {config}", config, s, v) for i, (s, v) in enumerate(examples) for config in CONFIGS]
    assert run_round_trips(probe, cases) >= 1500
