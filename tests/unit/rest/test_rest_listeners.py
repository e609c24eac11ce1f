"""``listeners`` parsing and the advertised URL rules (pure functions)."""

from __future__ import annotations

import pytest

from distconnect.api.errors import ConfigError
from distconnect.rest.listeners import (
    BoundListener,
    Listener,
    advertised_address,
    parse_listener,
    parse_listeners,
    url_host,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://:8083", Listener("http", "", 8083)),
        ("HTTP://myhost:8083", Listener("http", "myhost", 8083)),
        ("http://127.0.0.1:0", Listener("http", "127.0.0.1", 0)),
        ("http://[::1]:8083", Listener("http", "::1", 8083)),
        (" http://0.0.0.0:80 ", Listener("http", "0.0.0.0", 80)),
        ("HTTPS://myhost:8443", Listener("https", "myhost", 8443)),
    ],
)
def test_parse_listener(text: str, expected: Listener) -> None:
    assert parse_listener(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("localhost:8083", "right format"),
        ("http://host", "right format"),
        ("ftp://host:21", "http or https"),
        ("http://host:70000", "out of range"),
    ],
)
def test_bad_listeners_are_config_errors(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match="listeners") as caught:
        parse_listener(text)
    assert fragment in str(caught.value)


def test_no_listener_is_an_error() -> None:
    with pytest.raises(ConfigError):
        parse_listeners([])


def bound(host: str, configured: int, actual: int) -> BoundListener:
    return BoundListener(Listener("http", host, configured), actual)


def address(*listeners: BoundListener, **overrides: object) -> tuple[str, str, int]:
    settings: dict[str, object] = {
        "host_name": None,
        "port": None,
        "advertised_listener": None,
        "default_host": "box.example",
    }
    settings.update(overrides)
    return advertised_address(listeners, **settings)  # type: ignore[arg-type]


def test_advertised_address_uses_the_listener_host_and_bound_port() -> None:
    assert address(bound("127.0.0.1", 0, 40001)) == ("http", "127.0.0.1", 40001)
    assert address(bound("127.0.0.1", 8083, 8083)) == ("http", "127.0.0.1", 8083)


def test_all_interfaces_advertise_the_machine_name() -> None:
    assert address(bound("", 8083, 8083)) == ("http", "box.example", 8083)


def test_advertised_settings_win() -> None:
    result = address(bound("", 0, 40001), host_name="connect-0.svc", port=443, advertised_listener="HTTPS")
    assert result == ("https", "connect-0.svc", 443)


def test_ipv6_hosts_are_bracketed_in_urls() -> None:
    assert url_host("::1") == "[::1]"
    assert url_host("example.com") == "example.com"
