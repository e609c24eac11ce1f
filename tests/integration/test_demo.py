"""``make demo``'s flow on the session broker: 3 worker processes, the pipeline, a SIGKILL failover
and a clean SIGTERM stop (``distconnect.demo.run_demo``; ``main`` only adds starting the broker).

The session timeout is the broker's minimum (6 s) instead of Apache's 10 s to keep the test short.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from distconnect.demo import run_demo

pytestmark = pytest.mark.kafka


async def test_demo_runs_a_pipeline_on_three_workers_and_survives_a_kill(
    kafka_bootstrap: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "demo"
    code = await run_demo(kafka_bootstrap, work, lines=2000, session_timeout_ms=6000)
    out = capsys.readouterr().out
    assert code == 0, out

    # Three REST URLs, and a table row per worker naming what it runs.
    urls = re.findall(r"worker \d: REST (http://127\.0\.0\.1:\d+)", out)
    assert len(urls) == 3, out
    assert "All 11 connectors and tasks RUNNING" in out
    for url in urls:
        assert re.search(rf"^  \d[^\n]*{re.escape(url)}  \S", out, re.M), f"no table row for {url}:\n{out}"

    # The failover moved the killed worker's work to the two others, then the pipeline still copied.
    assert re.search(r"All 11 connectors and tasks RUNNING on the survivors [\d.]+ s after the kill", out), (
        out
    )
    assert re.search(r"\(SIGKILL\)", out), out
    assert "output.txt is identical to the input." in out
    assert (work / "output.txt").read_bytes() == (work / "input.txt").read_bytes()
    assert len((work / "input.txt").read_text().splitlines()) == 2200

    # The two survivors stopped with SIGTERM and exit code 0.
    assert len(re.findall(r"worker \d: exit code 0 after", out)) == 2, out
