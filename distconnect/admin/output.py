"""Rendering for the admin commands: aligned tables for people, JSON for scripts.

``-o json`` prints the REST API's own body (indented), so a script sees what ``curl`` would.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

import orjson


def print_json(body: Any, out: TextIO = sys.stdout) -> None:
    out.write(orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], out: TextIO = sys.stdout) -> None:
    """Columns padded to their widest cell; ``None`` shows as ``-``."""
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        out.write(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n"
        )


def print_mapping(values: Mapping[str, Any], out: TextIO = sys.stdout, indent: str = "") -> None:
    """``key = value`` lines in key order (a connector config)."""
    for key in sorted(values):
        out.write(f"{indent}{key} = {values[key]}\n")


def task_summary(tasks: Sequence[Mapping[str, Any]]) -> str:
    """``2 RUNNING, 1 FAILED`` for a status's tasks; ``-`` when there are none."""
    counts: dict[str, int] = {}
    for task in tasks:
        state = str(task.get("state", "UNKNOWN"))
        counts[state] = counts.get(state, 0) + 1
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "-"


def first_line(text: Any) -> str | None:
    """The first line of a stack trace (its exception and message)."""
    return None if not text else str(text).splitlines()[0][:160]


__all__ = ["first_line", "print_json", "print_mapping", "print_table", "task_summary"]
