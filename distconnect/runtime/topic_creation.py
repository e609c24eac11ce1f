"""Topic creation settings for source connectors (KIP-158): the ``topic.creation.*`` keys.

A source connector that sets any ``topic.creation.*`` key (on a worker with
``topic.creation.enable=true``) has its tasks create the topics they write to, if missing. The
implicit ``default`` group needs ``topic.creation.default.replication.factor`` and
``.partitions``; further groups listed in ``topic.creation.groups`` select topics with
``include``/``exclude`` regex lists (exclusion wins) and inherit the default group's replication
factor and partition count unless they set their own. Any other key under a group's prefix is a
topic-level config for the new topic (``cleanup.policy``, ``retention.ms``...).

Patterns are Python ``re`` patterns matched against the whole topic name; for the simple patterns
used in practice they mean the same as Java's. Pure and synchronous; the values here are immutable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from distconnect.api.config import (
    AbstractConfig,
    ConfigDef,
    ConfigType,
    Importance,
    LambdaValidator,
    NonNullValidator,
    Width,
)
from distconnect.api.config_types import invalid_value
from distconnect.runtime.connector_config_defs import TOPIC_CREATION_GROUPS_CONFIG, embed_with_full_names

log = logging.getLogger(__name__)

TOPIC_CREATION_PREFIX: Final = "topic.creation."
DEFAULT_TOPIC_CREATION_GROUP: Final = "default"
DEFAULT_TOPIC_CREATION_PREFIX: Final = "topic.creation.default."
INCLUDE_REGEX_CONFIG: Final = "include"
EXCLUDE_REGEX_CONFIG: Final = "exclude"
REPLICATION_FACTOR_CONFIG: Final = "replication.factor"
PARTITIONS_CONFIG: Final = "partitions"
#: -1 asks the broker for its default.
NO_REPLICATION_FACTOR: Final = -1
NO_PARTITIONS: Final = -1

_INCLUDE_DOC = (
    "Regular expressions selecting the topics, among those this source connector writes to, "
    "that are created with the settings of this group."
)
_EXCLUDE_DOC = (
    "Regular expressions selecting topics that are not created with the settings of this group. "
    "Exclusion takes precedence over inclusion."
)
_REPLICATION_FACTOR_DOC = (
    "Replication factor of the topics this group creates: -1 for the broker's default, otherwise a "
    "positive number no larger than the number of brokers. Required for the default group; other "
    "groups inherit the default group's value when they do not set one."
)
_PARTITIONS_DOC = (
    "Number of partitions of the topics this group creates: -1 for the broker's default, otherwise "
    "a positive number. Required for the default group; other groups inherit the default group's "
    "value when they do not set one."
)


def _ensure_replication_factor(name: str, value: Any) -> None:
    if value is not None and value != NO_REPLICATION_FACTOR and value < 1:
        raise invalid_value(
            name,
            value,
            "Replication factor must be positive and not larger than the number of brokers in the "
            "Kafka cluster, or -1 to use the broker's default",
        )


def _ensure_partitions(name: str, value: Any) -> None:
    if value is not None and value != NO_PARTITIONS and value < 1:
        raise invalid_value(
            name, value, "Number of partitions must be positive, or -1 to use the broker's default"
        )


def _ensure_regexes(name: str, value: Any) -> None:
    for pattern in value or ():
        try:
            re.compile(pattern)
        except re.error as e:
            raise invalid_value(name, value, f"Syntax error in regular expression: {e}") from e


REPLICATION_FACTOR_VALIDATOR: Final = LambdaValidator.with_(
    _ensure_replication_factor,
    "Positive number not larger than the number of brokers in the Kafka cluster, or -1 to use the "
    "broker's default",
)
PARTITIONS_VALIDATOR: Final = LambdaValidator.with_(
    _ensure_partitions, "Positive number, or -1 to use the broker's default"
)
# Java describes this validator with the partitions text; a regex list is what it checks.
REGEX_VALIDATOR: Final = LambdaValidator.with_(_ensure_regexes, "List of valid regular expressions")


def group_config_def(group: str, default_replication_factor: int, default_partitions: int) -> ConfigDef:
    """The keys of a non-default group (unprefixed; embedded under ``topic.creation.<g>.``)."""
    return (
        ConfigDef()
        .define(
            INCLUDE_REGEX_CONFIG,
            ConfigType.LIST,
            [],
            REGEX_VALIDATOR,
            Importance.LOW,
            _INCLUDE_DOC,
            group=group,
            order_in_group=1,
            width=Width.LONG,
            display_name=f"Inclusion Topic Pattern for {group}",
        )
        .define(
            EXCLUDE_REGEX_CONFIG,
            ConfigType.LIST,
            [],
            REGEX_VALIDATOR,
            Importance.LOW,
            _EXCLUDE_DOC,
            group=group,
            order_in_group=2,
            width=Width.LONG,
            display_name=f"Exclusion Topic Pattern for {group}",
        )
        .define(
            REPLICATION_FACTOR_CONFIG,
            ConfigType.SHORT,
            default_replication_factor,
            REPLICATION_FACTOR_VALIDATOR,
            Importance.LOW,
            _REPLICATION_FACTOR_DOC,
            group=group,
            order_in_group=3,
            width=Width.LONG,
            display_name=f"Replication Factor for Topics in {group}",
        )
        .define(
            PARTITIONS_CONFIG,
            ConfigType.INT,
            default_partitions,
            PARTITIONS_VALIDATOR,
            Importance.LOW,
            _PARTITIONS_DOC,
            group=group,
            order_in_group=4,
            width=Width.LONG,
            display_name=f"Partition Count for Topics in {group}",
        )
    )


def default_group_config_def() -> ConfigDef:
    """The keys of the implicit ``default`` group; its replication factor and partitions are required."""
    group = DEFAULT_TOPIC_CREATION_GROUP
    return (
        ConfigDef()
        .define(
            INCLUDE_REGEX_CONFIG,
            ConfigType.LIST,
            ".*",
            NonNullValidator(),
            Importance.LOW,
            _INCLUDE_DOC,
            group=group,
            order_in_group=1,
            width=Width.LONG,
            display_name=f"Inclusion Topic Pattern for {group}",
        )
        .define(
            EXCLUDE_REGEX_CONFIG,
            ConfigType.LIST,
            [],
            NonNullValidator(),
            Importance.LOW,
            _EXCLUDE_DOC,
            group=group,
            order_in_group=2,
            width=Width.LONG,
            display_name=f"Exclusion Topic Pattern for {group}",
        )
        .define(
            REPLICATION_FACTOR_CONFIG,
            ConfigType.SHORT,
            validator=REPLICATION_FACTOR_VALIDATOR,
            importance=Importance.LOW,
            documentation=_REPLICATION_FACTOR_DOC,
            group=group,
            order_in_group=3,
            width=Width.LONG,
            display_name=f"Replication Factor for Topics in {group}",
        )
        .define(
            PARTITIONS_CONFIG,
            ConfigType.INT,
            validator=PARTITIONS_VALIDATOR,
            importance=Importance.LOW,
            documentation=_PARTITIONS_DOC,
            group=group,
            order_in_group=4,
            width=Width.LONG,
            display_name=f"Partition Count for Topics in {group}",
        )
    )


def uses_topic_creation(props: Mapping[str, Any]) -> bool:
    """Whether a source connector config sets any ``topic.creation.*`` key."""
    return any(key.startswith(TOPIC_CREATION_PREFIX) for key in props)


@dataclass(frozen=True)
class TopicCreationGroup:
    """One group's rule for new topics. ``matches`` says whether it applies to a topic; the
    runtime asks the listed groups in order and falls back to the default group."""

    name: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    replication_factor: int
    partitions: int
    #: Topic-level configs for the new topic (keys under the group's prefix other than the above).
    topic_configs: Mapping[str, Any] = field(default_factory=dict)

    def matches(self, topic: str) -> bool:
        if self.exclude and re.fullmatch("|".join(self.exclude), topic):
            return False
        return bool(self.include) and re.fullmatch("|".join(self.include), topic) is not None


def with_topic_creation(base: ConfigDef, props: Mapping[str, Any]) -> tuple[ConfigDef, dict[str, Any]]:
    """``base`` with the topic creation groups of ``props`` embedded, and ``props`` as they
    should be parsed with it. As in Java, the default group's replication factor and partitions
    (required; ConfigError if missing) become the defaults of the other groups, and the default
    group's include/exclude are ignored: it takes every topic no other group took."""
    with_default = ConfigDef(base)
    embed_with_full_names(
        with_default,
        DEFAULT_TOPIC_CREATION_PREFIX,
        DEFAULT_TOPIC_CREATION_GROUP,
        0,
        default_group_config_def(),
    )
    defaults = AbstractConfig(with_default, props)
    replication = int(defaults.get(DEFAULT_TOPIC_CREATION_PREFIX + REPLICATION_FACTOR_CONFIG))
    partitions = int(defaults.get(DEFAULT_TOPIC_CREATION_PREFIX + PARTITIONS_CONFIG))
    groups = defaults.get_list(TOPIC_CREATION_GROUPS_CONFIG) or []
    if DEFAULT_TOPIC_CREATION_GROUP in groups:
        log.warning("'default' topic creation group always exists and does not need to be listed explicitly")
    for group in dict.fromkeys(g for g in groups if g != DEFAULT_TOPIC_CREATION_GROUP):
        config_group = f"Topic Creation: {group}"
        child = group_config_def(config_group, replication, partitions)
        embed_with_full_names(with_default, f"{TOPIC_CREATION_PREFIX}{group}.", config_group, 0, child)
    ignored = {
        DEFAULT_TOPIC_CREATION_PREFIX + INCLUDE_REGEX_CONFIG,
        DEFAULT_TOPIC_CREATION_PREFIX + EXCLUDE_REGEX_CONFIG,
    }
    return with_default, {k: v for k, v in props.items() if k not in ignored}


__all__ = [
    "DEFAULT_TOPIC_CREATION_GROUP",
    "DEFAULT_TOPIC_CREATION_PREFIX",
    "EXCLUDE_REGEX_CONFIG",
    "INCLUDE_REGEX_CONFIG",
    "NO_PARTITIONS",
    "NO_REPLICATION_FACTOR",
    "PARTITIONS_CONFIG",
    "PARTITIONS_VALIDATOR",
    "REGEX_VALIDATOR",
    "REPLICATION_FACTOR_CONFIG",
    "REPLICATION_FACTOR_VALIDATOR",
    "TOPIC_CREATION_GROUPS_CONFIG",
    "TOPIC_CREATION_PREFIX",
    "TopicCreationGroup",
    "default_group_config_def",
    "group_config_def",
    "uses_topic_creation",
    "with_topic_creation",
]
