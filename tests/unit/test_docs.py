"""The generated parts of the docs match the code they are generated from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generated_config_references_are_fresh() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, f"run `python docs/generate.py`:\n{result.stdout}{result.stderr}"


def test_every_bundled_connector_has_a_generated_reference() -> None:
    text = "".join(p.read_text() for p in (ROOT / "docs").rglob("*.md"))
    for name in (
        "FileStreamSourceConnector",
        "FileStreamSinkConnector",
        "VerifiableSourceConnector",
        "VerifiableSinkConnector",
        "DatagenSourceConnector",
    ):
        assert "config:begin:distconnect.connectors." in text
        assert f".{name} -->" in text, name
