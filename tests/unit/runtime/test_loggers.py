"""Log levels managed as Apache's ``Loggers`` (KIP-495/KIP-976), on a private logger hierarchy so
the process's logging is never touched."""

from __future__ import annotations

import logging

import pytest

from distconnect.runtime.loggers import APACHE_LEVELS, LoggerLevel, Loggers, level_name, python_level


class Clock:
    def __init__(self) -> None:
        self.now = 1_000

    def __call__(self) -> int:
        self.now += 1
        return self.now


@pytest.fixture
def manager() -> logging.Manager:
    manager = logging.Manager(logging.RootLogger(logging.INFO))
    manager.getLogger("org.acme").setLevel(logging.WARNING)
    manager.getLogger("org.acme.sink")  # exists, no level of its own
    manager.getLogger("org.acme2").setLevel(logging.ERROR)  # a string prefix of nothing dotted
    return manager


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def loggers(manager: logging.Manager, clock: Clock) -> Loggers:
    return Loggers(manager, clock)


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("OFF", logging.CRITICAL + 1),
        ("fatal", logging.CRITICAL),
        ("Error", logging.ERROR),
        ("WARN", logging.WARNING),
        ("info", logging.INFO),
        ("DEBUG", logging.DEBUG),
        ("trace", 5),
        ("ALL", 1),
    ],
)
def test_apache_names_map_to_python_levels_and_back(name: str, number: int) -> None:
    assert python_level(name) == number
    assert level_name(number) == name.upper()


@pytest.mark.parametrize("name", ["WARNING", "CRITICAL", "NOTSET", "verbose", "", "10"])
def test_names_log4j_does_not_know_are_invalid(name: str) -> None:
    assert python_level(name) is None


def test_a_level_outside_the_table_shows_pythons_name() -> None:
    assert level_name(25) == "Level 25"
    assert set(APACHE_LEVELS) == {"OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL"}


def test_all_levels_lists_every_existing_logger_and_root_sorted(loggers: Loggers) -> None:
    levels = loggers.all_levels()
    assert list(levels) == ["org.acme", "org.acme.sink", "org.acme2", "root"]
    assert levels["org.acme"] == LoggerLevel("WARN", None)
    assert levels["org.acme.sink"] == LoggerLevel("WARN", None)  # inherited, as log4j2 shows it
    assert levels["root"] == LoggerLevel("INFO", None)


def test_level_of_an_existing_logger_falls_back_to_its_effective_level(loggers: Loggers) -> None:
    assert loggers.level("org.acme.sink") == LoggerLevel("WARN", None)
    assert loggers.level("ROOT") == LoggerLevel("INFO", None)


def test_level_of_an_unknown_logger_is_none_and_does_not_create_it(
    loggers: Loggers, manager: logging.Manager
) -> None:
    assert loggers.level("org.nobody") is None
    assert "org.nobody" not in manager.loggerDict


def test_setting_a_namespace_sets_it_and_its_configured_children(
    loggers: Loggers, manager: logging.Manager, clock: Clock
) -> None:
    manager.getLogger("org.acme.source").setLevel(logging.ERROR)
    affected = loggers.set_level("org.acme", "debug")
    # A plain string prefix, as Apache: org.acme2 counts; the unconfigured org.acme.sink does not
    # (it inherits the new level).
    assert affected == ["org.acme", "org.acme.source", "org.acme2"]
    assert manager.getLogger("org.acme.sink").getEffectiveLevel() == logging.DEBUG
    assert manager.getLogger("org.acme.source").level == logging.DEBUG
    assert loggers.level("org.acme") == LoggerLevel("DEBUG", clock.now - 2)
    assert manager.root.level == logging.INFO


def test_setting_a_new_namespace_creates_its_logger(loggers: Loggers, manager: logging.Manager) -> None:
    assert loggers.set_level("io.other", "TRACE") == ["io.other"]
    assert manager.getLogger("io.other").level == 5
    assert loggers.all_levels()["io.other"].level == "TRACE"


def test_an_unchanged_level_keeps_its_last_modified(loggers: Loggers, clock: Clock) -> None:
    loggers.set_level("org.acme", "ERROR")
    first = loggers.level("org.acme")
    assert first is not None
    assert first.last_modified is not None
    assert loggers.set_level("org.acme", "error") == ["org.acme", "org.acme2"]
    assert loggers.level("org.acme") == first


def test_root_sets_every_configured_logger_and_root(loggers: Loggers, manager: logging.Manager) -> None:
    assert loggers.set_level("root", "OFF") == ["org.acme", "org.acme2", "root"]
    assert manager.root.level == logging.CRITICAL + 1
    assert all(level.level == "OFF" for level in loggers.all_levels().values())
    assert not manager.getLogger("org.acme.sink").isEnabledFor(logging.CRITICAL)


def test_an_invalid_level_changes_nothing(loggers: Loggers) -> None:
    before = loggers.all_levels()
    assert loggers.set_level("org.acme", "LOUD") == []
    assert loggers.all_levels() == before


def test_json_shape() -> None:
    assert LoggerLevel("INFO", None).to_json() == {"level": "INFO", "last_modified": None}
    assert LoggerLevel("DEBUG", 7).to_json() == {"level": "DEBUG", "last_modified": 7}
