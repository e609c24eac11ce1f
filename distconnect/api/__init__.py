"""The public connector developer API: the only part of distconnect that plugins import.

Everything a connector, converter, transformation or predicate author needs is importable from
here (``from distconnect.api import SourceConnector, SourceTask, ConfigDef, SchemaBuilder``); the
sub-modules hold the same names and their documentation. This package imports nothing else from
distconnect, which an import-contract test enforces.
"""

from distconnect.api.config import (
    NO_DEFAULT,
    AbstractConfig,
    CaseInsensitiveValidString,
    CompositeValidator,
    ConfigDef,
    ConfigType,
    ConfigValue,
    Importance,
    NonEmptyString,
    NonNullValidator,
    Password,
    Range,
    Recommender,
    ValidList,
    ValidString,
    Width,
)
from distconnect.api.connector import Connector, SinkConnector, SourceConnector
from distconnect.api.context import (
    ConnectorContext,
    ErrantRecordReporter,
    OffsetStorageReader,
    SinkTaskContext,
    SourceTaskContext,
)
from distconnect.api.data import Field, Schema, SchemaAndValue, SchemaBuilder, Type
from distconnect.api.errors import (
    AlreadyExistsError,
    ConfigError,
    ConnectError,
    DataError,
    IllegalWorkerStateError,
    NotFoundError,
    RetriableError,
    SchemaBuilderError,
    SchemaProjectorError,
)
from distconnect.api.headers import Header, Headers
from distconnect.api.logical import Date, Decimal, Time, Timestamp
from distconnect.api.plugins import Converter, HeaderConverter, Predicate, Transformation
from distconnect.api.projector import SchemaProjector
from distconnect.api.records import (
    ConnectRecord,
    FrozenMapping,
    OffsetAndMetadata,
    RecordMetadata,
    SinkRecord,
    SourceRecord,
    TimestampType,
    TopicPartition,
)
from distconnect.api.struct import Struct
from distconnect.api.task import SinkTask, SourceTask, Task
from distconnect.api.values import Values

__all__ = [
    "NO_DEFAULT",
    "AbstractConfig",
    "AlreadyExistsError",
    "CaseInsensitiveValidString",
    "CompositeValidator",
    "ConfigDef",
    "ConfigError",
    "ConfigType",
    "ConfigValue",
    "ConnectError",
    "ConnectRecord",
    "Connector",
    "ConnectorContext",
    "Converter",
    "DataError",
    "Date",
    "Decimal",
    "ErrantRecordReporter",
    "Field",
    "FrozenMapping",
    "Header",
    "HeaderConverter",
    "Headers",
    "IllegalWorkerStateError",
    "Importance",
    "NonEmptyString",
    "NonNullValidator",
    "NotFoundError",
    "OffsetAndMetadata",
    "OffsetStorageReader",
    "Password",
    "Predicate",
    "Range",
    "Recommender",
    "RecordMetadata",
    "RetriableError",
    "Schema",
    "SchemaAndValue",
    "SchemaBuilder",
    "SchemaBuilderError",
    "SchemaProjector",
    "SchemaProjectorError",
    "SinkConnector",
    "SinkRecord",
    "SinkTask",
    "SinkTaskContext",
    "SourceConnector",
    "SourceRecord",
    "SourceTask",
    "SourceTaskContext",
    "Struct",
    "Task",
    "Time",
    "Timestamp",
    "TimestampType",
    "TopicPartition",
    "Transformation",
    "Type",
    "ValidList",
    "ValidString",
    "Values",
    "Width",
]
