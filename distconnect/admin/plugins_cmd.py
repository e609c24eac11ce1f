"""``distconnect plugins ...`` and ``distconnect loggers ...``: the handlers."""

from __future__ import annotations

import argparse
from typing import Any

from distconnect.admin.client import AdminClient, path
from distconnect.admin.output import print_json, print_table


def _json(args: argparse.Namespace) -> bool:
    return bool(args.output == "json")


async def plugins_ls(client: AdminClient, args: argparse.Namespace) -> int:
    _, body = await client.request(
        "GET", "/connector-plugins", query={"connectorsOnly": str(not args.all).lower()}
    )
    if _json(args):
        print_json(body)
    else:
        print_table(
            ["CLASS", "TYPE", "VERSION"],
            [[p.get("class"), p.get("type"), p.get("version")] for p in body or []],
        )
    return 0


async def plugins_config(client: AdminClient, args: argparse.Namespace) -> int:
    _, body = await client.request("GET", path("connector-plugins", args.plugin, "config"))
    if _json(args):
        print_json(body)
        return 0
    rows = [
        [
            key.get("name"),
            key.get("type"),
            key.get("required"),
            key.get("default_value"),
            key.get("importance"),
        ]
        for key in body or []
    ]
    print_table(["NAME", "TYPE", "REQUIRED", "DEFAULT", "IMPORTANCE"], rows)
    return 0


async def plugins_validate(client: AdminClient, args: argparse.Namespace) -> int:
    """Exit 1 when the config has errors, so a CI step can gate on it."""
    (declared,) = args.declared
    config = dict(declared.config)
    config.setdefault("connector.class", args.plugin)
    _, body = await client.request(
        "PUT", path("connector-plugins", args.plugin, "config", "validate"), body=config
    )
    errors = _errors(body)
    if _json(args):
        print_json(body)
    elif errors:
        print_table(["KEY", "ERROR"], errors)
    else:
        print(f"{declared.name}: valid")
    return 1 if errors else 0


def _errors(body: Any) -> list[list[str]]:
    rows: list[list[str]] = []
    for entry in (body or {}).get("configs") or []:
        value = entry.get("value") or {}
        rows.extend([str(value.get("name")), str(message)] for message in value.get("errors") or [])
    return rows


async def loggers(client: AdminClient, args: argparse.Namespace) -> int:
    if args.loggers_action == "set":
        query = {"scope": args.scope}
        code, body = await client.request(
            "PUT", path("admin", "loggers", args.logger), body={"level": args.level}, query=query
        )
        if _json(args):
            print_json(body)
        elif code == 204:
            print(f"{args.logger} set to {args.level} on every worker")
        else:
            print(f"{args.logger} set to {args.level}; affected: {', '.join(body or []) or '-'}")
        return 0
    if args.loggers_action == "get":
        _, body = await client.request("GET", path("admin", "loggers", args.logger))
        body = {args.logger: body}
    else:
        _, body = await client.request("GET", "/admin/loggers")
    if _json(args):
        print_json(body)
    else:
        rows = [
            [name, (entry or {}).get("level"), (entry or {}).get("last_modified")]
            for name, entry in sorted((body or {}).items())
        ]
        print_table(["LOGGER", "LEVEL", "LAST_MODIFIED"], rows)
    return 0


__all__ = ["loggers", "plugins_config", "plugins_ls", "plugins_validate"]
