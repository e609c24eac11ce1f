"""The admin subcommands of ``distconnect``: ``connectors``, ``plugins`` and ``loggers``.

Every subcommand takes the worker's address from ``--url`` (else ``$DISTCONNECT_URL``, else
``http://localhost:8083``), basic-auth credentials from ``--user user:password`` (else
``$DISTCONNECT_USER`` and ``$DISTCONNECT_PASSWORD``), prints a table (``-o table``, the default)
or the REST body (``-o json``), and exits 0 on success, 1 on an error (printed as one line).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import orjson

from distconnect.admin import connectors_cmd as cc
from distconnect.admin import plugins_cmd as pc
from distconnect.admin.apply import DeclarationError, load
from distconnect.admin.client import DEFAULT_URL, AdminClient, ClientOptions
from distconnect.api.errors import ConnectError

Handler = Callable[[AdminClient, argparse.Namespace], Awaitable[int]]
COMMANDS = ("connectors", "plugins", "loggers")


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url", default=None, help=f"worker REST URL (default: $DISTCONNECT_URL or {DEFAULT_URL})"
    )
    common.add_argument(
        "--user", default=None, help="basic auth 'user:password' (default: $DISTCONNECT_USER/_PASSWORD)"
    )
    common.add_argument("-o", "--output", choices=("table", "json"), default="table")
    common.add_argument(
        "--wait",
        type=float,
        default=30.0,
        help="seconds to retry while the worker is unreachable, starting or rebalancing",
    )
    common.add_argument("--timeout", type=float, default=90.0, help="seconds one request may take")
    common.add_argument("--cacert", default=None, help="CA bundle (PEM) for an https URL")
    common.add_argument("--cert", default=None, help="client certificate (PEM) for an https URL")
    common.add_argument("--key", default=None, help="client key (PEM) for --cert")
    common.add_argument("--insecure", action="store_true", help="do not verify the worker's certificate")
    return common


def _handler(parser: argparse.ArgumentParser, handler: Handler) -> argparse.ArgumentParser:
    parser.set_defaults(handler=handler)
    return parser


def add_admin_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``connectors``, ``plugins`` and ``loggers`` to the ``distconnect`` parser."""
    common = _common()
    files = {"type": Path, "action": "append", "required": True, "metavar": "PATH"}

    connectors = commands.add_parser("connectors", help="list, create, apply and manage connectors")
    sub = connectors.add_subparsers(dest="connectors_action", required=True)
    _handler(sub.add_parser("ls", parents=[common], help="connectors with state and tasks"), cc.ls)
    for name, handler, text in (
        ("get", cc.get, "config and tasks"),
        ("status", cc.status, "connector and task states"),
        ("delete", cc.delete, "delete a connector"),
    ):
        _handler(sub.add_parser(name, parents=[common], help=text), handler).add_argument("name")
    create = _handler(
        sub.add_parser("create", parents=[common], help="create connectors from JSON or .properties files"),
        cc.create,
    )
    create.add_argument("-f", "--file", help="file or directory (repeatable)", **files)  # type: ignore[arg-type]
    apply = _handler(
        sub.add_parser("apply", parents=[common], help="create or update declared connectors (idempotent)"),
        cc.apply,
    )
    apply.add_argument("-f", "--file", help="file or directory (repeatable)", **files)  # type: ignore[arg-type]
    apply.add_argument("--prune", action="store_true", help="delete connectors that are not declared")
    apply.add_argument("--dry-run", action="store_true", help="print the actions without applying them")
    for action in ("pause", "resume", "stop"):
        state = _handler(sub.add_parser(action, parents=[common], help=f"{action} a connector"), cc.set_state)
        state.add_argument("name")
        state.set_defaults(action=action)
    restart = _handler(
        sub.add_parser("restart", parents=[common], help="restart a connector, its tasks or one task"),
        cc.restart,
    )
    restart.add_argument("name")
    restart.add_argument("--include-tasks", action="store_true")
    restart.add_argument("--only-failed", action="store_true")
    restart.add_argument("--task", type=int, default=None, help="restart only this task")
    offsets = _handler(
        sub.add_parser("offsets", parents=[common], help="get, alter or reset a connector's offsets"),
        cc.offsets,
    )
    offsets.add_argument("offsets_action", choices=("get", "alter", "reset"))
    offsets.add_argument("name")
    offsets.add_argument("-f", "--file", default=None, help='alter: JSON body {"offsets": [...]}')

    plugins = commands.add_parser("plugins", help="installed connector plugins")
    psub = plugins.add_subparsers(dest="plugins_action", required=True)
    _handler(psub.add_parser("ls", parents=[common], help="installed plugins"), pc.plugins_ls).add_argument(
        "--all", action="store_true", help="also converters, transformations and predicates"
    )
    _handler(
        psub.add_parser("config", parents=[common], help="a plugin's config definition"), pc.plugins_config
    ).add_argument("plugin")
    validate = _handler(
        psub.add_parser("validate", parents=[common], help="validate a connector config"), pc.plugins_validate
    )
    validate.add_argument("plugin")
    validate.add_argument(
        "-f", "--file", type=Path, required=True, help="JSON declaration or .properties file"
    )

    loggers = commands.add_parser("loggers", parents=[common], help="list or set log levels")
    loggers.set_defaults(handler=pc.loggers)
    loggers.add_argument("loggers_action", nargs="?", choices=("ls", "get", "set"), default="ls")
    loggers.add_argument("logger", nargs="?", default=None)
    loggers.add_argument("level", nargs="?", default=None)
    loggers.add_argument("--scope", choices=("worker", "cluster"), default="worker")


def options(args: argparse.Namespace) -> ClientOptions:
    user, password = None, None
    if args.user is not None:
        user, _, password = args.user.partition(":")
    elif os.environ.get("DISTCONNECT_USER"):
        user, password = os.environ["DISTCONNECT_USER"], os.environ.get("DISTCONNECT_PASSWORD", "")
    return ClientOptions(
        url=args.url or os.environ.get("DISTCONNECT_URL") or DEFAULT_URL,
        user=user,
        password=password,
        timeout_s=args.timeout,
        wait_s=args.wait,
        cafile=args.cacert,
        certfile=args.cert,
        keyfile=args.key,
        insecure=args.insecure,
    )


def _prepare(args: argparse.Namespace) -> None:
    """Check argument combinations and read the input files, before any request is sent."""
    if args.command == "loggers" and args.loggers_action in ("get", "set") and not args.logger:
        raise ConnectError(f"loggers {args.loggers_action}: name the logger")
    if args.command == "loggers" and args.loggers_action == "set" and not args.level:
        raise ConnectError("loggers set: give the level (e.g. DEBUG)")
    if (
        args.command == "connectors"
        and args.connectors_action == "offsets"
        and args.offsets_action == "alter"
        and not args.file
    ):
        raise ConnectError("connectors offsets alter: give the new offsets with -f FILE")
    if args.command == "connectors" and args.connectors_action in ("create", "apply"):
        args.declared = load(args.file)
    if args.command == "plugins" and args.plugins_action == "validate":
        args.declared = load([args.file])
    if args.command == "connectors" and args.connectors_action == "offsets" and args.file:
        try:
            args.body = orjson.loads(Path(args.file).read_bytes())
        except (OSError, orjson.JSONDecodeError) as err:
            raise DeclarationError(f"{args.file}: {err}") from None


def run_admin(args: argparse.Namespace) -> int:
    """Run the parsed admin command; errors propagate as ConnectError for the CLI to print."""
    _prepare(args)
    handler: Handler = args.handler

    async def run() -> int:
        async with AdminClient(options(args)) as client:
            return await handler(client, args)

    return asyncio.run(run())


__all__ = ["COMMANDS", "add_admin_commands", "options", "run_admin"]
