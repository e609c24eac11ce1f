"""The ``distconnect`` command line.

``distconnect local kafka start|stop|status`` manages a real single-node Apache Kafka for
development and tests; ``standalone`` and ``worker`` run a standalone or distributed worker;
``connectors``, ``plugins`` and ``loggers`` administer a running cluster through its REST API
(:mod:`distconnect.admin.commands`).
Errors that a user can fix are printed as one line on stderr with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from distconnect import __version__
from distconnect.admin.commands import COMMANDS as ADMIN_COMMANDS
from distconnect.admin.commands import add_admin_commands, run_admin
from distconnect.api.errors import ConnectError
from distconnect.local.errors import LocalServiceError
from distconnect.local.kafka import DEFAULT_PORT, LocalKafka, default_state_dir

#: ``status`` exits with this when the service is not running (the LSB convention).
EXIT_NOT_RUNNING = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="distconnect", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--version", action="version", version=f"distconnect {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    local = commands.add_parser("local", help="local development services")
    services = local.add_subparsers(dest="service", required=True)
    kafka = services.add_parser("kafka", help="a single-node KRaft Apache Kafka on 127.0.0.1")
    kafka.add_argument("action", choices=("start", "stop", "status"))
    kafka.add_argument(
        "--dir",
        type=Path,
        default=None,
        help=f"state directory (default: $DISTCONNECT_HOME/kafka or {default_state_dir()})",
    )
    kafka.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"PLAINTEXT port (default: the last one used in --dir, else {DEFAULT_PORT})",
    )
    kafka.add_argument(
        "--kafka-home",
        type=Path,
        default=None,
        help="use this Apache Kafka distribution instead of jars from Maven Central "
        "(default: $KAFKA_HOME if set)",
    )
    kafka.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for start-up")

    standalone = commands.add_parser("standalone", help="run a standalone worker (connect-standalone)")
    standalone.add_argument("worker_properties", type=Path)
    standalone.add_argument("connector_properties", type=Path, nargs="*")
    worker = commands.add_parser(
        "worker", help="run a distributed worker (connect-distributed) that joins a Connect group"
    )
    worker.add_argument("worker_properties", type=Path)
    worker.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a worker property on top of the file (repeatable; e.g. group.instance.id=$(POD_NAME))",
    )
    for sub in (standalone, worker):
        sub.add_argument("--log-level", default=None, help="DEBUG, INFO (default), WARNING, ERROR")
        sub.add_argument("--log-format", choices=("text", "json"), default=None)
    add_admin_commands(commands)
    return parser


def _kafka(args: argparse.Namespace) -> int:
    broker = LocalKafka(args.dir, port=args.port, kafka_home=args.kafka_home)
    if args.action == "start":
        before = broker.status()
        status = broker.start(timeout=args.timeout)
        verb = "already running" if before.running else "started"
        print(f"Kafka {verb} at {status.bootstrap} (pid {status.pid}, state {status.state_dir})")
        print(f"bootstrap.servers={status.bootstrap}")
        return 0
    if args.action == "stop":
        stopped = broker.stop()
        print("Kafka stopped" if stopped else "Kafka was not running")
        return 0
    status = broker.status()
    if status.running:
        print(f"Kafka is running at {status.bootstrap} (pid {status.pid}, state {status.state_dir})")
        return 0
    print(f"Kafka is not running (state {status.state_dir})")
    return EXIT_NOT_RUNNING


def _standalone(args: argparse.Namespace) -> int:
    from distconnect.logging_setup import configure_logging
    from distconnect.standalone_cmd import run_standalone

    configure_logging(args.log_level, args.log_format)
    for path in (args.worker_properties, *args.connector_properties):
        if not path.is_file():
            raise ConnectError(f"{path}: no such file")
    return asyncio.run(run_standalone(args.worker_properties, list(args.connector_properties)))


def _worker(args: argparse.Namespace) -> int:
    from distconnect.distributed_cmd import parse_overrides, run_distributed
    from distconnect.logging_setup import configure_logging

    configure_logging(args.log_level, args.log_format)
    if not args.worker_properties.is_file():
        raise ConnectError(f"{args.worker_properties}: no such file")
    overrides = parse_overrides(args.override)
    return asyncio.run(run_distributed(args.worker_properties, overrides=overrides))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "local" and args.service == "kafka":
            return _kafka(args)
        if args.command == "standalone":
            return _standalone(args)
        if args.command == "worker":
            return _worker(args)
        if args.command in ADMIN_COMMANDS:
            return run_admin(args)
    except (LocalServiceError, ConnectError) as err:
        print(f"distconnect: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
