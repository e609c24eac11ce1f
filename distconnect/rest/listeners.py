"""``listeners`` parsing, socket binding and the advertised URL, as Apache's ``RestServer``.

The advertised URL is what other workers use to reach this one (forwarded requests go to the
leader's) and its ``host:port`` is this worker's id in every status. Apache's rules:

* scheme: ``rest.advertised.listener`` if set, else ``http`` if any listener is HTTP, else
  ``https``;
* host: ``rest.advertised.host.name`` if set and not empty, else the host of the first listener
  with that scheme, else (an empty host: all interfaces) the first listener's host or this
  machine's name;
* port: ``rest.advertised.port`` if set, else that listener's configured port, or the port it
  actually bound when it was configured as 0.

Pure functions except :func:`bind`, which opens a listening socket.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from distconnect.api.errors import ConfigError

#: Apache's ``RestServer.LISTENER_PATTERN``.
_LISTENER = re.compile(r"^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)")
HTTP, HTTPS = "http", "https"


@dataclass(frozen=True)
class Listener:
    """One entry of ``listeners``; an empty host means every interface."""

    protocol: str
    host: str
    port: int


@dataclass(frozen=True)
class BoundListener:
    listener: Listener
    #: the port the socket actually bound (differs from ``listener.port`` when that is 0)
    port: int


def parse_listener(text: str) -> Listener:
    match = _LISTENER.match(text.strip())
    if match is None:
        raise ConfigError(
            "listeners", text, "Listener doesn't have the right format (protocol://hostname:port)."
        )
    protocol = match.group(1).lower()
    if protocol not in (HTTP, HTTPS):
        raise ConfigError(
            "listeners", text, f"Listener protocol must be either http or https, not {protocol}."
        )
    port = int(match.group(3))
    if not 0 <= port <= 65535:
        raise ConfigError("listeners", text, f"Listener port {port} is out of range.")
    return Listener(protocol, match.group(2), port)


def parse_listeners(texts: Sequence[str]) -> list[Listener]:
    if not texts:
        raise ConfigError("listeners", [], "At least one listener is required.")
    return [parse_listener(text) for text in texts]


async def bind(listener: Listener) -> socket.socket:
    """A listening socket for ``listener``: every interface (dual-stack where the OS allows)
    for an empty host, else the first address the host resolves to."""
    if not listener.host:
        if socket.has_dualstack_ipv6():
            try:
                return socket.create_server(
                    ("", listener.port), family=socket.AF_INET6, dualstack_ipv6=True, backlog=128
                )
            except OSError:
                pass  # IPv6 disabled on this host: fall back to IPv4 only
        return socket.create_server(("", listener.port), backlog=128)
    infos = await asyncio.get_running_loop().getaddrinfo(
        listener.host, listener.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )
    if not infos:
        raise OSError(f"cannot resolve listener host {listener.host}")
    family, _, _, _, address = infos[0]
    return socket.create_server((str(address[0]), listener.port), family=family, backlog=128)


def advertised_protocol(listeners: Sequence[Listener], advertised_listener: str | None) -> str:
    if advertised_listener:
        return advertised_listener.lower()
    protocols = {entry.protocol for entry in listeners}
    return HTTP if HTTP in protocols or HTTPS not in protocols else HTTPS


def advertised_address(
    bound: Sequence[BoundListener],
    *,
    host_name: str | None,
    port: int | None,
    advertised_listener: str | None,
    default_host: str,
) -> tuple[str, str, int]:
    """``(scheme, host, port)`` other workers should use; see the module docstring."""
    if not bound:
        raise ValueError("no listener is bound")
    scheme = advertised_protocol([b.listener for b in bound], advertised_listener)
    chosen = next((b for b in bound if b.listener.protocol == scheme), None)
    first = bound[0]
    host = host_name or (chosen.listener.host if chosen else "") or first.listener.host or default_host
    if port is None:
        target = chosen or first
        port = target.listener.port if target.listener.port > 0 else target.port
    return scheme, host, port


def url_host(host: str) -> str:
    """The host as it appears in a URL (and in a worker id): IPv6 literals in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


__all__ = [
    "BoundListener",
    "Listener",
    "advertised_address",
    "advertised_protocol",
    "bind",
    "parse_listener",
    "parse_listeners",
    "url_host",
]
