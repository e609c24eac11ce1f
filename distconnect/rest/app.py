"""The aiohttp application: the error middleware and every resource's routes.

A resource is a module with a ``routes`` :class:`aiohttp.web.RouteTableDef`; adding one (connector
plugins, loggers, offsets) means adding it to :data:`RESOURCES`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from distconnect.rest import (
    connector_actions,
    connectors,
    health,
    loggers,
    offsets,
    openapi,
    plugins,
    root,
    topics,
)
from distconnect.rest import metrics as metrics_resource
from distconnect.rest.context import CONTEXT, RestContext
from distconnect.rest.errors import error_middleware

RESOURCES: tuple[web.RouteTableDef, ...] = (
    root.routes,
    health.routes,
    connectors.routes,
    connector_actions.routes,
    offsets.routes,
    topics.routes,
    metrics_resource.routes,
    plugins.routes,
    loggers.routes,
    openapi.routes,
)

#: Task configs of a wide connector can be large; aiohttp's 1 MiB default is too tight, and Jetty
#: (Apache's server) has no small limit.
MAX_BODY_BYTES = 32 * 1024 * 1024


def build_app(
    context: RestContext, *, cors: Middleware | None = None, auth: Middleware | None = None
) -> web.Application:
    """``cors`` runs outermost, so it also decorates error answers (and answers preflights before
    authentication, which browsers never send credentials with); ``auth`` runs inside the error
    middleware, before any handler (see :mod:`distconnect.rest.cors`, :mod:`distconnect.rest.auth`)."""
    middlewares = [*([cors] if cors else []), error_middleware, *([auth] if auth else [])]
    app = web.Application(middlewares=middlewares, client_max_size=MAX_BODY_BYTES)
    app[CONTEXT] = context
    for routes in RESOURCES:
        app.router.add_routes(routes)
        app.router.add_routes(slash_twins(routes))
    return app


def slash_twins(routes: web.RouteTableDef) -> list[web.RouteDef]:
    """The same routes under their path with a trailing slash: Jersey matches ``/connectors/`` as
    ``/connectors``, and clients rely on it. Twins answer directly (a redirect would turn a PUT
    into a GET in some clients) and go through the same middlewares."""
    return [
        web.RouteDef(route.method, f"{route.path}/", route.handler, _unnamed(route.kwargs))
        for route in routes
        if isinstance(route, web.RouteDef) and route.path != "/" and not route.path.endswith("/")
    ]


def _unnamed(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in kwargs.items() if key != "name"}  # names are unique


__all__ = ["MAX_BODY_BYTES", "RESOURCES", "build_app", "slash_twins"]
