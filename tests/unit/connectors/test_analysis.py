"""The Verifiable event-log analysis: parsing (ours and Apache's lines) and the ducktape checks."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.connectors.verifiable.analysis import Event, analyze, main, parse_events, parse_line


def line(kind: str, task: int, seqno: int, name: str = "src", **extra: Any) -> str:
    return json.dumps({"name": name, "task": task, "seqno": seqno, "event": kind, **extra})


def test_parses_apache_lines_by_their_flags() -> None:
    sent = {"name": "s", "task": 0, "topic": "t", "time_ms": 1, "seqno": 4}
    assert parse_line(json.dumps(sent)) == Event("s", "sent", 0, 4)
    assert parse_line(json.dumps({**sent, "committed": True})) == Event("s", "committed", 0, 4)
    received = {**sent, "sinkTask": 1, "offset": 9}
    assert parse_line(json.dumps(received)) == Event("s", "received", 0, 4)
    assert parse_line(json.dumps({**received, "flushed": True})) == Event("s", "flushed", 0, 4)


def test_skips_lines_that_are_not_events() -> None:
    lines = [
        "[2024] INFO starting",
        "",
        "[1, 2]",
        '{"task": 0}',
        '{"task": "0", "seqno": 1}',
        line("sent", 0, 0),
    ]
    events, skipped = parse_events(lines)
    assert events == [Event("src", "sent", 0, 0)]
    assert skipped == 4


def test_reports_gaps_losses_duplicates_and_a_sink_ahead() -> None:
    lines = [line("committed", 0, n) for n in (0, 1, 3, 3, 5)]
    lines += [line("flushed", 0, n, name="snk") for n in (0, 0, 2, 6)]
    lines += [line("received", 0, n, name="snk") for n in (0, 0, 2, 6)]
    lines += [line("committed", 0, 99, name="other-connector")]
    events, _ = parse_events(lines)
    report = analyze(events, source_name="src", sink_name="snk").report(0)
    assert (report.committed, report.flushed, report.received) == (5, 4, 4)
    assert (report.max_committed, report.max_flushed) == (5, 6)
    assert report.source_gaps == (2, 4)
    assert report.lost == (1, 3, 4, 5)
    assert report.undelivered == (1, 3, 5)
    assert report.source_duplicates == (3,)
    assert report.sink_duplicates == (0,)
    assert report.sink_ahead
    errors = report.errors()
    assert len(errors) == 5
    assert any("lost" in e for e in errors)
    assert len(report.errors(allow_duplicates=True)) == 3


def test_a_clean_run_passes_and_progress_is_checked() -> None:
    lines = [line(kind, 1, n) for n in range(10) for kind in ("sent", "committed", "received", "flushed")]
    result = analyze(parse_events(lines)[0])
    assert result.errors() == []
    assert result.errors(require_complete=True) == []
    assert result.errors(min_progress=1000) != []
    # A task with no events at all has maxima 0, which fails any progress threshold (ducktape).
    assert result.errors(tasks=[0, 1], min_progress=5) == [
        "task 0: too little progress: source max 0, sink max 0, wanted 5"
    ]


seqno_multisets = st.lists(st.integers(min_value=0, max_value=40), max_size=60)


@given(committed=seqno_multisets, flushed=seqno_multisets, sent=seqno_multisets)
def test_counts_match_set_arithmetic(committed: list[int], flushed: list[int], sent: list[int]) -> None:
    lines = [line("sent", 7, n) for n in sent]
    lines += [line("committed", 7, n) for n in committed]
    lines += [line("flushed", 7, n, name="snk") for n in flushed]
    report = analyze(parse_events(lines)[0], source_name="src", sink_name="snk").report(7)
    max_c, max_f = max(committed, default=0), max(flushed, default=0)
    assert (report.sent, report.committed, report.flushed, report.received) == (
        len(sent),
        len(committed),
        len(flushed),
        0,
    )
    assert (report.max_committed, report.max_flushed) == (max_c, max_f)
    assert set(report.source_gaps) == set(range(max_c)) - set(committed)
    assert set(report.lost) == set(range(max_f)) - set(flushed)
    assert set(report.undelivered) == set(committed) - set(flushed)
    assert set(report.source_duplicates) == {n for n, c in Counter(committed).items() if c > 1}
    assert set(report.sink_duplicates) == {n for n, c in Counter(flushed).items() if c > 1}
    assert report.sink_ahead == (max_f > max_c)
    assert list(report.lost) == sorted(report.lost)


@pytest.mark.parametrize(("flushed", "code"), [(range(5), 0), ([0, 1, 3, 4], 1)])
def test_cli_exit_code_reflects_the_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flushed: Any, code: int
) -> None:
    worker_a, worker_b = tmp_path / "a.log", tmp_path / "b.log"
    worker_a.write_text("\n".join(line("committed", 0, n) for n in range(5)) + "\nnot json\n")
    worker_b.write_text("\n".join(line("flushed", 0, n, name="snk") for n in flushed) + "\n")
    args = [str(worker_a), str(worker_b), "--source-name", "src", "--sink-name", "snk", "--tasks", "1"]
    assert main(args) == code
    summary = json.loads(capsys.readouterr().out)
    assert summary["skipped_lines"] == 1
    assert bool(summary["errors"]) == bool(code)
