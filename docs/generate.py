"""Regenerate the config reference blocks in the docs from the plugins' ConfigDefs.

Every ``<!-- config:begin:<module>.<Class> -->`` … ``<!-- config:end -->`` block in ``docs/**/*.md``
is replaced by ``<Class>().config().to_markdown()``, so the reference can never drift from the
code. ``python docs/generate.py`` rewrites the files; ``--check`` only reports stale ones and
exits 1 (the test suite runs that).
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
BLOCK = re.compile(r"(<!-- config:begin:([\w.]+) -->\n).*?(<!-- config:end -->)", re.S)


def _render(match: re.Match[str]) -> str:
    module, _, name = match.group(2).rpartition(".")
    plugin = getattr(importlib.import_module(module), name)()
    return f"{match.group(1)}\n{plugin.config().to_markdown(heading_level=4)}\n{match.group(3)}"


def stale_files(write: bool) -> list[Path]:
    stale = []
    for path in sorted(DOCS.rglob("*.md")):
        text = path.read_text()
        new = BLOCK.sub(_render, text)
        if new != text:
            stale.append(path)
            if write:
                path.write_text(new)
    return stale


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = stale_files(write=not check)
    for path in stale:
        print(f"{'stale' if check else 'updated'}: {path.relative_to(DOCS.parent)}")
    return 1 if stale and check else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
