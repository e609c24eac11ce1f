"""schemathesis against a live ``distconnect worker`` process: every operation of
``/openapi.json`` is fuzzed with valid and invalid input (malformed JSON, wrong types, unknown
connectors, odd path segments). No answer may be a 5xx or fall outside the spec."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from distconnect.local.cluster import LocalCluster
from tests.integration.cluster.cluster_support import start_workers

#: What must hold for every answer. ``positive_data_acceptance`` is left out: a valid-looking
#: create with a made-up connector class is rightly refused (400), as in Apache's API.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
)
#: Fixed so a failure reproduces; schemathesis prints the failing request.
SEED = "20261207"


async def test_schemathesis_finds_nothing(cluster: LocalCluster, tmp_path: Path) -> None:
    (worker,) = await start_workers(cluster, 1)
    # The connector the spec's examples name, so operations on an existing connector get
    # exercised as well as 404s.
    source = tmp_path / "in.txt"
    source.write_text("x\n")
    config = {"connector.class": "FileStreamSource", "file": str(source), "topic": "openapi-fuzz"}
    status, body = await cluster.rest(
        "POST", "/connectors", {"name": "local-file-source", "config": config}, worker=worker
    )
    assert status == 201, body

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{worker.url}/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        "12",
        "--seed",
        SEED,
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "ndjson",
        "--report-dir",
        str(tmp_path / "report"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path,  # schemathesis keeps state in ./.schemathesis
    )
    out, _ = await asyncio.wait_for(process.communicate(), 600)
    text = out.decode(errors="replace")
    (tmp_path / "schemathesis.txt").write_text(text)
    print(text[-6000:])
    assert process.returncode == 0, text[-6000:]
    # schemathesis printing "no operations" would also exit 0: prove it tested them.
    status, spec = await cluster.rest("GET", "/openapi.json", worker=worker)
    assert status == 200
    operations = sorted(
        f"{method.upper()} {path}" for path, methods in spec["paths"].items() for method in methods
    )
    tested = re.search(r"Tested: (\d+)", text)
    assert tested is not None, text[-2000:]
    # schemathesis leaves out the operation that serves the spec it is reading.
    assert int(tested.group(1)) == len(operations) - 1, operations
    assert re.search(r"(\d+) generated, \1 passed", text), text[-2000:]
