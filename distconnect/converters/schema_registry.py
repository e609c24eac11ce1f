"""An async client for the Confluent Schema Registry REST API (also served by Apicurio's ccompat).

Only what a converter needs: register a schema under a subject, look a schema up under a subject,
fetch the latest version of a subject and fetch a schema by id. Results are cached both ways
(``(subject, schema) -> id`` and ``id -> schema``), so steady-state traffic is zero requests.

Lifecycle: the client owns one ``aiohttp.ClientSession``, created lazily by the first request
(sessions must be created on the loop that uses them, never in ``__init__``) and closed by
:meth:`SchemaRegistryClient.aclose`. Use it from one event loop. Concurrent calls are safe but not
coalesced (two callers missing the cache for the same schema both ask the registry).

Errors are translated here, at the one boundary with aiohttp:

* connection refused, timeouts, dropped connections, HTTP 5xx/408/429 -> ``RetriableError``
  naming the URL (after trying every URL of a comma-separated ``schema.registry.url`` list);
* HTTP 401/403 -> ``ConnectError`` (a configuration problem: retrying or skipping the record
  would not help, and it must not be mistaken for bad data);
* other 4xx (unknown id ``40403``, unknown subject ``40401``, incompatible schema ``409``,
  invalid schema ``42201``) -> ``DataError`` naming the subject or id.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from distconnect.api.errors import ConfigError, ConnectError, DataError, RetriableError

_CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
_ACCEPT = "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json"
_RETRIABLE_STATUS = frozenset({408, 429})


@dataclass(frozen=True, slots=True)
class RegisteredSchema:
    """A schema as the registry knows it under one subject."""

    subject: str
    id: int
    version: int | None
    schema: str


class SchemaRegistryClient:
    """Confluent-compatible registry client over one or more base URLs (tried in order)."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        user_info: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        cleaned = [u.strip().rstrip("/") for u in urls if u and u.strip()]
        if not cleaned:
            raise ConfigError("schema.registry.url", None, "at least one schema registry URL is required")
        for url in cleaned:
            if not url.startswith(("http://", "https://")):
                raise ConfigError("schema.registry.url", url, "expected an http:// or https:// URL")
        self._urls = cleaned
        self._headers = {"Accept": _ACCEPT}
        if user_info:
            if ":" not in user_info:
                raise ConfigError("basic.auth.user.info", None, "expected the form <username>:<password>")
            token = base64.b64encode(user_info.encode("utf-8")).decode("ascii")
            self._headers["Authorization"] = f"Basic {token}"
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._ids: dict[tuple[str, str], int] = {}
        self._schemas: dict[int, str] = {}
        self._versions: dict[tuple[str, str], int | None] = {}

    @property
    def urls(self) -> list[str]:
        return list(self._urls)

    # -- API ---------------------------------------------------------------------------------

    async def register(self, subject: str, schema: str) -> int:
        """Register ``schema`` (Avro JSON text) under ``subject``; return its global id."""
        cached = self._ids.get((subject, schema))
        if cached is not None:
            return cached
        body = await self._request(
            "POST",
            f"/subjects/{_q(subject)}/versions",
            f"registering a schema under subject {subject!r}",
            {"schema": schema},
        )
        schema_id = _int_field(body, "id", f"subject {subject!r}")
        self._remember(subject, schema, schema_id)
        return schema_id

    async def lookup(self, subject: str, schema: str) -> RegisteredSchema:
        """The id and version of ``schema`` under ``subject``; DataError if it is not registered."""
        body = await self._request(
            "POST",
            f"/subjects/{_q(subject)}",
            f"looking up a schema under subject {subject!r}",
            {"schema": schema},
        )
        where = f"subject {subject!r}"
        found = RegisteredSchema(
            subject, _int_field(body, "id", where), _opt_int(body.get("version")), schema
        )
        self._remember(subject, schema, found.id)
        self._versions[(subject, schema)] = found.version
        return found

    async def get_id(self, subject: str, schema: str) -> int:
        """Like :meth:`lookup` but only the id, served from the cache when possible."""
        cached = self._ids.get((subject, schema))
        return cached if cached is not None else (await self.lookup(subject, schema)).id

    async def get_version(self, subject: str, schema: str) -> int | None:
        """The version of ``schema`` under ``subject``, or None when it is not registered there."""
        key = (subject, schema)
        if key not in self._versions:
            try:
                self._versions[key] = (await self.lookup(subject, schema)).version
            except RetriableError:
                raise
            except DataError:
                self._versions[key] = None
        return self._versions[key]

    async def latest(self, subject: str) -> RegisteredSchema:
        """The latest version registered under ``subject`` (never cached: it may change)."""
        body = await self._request(
            "GET",
            f"/subjects/{_q(subject)}/versions/latest",
            f"reading the latest schema of subject {subject!r}",
        )
        where = f"subject {subject!r}"
        _check_avro(body, where)
        schema = body.get("schema")
        if not isinstance(schema, str):
            raise DataError(f"Schema registry returned no schema text for {where}")
        found = RegisteredSchema(
            subject, _int_field(body, "id", where), _opt_int(body.get("version")), schema
        )
        self._remember(subject, schema, found.id)
        return found

    async def schema_by_id(self, schema_id: int) -> str:
        """The schema text registered with global id ``schema_id``; DataError naming the id if unknown."""
        cached = self._schemas.get(schema_id)
        if cached is not None:
            return cached
        body = await self._request("GET", f"/schemas/ids/{schema_id}", f"fetching schema id {schema_id}")
        _check_avro(body, f"schema id {schema_id}")
        schema = body.get("schema")
        if not isinstance(schema, str):
            raise DataError(f"Schema registry returned no schema text for schema id {schema_id}")
        self._schemas[schema_id] = schema
        return schema

    async def aclose(self) -> None:
        """Close the HTTP session; the client may be used again afterwards (a new session opens)."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    # -- plumbing ----------------------------------------------------------------------------

    def _remember(self, subject: str, schema: str, schema_id: int) -> None:
        self._ids[(subject, schema)] = schema_id
        self._schemas.setdefault(schema_id, schema)

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout, headers=self._headers)
        return self._session

    async def _request(self, method: str, path: str, what: str, payload: Any = None) -> dict[str, Any]:
        """One call, failing over across the URLs for transient failures only."""
        session = self._get_session()
        data = None if payload is None else json.dumps(payload)
        headers = {"Content-Type": _CONTENT_TYPE} if data is not None else None
        failures: list[str] = []
        for base in self._urls:
            url = base + path
            try:
                async with session.request(method, url, data=data, headers=headers) as resp:
                    text = await resp.text()
                    status = resp.status
            except (aiohttp.ClientError, TimeoutError) as e:
                failures.append(f"{base} unreachable ({type(e).__name__}: {e or 'timed out'})")
                continue
            if status >= 500 or status in _RETRIABLE_STATUS:
                failures.append(f"{base} answered HTTP {status}{_describe(text)}")
                continue
            if status in (401, 403):
                raise ConnectError(f"Schema registry {base} refused {what}: HTTP {status}{_describe(text)}")
            if status >= 400:
                raise DataError(f"Schema registry {base} failed {what}: HTTP {status}{_describe(text)}")
            try:
                body = json.loads(text) if text else {}
            except ValueError:
                raise ConnectError(f"Schema registry {base} sent invalid JSON while {what}") from None
            if not isinstance(body, dict):
                raise ConnectError(
                    f"Schema registry {base} sent an unexpected answer while {what}: {text[:200]}"
                )
            return body
        raise RetriableError(f"Schema registry not available while {what}: {'; '.join(failures)}")


def _q(subject: str) -> str:
    return quote(subject, safe="")


def _describe(text: str) -> str:
    """`` (error 40403: Schema not found)`` from a registry error body, or a short raw excerpt."""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict) and ("error_code" in body or "message" in body):
        return f" (error {body.get('error_code')}: {body.get('message')})"
    snippet = text.strip()[:200]
    return f" ({snippet})" if snippet else ""


def _int_field(body: dict[str, Any], key: str, where: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConnectError(f"Schema registry answer for {where} lacks an integer {key!r}: {body!r:.200}")
    return value


def _opt_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _check_avro(body: dict[str, Any], where: str) -> None:
    schema_type = body.get("schemaType", "AVRO")
    if schema_type not in (None, "AVRO"):
        raise DataError(f"{where} is a {schema_type} schema, not Avro")


__all__ = ["RegisteredSchema", "SchemaRegistryClient"]
