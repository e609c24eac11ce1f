"""Filter: drop every record. Port of Kafka's ``Filter``.

On its own it discards the whole stream; it is meant to be paired with a predicate (see
:mod:`distconnect.transforms.predicates`) so that only matching (or, with ``negate``,
non-matching) records are dropped. Stateless; safe to share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from distconnect.api.config import ConfigDef
from distconnect.api.plugins import Transformation
from distconnect.transforms.util import R

OVERVIEW_DOC = (
    "Drops all records, filtering them from subsequent transformations in the chain. This is intended "
    "to be used conditionally to filter out records matching (or not matching) a particular Predicate."
)

CONFIG_DEF = ConfigDef()


class Filter(Transformation[R]):
    """Drop every record it is applied to."""

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def configure(self, configs: Mapping[str, Any]) -> None:
        """Nothing to configure."""

    def apply(self, record: R) -> R | None:
        return None


__all__ = ["CONFIG_DEF", "OVERVIEW_DOC", "Filter"]
