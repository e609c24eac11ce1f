"""Connectors as code: read declared connectors from files and bring a cluster to them.

A declaration is the body of ``POST /connectors`` — ``{"name": ..., "config": {...}}`` — with an
optional ``"state"`` (``RUNNING``, ``PAUSED`` or ``STOPPED``; ``initial_state`` is accepted as
a synonym). A JSON file holds one declaration or a list of them; a ``.properties`` file holds
one connector's config in connect-standalone form (its ``name`` key names it); a directory
stands for its ``*.json`` and ``*.properties`` files in name order.

:func:`plan` is pure: given the declarations and what the cluster has, it lists the actions
that make them equal, and nothing when they already are — so applying twice changes nothing
the second time. Only connectors that are declared are touched, unless ``prune`` is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from distconnect.api.errors import ConnectError

STATES = ("RUNNING", "PAUSED", "STOPPED")


class DeclarationError(ConnectError):
    """A declaration file is missing, unreadable or invalid; the message names the file and field."""


@dataclass(frozen=True)
class Declared:
    name: str
    config: dict[str, str]
    #: None: no opinion (a new connector starts RUNNING; an existing one keeps its state).
    state: str | None = None
    source: str = ""


@dataclass(frozen=True)
class Current:
    """What the cluster has for one connector: its config and its status's connector state."""

    config: dict[str, str]
    state: str | None = None


@dataclass(frozen=True)
class Action:
    #: create, update, pause, resume, stop or delete
    verb: str
    name: str
    config: dict[str, str] = field(default_factory=dict)
    state: str | None = None


def _text(value: Any, key: str, where: str) -> str:
    # The REST API takes JSON scalars for config values and turns them into their JSON text.
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return orjson.dumps(value).decode()
    raise DeclarationError(f"{where}: config value of '{key}' must be a string, number or boolean")


def declaration(body: Any, where: str) -> Declared:
    """One declaration from a parsed JSON object; errors name the file and the field."""
    if not isinstance(body, dict):
        raise DeclarationError(f"{where}: a connector declaration must be a JSON object")
    config = body.get("config")
    if not isinstance(config, dict):
        raise DeclarationError(f"{where}: 'config' must be a JSON object of strings")
    texts = {str(key): _text(value, str(key), where) for key, value in config.items()}
    name = body.get("name", texts.get("name"))
    if not isinstance(name, str) or not name:
        raise DeclarationError(f"{where}: 'name' is missing or empty")
    if texts.get("name", name) != name:
        raise DeclarationError(f"{where}: config.name ({texts['name']}) differs from name ({name})")
    state = body.get("state", body.get("initial_state"))
    if state is not None and state not in STATES:
        raise DeclarationError(f"{where}: 'state' must be one of {', '.join(STATES)}")
    return Declared(name, {**texts, "name": name}, state, where)


def _properties(text: str) -> dict[str, str]:
    """``key=value`` / ``key: value`` lines; ``#`` and ``!`` comments (no line continuations)."""
    result: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        cut = min((i for i in (line.find("="), line.find(":")) if i >= 0), default=-1)
        key, value = (line, "") if cut < 0 else (line[:cut], line[cut + 1 :])
        result[key.strip()] = value.strip()
    return result


def load(paths: Iterable[Path]) -> list[Declared]:
    """Every declaration in ``paths`` (files or directories); duplicate names are an error."""
    found: list[Declared] = []
    for given in paths:
        if given.is_dir():
            files = sorted(p for p in given.iterdir() if p.suffix in (".json", ".properties") and p.is_file())
        elif given.is_file():
            files = [given]
        else:
            raise DeclarationError(f"{given}: no such file or directory")
        for file in files:
            found.extend(_load_file(file))
    seen: dict[str, str] = {}
    for item in found:
        if item.name in seen:
            raise DeclarationError(
                f"connector {item.name} is declared twice ({seen[item.name]}, {item.source})"
            )
        seen[item.name] = item.source
    return found


def _load_file(file: Path) -> list[Declared]:
    text = file.read_text()
    if file.suffix == ".properties":
        props = _properties(text)
        return [declaration({"name": props.get("name"), "config": props}, str(file))]
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError as err:
        raise DeclarationError(f"{file}: not valid JSON: {err}") from None
    items = body if isinstance(body, list) else [body]
    return [
        declaration(item, f"{file}[{i}]" if isinstance(body, list) else str(file))
        for i, item in enumerate(items)
    ]


def _state_action(name: str, wanted: str | None, current: str | None) -> Action | None:
    if wanted is None or wanted == current:
        return None
    if wanted == "RUNNING":
        # Only a paused or stopped connector is resumed: a FAILED one needs a restart, which is
        # an operator's decision, and an UNASSIGNED one is about to run.
        return Action("resume", name) if current in ("PAUSED", "STOPPED") else None
    return Action("pause" if wanted == "PAUSED" else "stop", name)


def plan(
    declared: Iterable[Declared], current: Mapping[str, Current], *, prune: bool = False
) -> list[Action]:
    """The actions that make the cluster match ``declared`` (see the module docstring)."""
    actions: list[Action] = []
    names = set()
    for item in declared:
        names.add(item.name)
        have = current.get(item.name)
        if have is None:
            actions.append(Action("create", item.name, item.config, item.state or "RUNNING"))
            continue
        if have.config != item.config:
            actions.append(Action("update", item.name, item.config))
        state = _state_action(item.name, item.state, have.state)
        if state is not None:
            actions.append(state)
    if prune:
        actions.extend(Action("delete", name) for name in sorted(set(current) - names))
    return actions


__all__ = ["STATES", "Action", "Current", "DeclarationError", "Declared", "declaration", "load", "plan"]
