"""HTTP basic authentication of the REST API (Apache's ``BasicAuthSecurityRestExtension``).

Turned on by ``rest.basic.auth.credentials.file`` (a distconnect setting: Apache reads the file's
path from a JAAS configuration given to the JVM). Naming Apache's extension class in
``rest.extension.classes`` is accepted too, and then requires the file. The file has Apache's
``PropertyFileLoginModule`` format: a Java properties file of ``user: password`` (or
``user=password``) lines, ``#`` comments. It is read once at start-up, as Apache caches it; an
empty file lets every request through, with a warning, as in Apache.

As Apache's ``JaasBasicAuthFilter``, every request needs valid credentials except the two
internal endpoints other workers call, which KIP-507 signatures protect instead:
``POST /connectors/{name}/tasks`` and ``PUT /connectors/{name}/fence``. Paths listed in
``rest.basic.auth.exempt.paths`` (a distconnect addition, empty by default) are open too, e.g.
``/health`` for Kubernetes probes. A refused request gets 401 with
``WWW-Authenticate: Basic realm="connect"`` and the error body
``{"error_code": 401, "message": "User cannot access the resource."}`` (Apache sends that
message as plain text; distconnect keeps every error body in one shape).

Passwords are compared in constant time; neither credentials nor the header are ever logged.
The middleware is stateless after start-up: safe for any number of concurrent requests.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import re
from collections.abc import Mapping
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Middleware

from distconnect.api.errors import ConfigError
from distconnect.rest.errors import Handler, error_response
from distconnect.runtime.properties import load_properties
from distconnect.runtime.worker_config import WorkerConfig

log = logging.getLogger(__name__)

CREDENTIALS_FILE_CONFIG = "rest.basic.auth.credentials.file"
EXEMPT_PATHS_CONFIG = "rest.basic.auth.exempt.paths"
EXTENSION_CLASS = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
UNAUTHORIZED = "User cannot access the resource."
CHALLENGE = 'Basic realm="connect"'

#: Apache's ``JaasBasicAuthFilter.INTERNAL_REQUEST_MATCHERS``.
_INTERNAL = (
    ("POST", re.compile(r"/?connectors/([^/]+)/tasks/?")),
    ("PUT", re.compile(r"/?connectors/[^/]+/fence/?")),
)
#: Compared against for unknown users, so their answer takes as long as a wrong password's.
_DUMMY = b"\0" * 32


def is_internal(method: str, raw_path: str) -> bool:
    return any(method == m and pattern.fullmatch(raw_path) for m, pattern in _INTERNAL)


class BasicAuth:
    """The credentials and exempt paths of one server."""

    def __init__(self, credentials: Mapping[str, str], exempt_paths: list[str] | None = None) -> None:
        self._credentials = {user: password.encode() for user, password in credentials.items()}
        self._exempt = {p.rstrip("/") or "/" for p in exempt_paths or []}

    @classmethod
    def from_config(cls, config: WorkerConfig) -> BasicAuth | None:
        """The authenticator ``config`` asks for, or None; ConfigError names a bad key."""
        path = config.get_string(CREDENTIALS_FILE_CONFIG)
        extensions = config.get_list("rest.extension.classes") or []
        if not path:
            if EXTENSION_CLASS in extensions:
                raise ConfigError(
                    CREDENTIALS_FILE_CONFIG,
                    None,
                    f"{EXTENSION_CLASS} is listed in rest.extension.classes: set {CREDENTIALS_FILE_CONFIG} "
                    "to the file of 'user: password' lines it authenticates against",
                )
            return None
        try:
            credentials = load_properties(Path(path))
        except OSError as err:
            raise ConfigError(
                CREDENTIALS_FILE_CONFIG, path, f"Error loading Property Credentials file: {err.strerror}"
            ) from None
        if not credentials:
            log.warning("Credential properties file '%s' is empty; all requests will be permitted", path)
        log.info("REST basic authentication on: %d users from %s", len(credentials), path)
        return cls(credentials, config.get_list(EXEMPT_PATHS_CONFIG))

    def exempt(self, request: web.Request) -> bool:
        path = request.path.rstrip("/") or "/"
        return path in self._exempt or is_internal(request.method, request.rel_url.raw_path)

    def authenticated(self, header: str | None) -> bool:
        if not self._credentials:
            return True  # Apache: an empty credentials file permits everything
        user, password = _parse(header)
        if user is None or password is None:
            return False
        expected = self._credentials.get(user)
        matches = hmac.compare_digest(password.encode(), expected if expected is not None else _DUMMY)
        return matches and expected is not None

    def middleware(self) -> Middleware:
        @web.middleware
        async def basic_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
            if self.exempt(request) or self.authenticated(request.headers.get("Authorization")):
                return await handler(request)
            log.debug("Request failed authentication: %s %s", request.method, request.path)
            response = error_response(401, UNAUTHORIZED)
            response.headers["WWW-Authenticate"] = CHALLENGE
            return response

        return basic_auth


def _parse(header: str | None) -> tuple[str | None, str | None]:
    """``(user, password)`` of a ``Basic`` header, Apache's ``BasicAuthCredentials`` rules."""
    if not header:
        return None, None
    scheme, _, encoded = header.partition(" ")
    if not scheme or scheme.lower() != "basic":
        return None, None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    user, colon, password = decoded.partition(":")
    if not colon or not user:
        return None, None
    return user, password


__all__ = [
    "CHALLENGE",
    "CREDENTIALS_FILE_CONFIG",
    "EXEMPT_PATHS_CONFIG",
    "EXTENSION_CLASS",
    "UNAUTHORIZED",
    "BasicAuth",
    "is_internal",
]
