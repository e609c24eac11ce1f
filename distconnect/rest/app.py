"""The aiohttp application: the error middleware and every resource's routes.

A resource is a module with a ``routes`` :class:`aiohttp.web.RouteTableDef`; adding one (connector
plugins, loggers, offsets) means adding it to :data:`RESOURCES`.
"""

from __future__ import annotations

from aiohttp import web

from distconnect.rest import connector_actions, connectors, health, root
from distconnect.rest.context import CONTEXT, RestContext
from distconnect.rest.errors import error_middleware

RESOURCES: tuple[web.RouteTableDef, ...] = (
    root.routes,
    health.routes,
    connectors.routes,
    connector_actions.routes,
)

#: Task configs of a wide connector can be large; aiohttp's 1 MiB default is too tight, and Jetty
#: (Apache's server) has no small limit.
MAX_BODY_BYTES = 32 * 1024 * 1024


def build_app(context: RestContext) -> web.Application:
    app = web.Application(middlewares=[error_middleware], client_max_size=MAX_BODY_BYTES)
    app[CONTEXT] = context
    for routes in RESOURCES:
        app.router.add_routes(routes)
    return app


__all__ = ["MAX_BODY_BYTES", "RESOURCES", "build_app"]
