"""Misbehaving connectors for the system tests (loaded by dotted class name in the workers).

The workers find this module because they run with the repository as their working directory
(``python -m distconnect worker``), so ``system_tests.plugins.X`` is importable there.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from distconnect.connectors.verifiable import VerifiableSourceConnector

#: Set by nothing: ``start`` waits on it forever (Apache's BlockingConnectorTest blocks likewise).
_NEVER = threading.Event()


class BlockingStartSourceConnector(VerifiableSourceConnector):
    """A source connector whose ``start`` never returns."""

    def start(self, props: Mapping[str, str]) -> None:
        _NEVER.wait()
