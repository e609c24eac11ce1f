"""Reading and modifying one connector's offsets: Apache's ``Worker.connectorOffsets`` and
``Worker.modifyConnectorOffsets`` (KIP-875).

* A **source** connector's offsets are its entries in the worker's offset store (the offsets topic,
  or the standalone offsets file): read after catching up with the store; altered by writing the
  new offsets through the store (a null offset is a tombstone); reset by writing a tombstone for
  every partition the connector has an offset for.
* A **sink** connector's offsets are its consumer group's committed offsets
  (``connect-<name>``, or ``consumer.override.group.id``), read and changed with
  :class:`~distconnect.runtime.offsets_admin.GroupOffsetsAdmin`; a reset deletes the group.

Before anything is written the connector's ``alter_offsets`` hook runs (in a thread, on a fresh
instance that is never started); its answer picks Apache's success message, a
:class:`~distconnect.api.errors.ConnectError` it raises rejects the request (400 with its message),
and ``NotImplementedError`` gives Apache's "doesn't support external modification" error. The
herder checks, before calling :func:`modify_offsets`, that the connector exists and is STOPPED
with no tasks. Every call is bounded by Apache's 90 s REST request timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from distconnect.api.connector import Connector, SinkConnector, SourceConnector
from distconnect.api.errors import ConnectError
from distconnect.api.records import TopicPartition
from distconnect.runtime.herder import ConnectRestError
from distconnect.runtime.offsets_admin import GroupError, GroupOffsetsAdmin
from distconnect.runtime.offsets_parse import (
    ConnectorOffset,
    check_source_offsets,
    modified_message,
    parse_sink_offsets,
    sink_group_id,
    sink_offsets,
)
from distconnect.runtime.worker import Worker

log = logging.getLogger(__name__)

#: Apache's ``RestServer.DEFAULT_REST_REQUEST_TIMEOUT_MS``, which bounds offset requests too.
TIMEOUT_S = 90.0
_ZOMBIES = (
    "either because its tasks haven't stopped completely yet or the connector was resumed before the "
    "request to {kind} its offsets could be successfully completed. If the connector is in a stopped "
    "state, this operation can be safely retried. If it doesn't eventually succeed, the Connect cluster "
    "may need to be restarted to get rid of the zombie sink tasks."
)


def not_stopped_error(name: str) -> ConnectRestError:
    return ConnectRestError(
        400,
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be done "
        f"for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint",
    )


def _resolved(worker: Worker, config: Mapping[str, str]) -> dict[str, str]:
    """The config with its ``${provider:path:key}`` placeholders resolved (KIP-297), as Apache's
    ``ClusterConfigState.connectorConfig`` hands it to the worker."""
    return {k: str(v) for k, v in worker.config.config_providers.resolve(config).items()}


def _admin(worker: Worker, name: str, config: Mapping[str, str]) -> GroupOffsetsAdmin:
    prefix = "admin.override."
    settings = {
        **worker.config.client_configs("admin"),
        **{k[len(prefix) :]: v for k, v in config.items() if k.startswith(prefix)},
        "client.id": f"connector-worker-adminclient-{name}",
    }
    return GroupOffsetsAdmin(settings, sink_group_id(name, config), TIMEOUT_S)


async def read_offsets(worker: Worker, name: str, config: Mapping[str, str]) -> list[ConnectorOffset]:
    """``GET /connectors/{name}/offsets``: any state, any worker."""
    config = _resolved(worker, config)
    if worker.is_sink(config["connector.class"]):
        try:
            async with _admin(worker, name, config) as admin:
                committed = await admin.list_offsets()
        except (ConnectError, TimeoutError) as err:
            log.error("Failed to retrieve consumer group offsets for sink connector %s: %s", name, err)
            raise ConnectError(
                f"Failed to retrieve consumer group offsets for sink connector {name}"
            ) from err
        return sink_offsets(committed)
    try:
        async with asyncio.timeout(TIMEOUT_S):
            await worker.offsets.sync()
    except (ConnectError, TimeoutError) as err:
        log.error("Failed to retrieve offsets for source connector %s: %s", name, err)
        raise ConnectError(f"Failed to retrieve offsets for source connector {name}") from err
    found = worker.offsets.connector_offsets(name)
    ordered = sorted(found.items(), key=lambda item: orjson.dumps(dict(item[0]), option=orjson.OPT_SORT_KEYS))
    return [ConnectorOffset(dict(partition), dict(offset)) for partition, offset in ordered]


async def modify_offsets(
    worker: Worker, name: str, config: Mapping[str, str], entries: Sequence[ConnectorOffset] | None
) -> str:
    """Alter (``entries``) or reset (None) the offsets of a stopped connector; Apache's message."""
    deadline = time.monotonic() + TIMEOUT_S
    config = _resolved(worker, config)
    connector = worker.registry.new_connector(config["connector.class"])
    if isinstance(connector, SinkConnector):
        return await _modify_sink(worker, name, config, connector, entries, deadline)
    return await _modify_source(worker, name, config, connector, entries, deadline)


async def _confirmed_by(
    connector: Connector, kind: str, name: str, config: Mapping[str, str], offsets: Any, deadline: float
) -> bool:
    """The connector's ``alter_offsets`` answer (Apache's ``alterOffsets`` contract)."""
    assert isinstance(connector, SourceConnector | SinkConnector)
    try:
        async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
            return bool(await asyncio.to_thread(connector.alter_offsets, dict(config), offsets))
    except NotImplementedError as err:
        raise ConnectRestError(
            400,
            f"Failed to modify offsets for connector {name} because it doesn't support external "
            "modification of offsets",
        ) from err
    except TimeoutError as err:
        raise ConnectError(
            f"Timed out while calling the 'alterOffsets' method for {kind} connector {name}"
        ) from err
    except ConnectRestError:
        raise
    except ConnectError as err:  # the connector refused these offsets: the client's mistake
        raise ConnectRestError(400, str(err)) from err
    except Exception as err:
        log.error("alter_offsets of connector %s failed", name, exc_info=err)
        raise ConnectError(f"Failed to modify offsets for {kind} connector {name}") from err


async def _modify_source(
    worker: Worker,
    name: str,
    config: Mapping[str, str],
    connector: Connector,
    entries: Sequence[ConnectorOffset] | None,
    deadline: float,
) -> str:
    store = worker.offsets
    try:
        async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
            await store.sync()
    except (ConnectError, TimeoutError) as err:
        raise ConnectError(
            "Timed out while trying to read to the end of the offsets topic prior to modifying "
            f"offsets for source connector {name}"
        ) from err
    reset = entries is None
    if entries is None:
        to_write: dict[Any, dict[str, Any] | None] = dict.fromkeys(store.connector_offsets(name))
    else:
        to_write = dict(check_source_offsets(entries))
    confirmed = await _confirmed_by(connector, "source", name, config, dict(to_write), deadline)
    if not to_write:
        log.info("No offsets found for source connector %s (reset before, or none committed yet)", name)
        return modified_message(confirmed, reset)
    try:
        async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
            await store.write(name, to_write)
    except TimeoutError as err:
        raise ConnectError(
            f"Timed out while attempting to modify offsets for source connector {name}"
        ) from err
    except ConnectError as err:
        log.error("Failed to modify offsets for source connector %s: %s", name, err)
        raise ConnectError(f"Failed to modify offsets for source connector {name}") from err
    return modified_message(confirmed, reset)


async def _modify_sink(
    worker: Worker,
    name: str,
    config: Mapping[str, str],
    connector: Connector,
    entries: Sequence[ConnectorOffset] | None,
    deadline: float,
) -> str:
    offsets: dict[TopicPartition, int | None] = {} if entries is None else parse_sink_offsets(entries)
    async with _admin(worker, name, config) as admin:
        if entries is None:
            try:
                offsets = dict.fromkeys(await admin.list_offsets())
            except (ConnectError, TimeoutError) as err:
                log.error(
                    "Failed to list offsets prior to resetting offsets for sink connector %s: %s", name, err
                )
                raise ConnectError(
                    f"Failed to list offsets prior to resetting offsets for sink connector {name}"
                ) from err
        confirmed = await _confirmed_by(connector, "sink", name, config, offsets, deadline)
        if entries is None:
            await _admin_call(admin.delete_group(), "NonEmptyGroup", "reset", name)
        else:
            alter = {tp: o for tp, o in offsets.items() if o is not None}
            deleted = [tp for tp, o in offsets.items() if o is None]
            await _admin_call(admin.alter_offsets(alter), "UnknownMemberIdError", "alter", name)
            await _admin_call(admin.delete_offsets(deleted), "GroupSubscribedToTopicError", "alter", name)
    return modified_message(confirmed, entries is None)


async def _admin_call(call: Any, busy_error: str, kind: str, name: str) -> None:
    """Run one group change; Apache's messages for a group that still has members, or any failure."""
    try:
        await call
    except GroupError as err:
        log.error("Failed to %s consumer group offsets for connector %s: %s", kind, name, err)
        if err.error in (busy_error, "UnknownMemberIdError", "NonEmptyGroup"):
            raise ConnectError(
                f"Failed to {kind} consumer group offsets for connector {name} " + _ZOMBIES.format(kind=kind)
            ) from err
        what = "sink connector" if kind == "reset" else "connector"
        raise ConnectError(f"Failed to {kind} consumer group offsets for {what} {name}") from err
    except (ConnectError, TimeoutError) as err:
        log.error("Failed to %s consumer group offsets for connector %s: %s", kind, name, err)
        what = "sink connector" if kind == "reset" else "connector"
        raise ConnectError(f"Failed to {kind} consumer group offsets for {what} {name}") from err


__all__ = ["TIMEOUT_S", "modify_offsets", "not_stopped_error", "read_offsets"]
