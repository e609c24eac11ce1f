"""DropHeaders: remove every header whose key is in ``headers``. Port of Kafka's ``DropHeaders``.

Lifecycle: ``configure`` once, then ``apply`` per record; stateless apart from configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from distconnect.api.config import ConfigDef, ConfigType, Importance
from distconnect.api.headers import Headers
from distconnect.api.plugins import Transformation
from distconnect.transforms.util import NonEmptyList, R

HEADERS = "headers"

OVERVIEW_DOC = "Removes one or more headers from each record."

CONFIG_DEF = ConfigDef().define(
    HEADERS,
    ConfigType.LIST,
    validator=NonEmptyList(),
    importance=Importance.HIGH,
    documentation="The name of the headers to be removed.",
)


class DropHeaders(Transformation[R]):
    """Drop the configured headers (every occurrence of each key), keeping the others in order."""

    def __init__(self) -> None:
        self._headers: frozenset[str] = frozenset()

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        self._headers = frozenset(CONFIG_DEF.parse(configs)[HEADERS])

    def apply(self, record: R) -> R:
        kept = Headers(header for header in record.headers if header.key not in self._headers)
        return record.new_record(headers=kept)


__all__ = ["CONFIG_DEF", "OVERVIEW_DOC", "DropHeaders"]
