"""Converter throughput on a 10-field record: JSON schemaless, JSON with schema, Avro.

Measures records/s for serialisation (``from_connect_data``) and deserialisation
(``to_connect_data``) in one thread, best of several rounds. The Avro converter talks to an
in-memory registry: registry I/O happens once per schema in the async ``prepare_*`` hooks, so it
does not belong in a per-record figure (the interop tests cover the real registry).

Run: ``.venv/bin/python bench/bench_converters.py [--records 50000] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from distconnect import __version__
from distconnect.api.data import (
    BOOLEAN_SCHEMA,
    BYTES_SCHEMA,
    FLOAT64_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
)
from distconnect.api.logical import Timestamp
from distconnect.api.struct import Struct
from distconnect.converters.avro import AvroConverter
from distconnect.converters.json import JsonConverter
from distconnect.converters.schema_registry import RegisteredSchema, SchemaRegistryClient

TOPIC = "bench"
RESULTS = Path(__file__).resolve().parent / "results"


class InMemoryRegistry(SchemaRegistryClient):
    def __init__(self) -> None:
        super().__init__(["http://in-memory.invalid"])
        self._ids: dict[str, int] = {}
        self._by_id: dict[int, str] = {}

    async def register(self, subject: str, schema: str) -> int:
        schema_id = self._ids.setdefault(schema, len(self._ids) + 1)
        self._by_id[schema_id] = schema
        return schema_id

    async def get_id(self, subject: str, schema: str) -> int:
        return await self.register(subject, schema)

    async def lookup(self, subject: str, schema: str) -> RegisteredSchema:
        schema_id = await self.register(subject, schema)
        return RegisteredSchema(subject, schema_id, 1, schema)

    async def latest(self, subject: str) -> RegisteredSchema:
        schema_id = max(self._by_id)
        return RegisteredSchema(subject, schema_id, 1, self._by_id[schema_id])

    async def schema_by_id(self, schema_id: int) -> str:
        return self._by_id[schema_id]


def ten_field_schema() -> Schema:
    return (
        SchemaBuilder.struct()
        .name("bench.Order")
        .field("id", INT64_SCHEMA)
        .field("customer", STRING_SCHEMA)
        .field("quantity", INT32_SCHEMA)
        .field("price", FLOAT64_SCHEMA)
        .field("paid", BOOLEAN_SCHEMA)
        .field("note", OPTIONAL_STRING_SCHEMA)
        .field("sku", STRING_SCHEMA)
        .field("created", Timestamp.SCHEMA)
        .field("digest", BYTES_SCHEMA)
        .field("region", STRING_SCHEMA)
        .build()
    )


def make_values(schema: Schema, count: int) -> tuple[list[Struct], list[dict[str, Any]]]:
    base = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.UTC)
    structs, dicts = [], []
    for i in range(count):
        fields: dict[str, Any] = {
            "id": i,
            "customer": f"customer-{i % 997:04d}",
            "quantity": i % 50,
            "price": 9.99 + i % 100,
            "paid": i % 2 == 0,
            "note": None if i % 3 else "gift wrap",
            "sku": f"SKU-{i % 5000:05d}",
            "created": base + datetime.timedelta(milliseconds=i),
            "digest": i.to_bytes(8, "big") * 2,
            "region": ("eu-west", "us-east", "ap-south")[i % 3],
        }
        struct = Struct(schema)
        for name, value in fields.items():
            struct.put(name, value)
        structs.append(struct)
        dicts.append({**fields, "created": i, "digest": fields["digest"].hex()})
    return structs, dicts


def best_rate(fn: Callable[[], int], rounds: int) -> float:
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        count = fn()
        rates.append(count / (time.perf_counter() - start))
    return max(rates)


def measure(
    name: str, converter: Any, schema: Schema | None, values: list[Any], rounds: int
) -> tuple[str, float, float, int]:
    encoded = [converter.from_connect_data(TOPIC, schema, v) for v in values]

    def serialise() -> int:
        for value in values:
            converter.from_connect_data(TOPIC, schema, value)
        return len(values)

    def deserialise() -> int:
        for data in encoded:
            converter.to_connect_data(TOPIC, data)
        return len(encoded)

    size = sum(len(e) for e in encoded) // len(encoded)
    return name, best_rate(serialise, rounds), best_rate(deserialise, rounds), size


async def run(records: int, rounds: int) -> list[tuple[str, float, float, int]]:
    schema = ten_field_schema()
    structs, dicts = make_values(schema, records)
    schemaless = JsonConverter()
    schemaless.configure({"schemas.enable": "false"}, False)
    with_schema = JsonConverter()
    with_schema.configure({"schemas.enable": "true"}, False)
    avro = AvroConverter(InMemoryRegistry())
    avro.configure({"schema.registry.url": "http://in-memory.invalid"}, False)
    await avro.prepare_from_connect(TOPIC, [schema])
    probe = avro.from_connect_data(TOPIC, schema, structs[0])
    await avro.prepare_to_connect(TOPIC, [probe])
    results = [
        measure("JSON, schemaless (schemas.enable=false)", schemaless, None, dicts, rounds),
        measure("JSON with schema envelope", with_schema, schema, structs, rounds),
        measure("Avro (Confluent wire format)", avro, schema, structs, rounds),
    ]
    await avro.aclose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="converter throughput on a 10-field record")
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results = asyncio.run(run(args.records, args.rounds))
    lines = [
        f"distconnect {__version__}, Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, {args.records} records x {args.rounds} rounds, one thread, best round",
        "",
        "| converter | serialise records/s | deserialise records/s | bytes/record |",
        "|---|---:|---:|---:|",
        *(f"| {name} | {out:,.0f} | {inp:,.0f} | {size} |" for name, out, inp, size in results),
    ]
    print("\n".join(lines))
    saved = RESULTS / f"converters-{datetime.date.today().isoformat()}.md"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text("# Converter throughput\n\n" + "\n".join(lines) + "\n")
    print(f"saved {saved}")


if __name__ == "__main__":
    main()
