"""Verifiable connectors: numbered records and an event log that proves no loss and counts duplicates."""

from distconnect.connectors.verifiable.sink import VerifiableSinkConnector, VerifiableSinkTask
from distconnect.connectors.verifiable.source import VerifiableSourceConnector, VerifiableSourceTask

__all__ = [
    "VerifiableSinkConnector",
    "VerifiableSinkTask",
    "VerifiableSourceConnector",
    "VerifiableSourceTask",
]
