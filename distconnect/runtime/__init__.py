"""One worker process, independent of cluster mode (the worker runtime issue fills this in)."""
