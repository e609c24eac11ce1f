"""Figures of each scenario (records, lost, duplicated, seconds to recover) and the summary table.

Scenarios call :meth:`Results.record` with their drained :class:`Analysis`; the figures are printed
at once (``pytest -s`` shows them, and so does the report's captured output) and, at the end of
the session, written as a markdown table to ``system_tests/results/system-tests-<date>-<set>.md``
(``<set>`` is ``ci`` for the default subset, ``all`` for ``make system-test``). Rows of scenarios
not run again in a later session of the same day are kept.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from distconnect.connectors.verifiable.analysis import Analysis

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Figures:
    scenario: str
    records: int = 0
    lost: int = 0
    source_duplicates: int = 0
    sink_duplicates: int = 0
    recover_s: list[float] = field(default_factory=list)
    notes: str = ""
    outcome: str = "not finished"
    seconds: float = 0.0

    def line(self) -> str:
        recover = f"{max(self.recover_s):.1f} s max of {len(self.recover_s)}" if self.recover_s else "-"
        return (
            f"[{self.scenario}] records {self.records}, lost {self.lost}, duplicated "
            f"{self.source_duplicates} (source) / {self.sink_duplicates} (sink), "
            f"recover {recover}. {self.notes}"
        )


def counts(analysis: Analysis, tasks: range) -> tuple[int, int, int, int]:
    """(distinct committed records, lost, source duplicates, sink duplicates) over ``tasks``;
    lost counts committed seqnos missing, flushed seqnos missing and committed ones never flushed."""
    records = lost = src_dup = sink_dup = 0
    for task in tasks:
        r = analysis.report(task)
        if r.committed:
            records += r.max_committed + 1 - len(r.source_gaps)
        lost += len(r.source_gaps) + len(set(r.lost) | set(r.undelivered))
        src_dup += len(r.source_duplicates)
        sink_dup += len(r.sink_duplicates)
    return records, lost, src_dup, sink_dup


class Results:
    """Collects :class:`Figures` for one pytest session."""

    def __init__(self) -> None:
        self.figures: dict[str, Figures] = {}

    def get(self, scenario: str) -> Figures:
        return self.figures.setdefault(scenario, Figures(scenario))

    def record(
        self,
        scenario: str,
        analysis: Analysis | None,
        tasks: range = range(0),
        *,
        recover_s: list[float] | None = None,
        notes: str = "",
    ) -> Figures:
        figures = self.get(scenario)
        if analysis is not None:
            (figures.records, figures.lost, figures.source_duplicates, figures.sink_duplicates) = counts(
                analysis, tasks
            )
        figures.recover_s = list(recover_s or figures.recover_s)
        figures.notes = notes or figures.notes
        print(figures.line(), flush=True)
        return figures

    def write(self, selection: str) -> Path | None:
        if not self.figures:
            return None
        RESULTS_DIR.mkdir(exist_ok=True)
        today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
        path = RESULTS_DIR / f"system-tests-{today}-{selection}.md"
        lines = [
            f"# System tests ({today}, {selection})",
            "",
            f"- git: {_git()}; python {platform.python_version()}; {os.cpu_count()} cores; "
            f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
            "- records: distinct seqnos the VerifiableSource committed; lost: committed or flushed seqnos "
            "missing plus committed ones the sink never flushed (after draining); duplicated: seqnos "
            "committed (source) / flushed (sink) more than once; recover: seconds from the fault "
            "to every connector and task RUNNING on live workers (per fault, the worst shown).",
            "",
            "| scenario | result | time | records | lost | dup source | dup sink | recover | notes |",
            "|---|---|---:|---:|---:|---:|---:|---|---|",
        ]
        lines += _kept_rows(path, set(self.figures))
        for f in self.figures.values():
            recover = (
                f"{max(f.recover_s):.1f} s (max of {len(f.recover_s)}, mean "
                f"{sum(f.recover_s) / len(f.recover_s):.1f})"
                if f.recover_s
                else "-"
            )
            lines.append(
                f"| {f.scenario} | {f.outcome} | {f.seconds:.0f} s | {f.records:,} | {f.lost} | "
                f"{f.source_duplicates} | {f.sink_duplicates} | {recover} | {f.notes} |"
            )
        path.write_text("\n".join(lines) + "\n")
        return path


def _kept_rows(path: Path, replaced: set[str]) -> list[str]:
    """Rows of an earlier session of the same day and selection for scenarios not run again, so
    re-running one module updates its rows and keeps the others."""
    try:
        old = path.read_text().splitlines()
    except OSError:
        return []
    rows = [line for line in old if line.startswith("| ") and not line.startswith("| scenario ")]
    return [row for row in rows if row.split("|")[1].strip() not in replaced]


def _git() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}{' (uncommitted changes)' if dirty else ''}"
