"""Datagen source connector: synthetic records at a chosen rate, size and shape, for benchmarks."""

from distconnect.connectors.datagen.source import DatagenSourceConnector, DatagenSourceTask

__all__ = ["DatagenSourceConnector", "DatagenSourceTask"]
