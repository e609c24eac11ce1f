"""Errors of the local development services (broker, registry) the CLI starts."""

from __future__ import annotations


class LocalServiceError(Exception):
    """A local service could not be prepared, started or stopped.

    The message is one line that says what is missing or wrong and how to fix it; the CLI prints
    it as is and exits non-zero.
    """
