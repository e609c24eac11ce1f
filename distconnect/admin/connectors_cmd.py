"""``distconnect connectors ...``: the handlers. Each takes an open client and the parsed
arguments, prints its result and returns the exit code."""

from __future__ import annotations

import argparse
from typing import Any

import orjson

from distconnect.admin.apply import Action, Current, Declared, plan
from distconnect.admin.client import AdminClient, AdminError, path
from distconnect.admin.output import first_line, print_json, print_mapping, print_table, task_summary


def _json(args: argparse.Namespace) -> bool:
    return bool(args.output == "json")


async def ls(client: AdminClient, args: argparse.Namespace) -> int:
    _, body = await client.request("GET", "/connectors", query={"expand": ["status", "info"]})
    if _json(args):
        print_json(body)
        return 0
    rows = []
    for name in sorted(body or {}):
        entry = body[name]
        status = entry.get("status") or {}
        connector = status.get("connector") or {}
        info = entry.get("info") or {}
        rows.append(
            [
                name,
                info.get("type"),
                connector.get("state"),
                task_summary(status.get("tasks") or []),
                connector.get("worker_id"),
            ]
        )
    print_table(["NAME", "TYPE", "STATE", "TASKS", "WORKER"], rows)
    return 0


async def get(client: AdminClient, args: argparse.Namespace) -> int:
    _, body = await client.request("GET", path("connectors", args.name))
    if _json(args):
        print_json(body)
        return 0
    tasks = ", ".join(str(t.get("task")) for t in body.get("tasks") or []) or "-"
    print(f"name:  {body.get('name')}\ntype:  {body.get('type')}\ntasks: {tasks}\nconfig:")
    print_mapping(body.get("config") or {}, indent="  ")
    return 0


async def status(client: AdminClient, args: argparse.Namespace) -> int:
    _, body = await client.request("GET", path("connectors", args.name, "status"))
    if _json(args):
        print_json(body)
        return 0
    connector = body.get("connector") or {}
    rows: list[list[Any]] = [
        ["connector", connector.get("state"), connector.get("worker_id"), first_line(connector.get("trace"))]
    ]
    for task in body.get("tasks") or []:
        rows.append(
            [
                f"task {task.get('id')}",
                task.get("state"),
                task.get("worker_id"),
                first_line(task.get("trace")),
            ]
        )
    print_table(["INSTANCE", "STATE", "WORKER", "TRACE"], rows)
    return 0


async def create(client: AdminClient, args: argparse.Namespace) -> int:
    created = []
    for item in args.declared:
        body: dict[str, Any] = {"name": item.name, "config": item.config}
        if item.state is not None:
            body["initial_state"] = item.state
        _, answer = await client.request("POST", "/connectors", body=body)
        created.append(answer)
        if not _json(args):
            print(f"created {item.name}")
    if _json(args):
        print_json(created)
    return 0


async def _current(client: AdminClient, declared: list[Declared], prune: bool) -> dict[str, Current]:
    _, names = await client.request("GET", "/connectors")
    wanted = {item.name for item in declared}
    current: dict[str, Current] = {}
    for name in names or []:
        if name not in wanted and not prune:
            continue
        try:
            _, config = await client.request("GET", path("connectors", name, "config"))
        except AdminError as err:
            if err.status == 404:  # deleted meanwhile
                continue
            raise
        state = None
        try:
            _, body = await client.request("GET", path("connectors", name, "status"))
            state = (body.get("connector") or {}).get("state")
        except AdminError as err:
            if err.status != 404:  # no status written yet: state unknown
                raise
        current[name] = Current(dict(config or {}), state)
    return current


async def _execute(client: AdminClient, action: Action) -> None:
    target = path("connectors", action.name)
    if action.verb == "create":
        body = {"name": action.name, "config": action.config, "initial_state": action.state}
        await client.request("POST", "/connectors", body=body)
    elif action.verb == "update":
        await client.request("PUT", target + "/config", body=action.config)
    elif action.verb == "delete":
        await client.request("DELETE", target)
    else:
        await client.request("PUT", f"{target}/{action.verb}")


async def apply(client: AdminClient, args: argparse.Namespace) -> int:
    declared: list[Declared] = args.declared
    actions = plan(declared, await _current(client, declared, args.prune), prune=args.prune)
    for action in actions:
        if not args.dry_run:
            await _execute(client, action)
        if not _json(args):
            print(f"{'would ' if args.dry_run else ''}{action.verb} {action.name}")
    if _json(args):
        print_json(
            {"dry_run": args.dry_run, "actions": [{"action": a.verb, "connector": a.name} for a in actions]}
        )
    elif not actions:
        print(f"{len(declared)} connector(s) unchanged")
    return 0


async def delete(client: AdminClient, args: argparse.Namespace) -> int:
    await client.request("DELETE", path("connectors", args.name))
    print(f"deleted {args.name}")
    return 0


async def set_state(client: AdminClient, args: argparse.Namespace) -> int:
    await client.request("PUT", path("connectors", args.name, args.action))
    print(f"{args.action} requested for {args.name}")
    return 0


async def restart(client: AdminClient, args: argparse.Namespace) -> int:
    if args.task is not None:
        await client.request("POST", path("connectors", args.name, "tasks", str(args.task), "restart"))
        print(f"restarted task {args.task} of {args.name}")
        return 0
    query = {"includeTasks": str(args.include_tasks).lower(), "onlyFailed": str(args.only_failed).lower()}
    code, body = await client.request("POST", path("connectors", args.name, "restart"), query=query)
    if _json(args):
        print_json(body)
    elif code == 202 and body:
        rows = [["connector", (body.get("connector") or {}).get("state")]]
        rows += [[f"task {t.get('id')}", t.get("state")] for t in body.get("tasks") or []]
        print_table(["INSTANCE", "STATE"], rows)
    else:
        print(f"restarted {args.name}")
    return 0


async def offsets(client: AdminClient, args: argparse.Namespace) -> int:
    target = path("connectors", args.name, "offsets")
    if args.offsets_action == "get":
        _, body = await client.request("GET", target)
        if _json(args):
            print_json(body)
        else:
            rows = [
                [_compact(o.get("partition")), _compact(o.get("offset"))]
                for o in (body or {}).get("offsets", [])
            ]
            print_table(["PARTITION", "OFFSET"], rows)
        return 0
    if args.offsets_action == "alter":
        _, body = await client.request("PATCH", target, body=args.body)
    else:
        _, body = await client.request("DELETE", target)
    if _json(args):
        print_json(body)
    else:
        print((body or {}).get("message", "done"))
    return 0


def _compact(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


__all__ = ["apply", "create", "delete", "get", "ls", "offsets", "restart", "set_state", "status"]
