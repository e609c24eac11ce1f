"""This worker's log levels, managed as Apache Kafka Connect's ``Loggers`` manages log4j's
(``GET|PUT /admin/loggers``, KIP-495; cluster-wide changes and ``last_modified``, KIP-976).

Apache's level names map onto Python's numeric levels; Python has no TRACE, ALL or OFF, so those
get numbers of their own (nothing in distconnect logs at 5 or 1, so TRACE and ALL show what DEBUG
shows):

=========  ======================  ==========================================
Apache     Python level            shown as
=========  ======================  ==========================================
``ALL``    1                       ``ALL``
``TRACE``  5                       ``TRACE``
``DEBUG``  ``logging.DEBUG`` 10    ``DEBUG``
``INFO``   ``logging.INFO`` 20     ``INFO``
``WARN``   ``logging.WARNING`` 30  ``WARN``
``ERROR``  ``logging.ERROR`` 40    ``ERROR``
``FATAL``  ``logging.CRITICAL`` 50 ``FATAL``
``OFF``    51 (above CRITICAL)     ``OFF``
=========  ======================  ==========================================

Level names are case-insensitive; anything else (Python's own ``WARNING``/``CRITICAL`` too, as
log4j does not know them) is invalid. A level set by other code that is not in the table is shown
by Python's name for it (``Level 25``).

Which loggers count (log4j2's rules, Apache 4.x): ``GET /admin/loggers`` lists every logger that
exists, as a live Apache 4.3 worker does; the *configured* loggers are those with a level of
their own (not ``NOTSET``) plus ``root``. Setting a level on
a namespace sets it on every configured logger whose name starts with the namespace (a plain
string prefix, as Apache) and on the namespace's own logger, which is created if needed;
unconfigured children inherit it through Python's hierarchy. ``root`` (any case) is the root
logger, and setting it also sets every configured logger. ``GET /admin/loggers/{name}`` answers for
any logger that exists (its own level, else its effective level).

Concurrency: every method is synchronous, quick and thread-safe (one lock); call them from the
event loop directly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

log = logging.getLogger(__name__)

#: Apache's name of the root logger (log4j 1's; Kafka kept it for log4j2).
ROOT_LOGGER_NAME: Final = "root"

#: Apache (log4j) level name -> the Python level it sets.
APACHE_LEVELS: Final[dict[str, int]] = {
    "OFF": logging.CRITICAL + 1,
    "FATAL": logging.CRITICAL,
    "ERROR": logging.ERROR,
    "WARN": logging.WARNING,
    "INFO": logging.INFO,
    "DEBUG": logging.DEBUG,
    "TRACE": 5,
    "ALL": 1,
}
_NAMES: Final = {number: name for name, number in APACHE_LEVELS.items()}


@dataclass(frozen=True)
class LoggerLevel:
    """Apache's ``LoggerLevel`` entity: the level's name and when this worker last changed it
    (epoch ms; None if it never did)."""

    level: str
    last_modified: int | None

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level, "last_modified": self.last_modified}


def python_level(name: str) -> int | None:
    """The Python level for an Apache level name (any case), or None if it is not one."""
    return APACHE_LEVELS.get(name.strip().upper())


def level_name(level: int) -> str:
    """How a Python level is shown: its Apache name, else Python's name for it."""
    return _NAMES.get(level) or logging.getLevelName(level)


def _wall_clock_ms() -> int:
    return int(time.time() * 1000)


class Loggers:
    """See the module docstring. ``manager`` is the logger hierarchy to manage (default: the
    process's; tests pass a private ``logging.Manager``)."""

    def __init__(
        self, manager: logging.Manager | None = None, clock_ms: Callable[[], int] = _wall_clock_ms
    ) -> None:
        self._manager = manager or logging.Logger.manager
        self._clock_ms = clock_ms
        self._last_modified: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def root(self) -> logging.Logger:
        return self._manager.root

    def _existing(self) -> list[logging.Logger]:
        """Every logger that exists below the root (``list`` copies the dict in one step)."""
        return [lg for lg in list(self._manager.loggerDict.values()) if isinstance(lg, logging.Logger)]

    def _configured(self) -> list[logging.Logger]:
        return [lg for lg in self._existing() if lg.level != logging.NOTSET]

    def _name(self, logger: logging.Logger) -> str:
        return ROOT_LOGGER_NAME if logger is self.root else logger.name

    def _level_of(self, logger: logging.Logger) -> LoggerLevel:
        name = self._name(logger)
        return LoggerLevel(level_name(logger.getEffectiveLevel()), self._last_modified.get(name))

    def level(self, name: str) -> LoggerLevel | None:
        """The level of an existing logger (its own, else its effective level); None if no
        logger of that name exists (looking one up does not create it)."""
        with self._lock:
            if name.lower() == ROOT_LOGGER_NAME:
                return self._level_of(self.root)
            found = self._manager.loggerDict.get(name)
            if not isinstance(found, logging.Logger):
                log.warning("Unable to find level for logger %s", name)
                return None
            return self._level_of(found)

    def all_levels(self) -> dict[str, LoggerLevel]:
        """Every existing logger and ``root``, by name in sorted order, each with its own level
        or else the one it inherits. A live Apache 4.3 worker lists every logger of its log4j2
        context this way (about 200, most at their inherited INFO)."""
        with self._lock:
            existing = [lg for lg in self._manager.loggerDict.values() if isinstance(lg, logging.Logger)]
            levels = {lg.name: self._level_of(lg) for lg in existing}
            levels[ROOT_LOGGER_NAME] = self._level_of(self.root)
            return dict(sorted(levels.items()))

    def set_level(self, namespace: str, level: str) -> list[str]:
        """Set ``namespace`` and the configured loggers under it to ``level`` (an Apache name);
        the affected loggers' names, sorted. An invalid level changes nothing and returns ``[]``
        (a cluster-wide record from another worker must not break this one)."""
        number = python_level(level)
        if number is None:
            log.warning("Ignoring request to set invalid level '%s' for namespace %s", level, namespace)
            return []
        log.info("Setting level of namespace %s and children to %s", namespace, level_name(number))
        with self._lock:
            if namespace.lower() == ROOT_LOGGER_NAME:
                targets = [*self._configured(), self.root]
            else:
                targets = [lg for lg in self._configured() if lg.name.startswith(namespace)]
                if not any(lg.name == namespace for lg in targets):
                    targets.append(self._manager.getLogger(namespace))
            for logger in targets:
                self._set(logger, number)
            return sorted(self._name(lg) for lg in targets)

    def _set(self, logger: logging.Logger, number: int) -> None:
        if logger.getEffectiveLevel() == number:
            log.debug("Skipping update for logger %s since its level is already %s", logger.name, number)
            return
        logger.setLevel(number)
        self._last_modified[self._name(logger)] = self._clock_ms()


__all__ = [
    "APACHE_LEVELS",
    "ROOT_LOGGER_NAME",
    "LoggerLevel",
    "Loggers",
    "level_name",
    "python_level",
]
