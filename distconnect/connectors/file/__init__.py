"""FileStream connectors: lines of a file to a topic, and records of topics to lines of a file."""

from distconnect.connectors.file.sink import FileStreamSinkConnector, FileStreamSinkTask
from distconnect.connectors.file.source import FileStreamSourceConnector, FileStreamSourceTask

__all__ = [
    "FileStreamSinkConnector",
    "FileStreamSinkTask",
    "FileStreamSourceConnector",
    "FileStreamSourceTask",
]
