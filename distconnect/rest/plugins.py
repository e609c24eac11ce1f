"""``/connector-plugins``: the installed plugins, their config definitions and config validation
(Apache's ``ConnectorPluginsResource``).

Every worker answers these itself from its own plugins; nothing is forwarded. Validation runs the
connector's ``validate`` in a worker thread (see :class:`~distconnect.runtime.herder_admin.
HerderAdmin`) under the request timeout, so a slow connector costs a 500 ``Request timed out``,
never a stalled event loop.
"""

from __future__ import annotations

from aiohttp import web

from distconnect.rest.context import context_of
from distconnect.rest.forwarding import local_or_remote
from distconnect.rest.wire import json_response, patch_map, read_json
from distconnect.runtime.herder import ConnectRestError
from distconnect.runtime.plugins import PluginDesc

routes = web.RouteTableDef()

#: What Apache strips from both names before comparing them (``FileStreamSource`` matches
#: ``org.apache.kafka.connect.file.FileStreamSourceConnector``).
ALIAS_SUFFIX = "Connector"


def _connectors_only(request: web.Request) -> bool:
    """``connectorsOnly`` as JAX-RS reads a ``boolean`` with default ``true``: absent or empty is
    true, ``true`` in any case is true, anything else false."""
    value = request.query.get("connectorsOnly", "").strip()
    return True if not value else value.lower() == "true"


def _normalized(name: str) -> str:
    if name.endswith(ALIAS_SUFFIX) and len(name) > len(ALIAS_SUFFIX):
        return name[: -len(ALIAS_SUFFIX)]
    return name


def _plugins_json(plugins: list[PluginDesc]) -> list[dict[str, str]]:
    return [plugin.to_json() for plugin in plugins]


@routes.get("/connector-plugins")
async def list_plugins(request: web.Request) -> web.Response:
    connectors_only = _connectors_only(request)
    plugins = await context_of(request).requests.call(
        request, lambda herder: herder.connector_plugins(connectors_only)
    )
    return json_response(local_or_remote(plugins, _plugins_json))


@routes.get("/connector-plugins/{pluginName}/config")
async def plugin_config(request: web.Request) -> web.Response:
    plugin = request.match_info["pluginName"]
    keys = await context_of(request).requests.call(
        request, lambda herder: herder.connector_plugin_config(plugin)
    )
    return json_response(local_or_remote(keys, list))


@routes.put("/connector-plugins/{pluginName}/config/validate")
async def validate_config(request: web.Request) -> web.Response:
    plugin = request.match_info["pluginName"]
    # null values are kept: validation reports them per key, as Apache's does.
    config = patch_map(await read_json(request), "connector configuration")
    included = config.get("connector.class")
    if included is not None and not _normalized(included).endswith(_normalized(plugin)):
        raise ConnectRestError(
            400, f"Included connector type {included} does not match request type {plugin}"
        )
    infos = await context_of(request).requests.call(
        request, lambda herder: herder.validate_connector_config(config)
    )
    return json_response(local_or_remote(infos, dict))


__all__ = ["ALIAS_SUFFIX", "routes"]
