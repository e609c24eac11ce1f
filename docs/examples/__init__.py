"""Runnable examples for docs/connector-authors.md (importable as ``examples`` with docs/ on PYTHONPATH)."""
