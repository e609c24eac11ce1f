"""Documentation generated from a :class:`~distconnect.api.config.ConfigDef`: reStructuredText
and HTML in Apache Kafka's forms, and Markdown for this project's docs.

Use the ``ConfigDef.to_*`` methods; the functions here take the keys and the group order so
they stay independent of ConfigDef. Keys are ordered as Kafka's ``sortedConfigs``: by group (in
the order groups were first declared, ungrouped keys first), then ``order_in_group``, then
required keys before keys with defaults, then importance (HIGH first), then name. Internal keys
are left out. Passwords show as ``[hidden]``. Documentation text is emitted as written (Kafka's
docs embed HTML in it), so it must come from the plugin author, never from user input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Final

from distconnect.api.config_key import ConfigKey
from distconnect.api.config_parse import convert_to_string
from distconnect.api.config_types import ConfigType
from distconnect.api.config_validators import describe_validator

_IMPORTANCE_RANK: Final = {"HIGH": 0, "MEDIUM": 1, "LOW": 2}
_HEADERS: Final = ("Name", "Description", "Type", "Default", "Valid Values", "Importance")
_MEMORY_UNITS: Final = ("kibibyte", "mebibyte", "gibibyte", "tebibyte")
_TIME_UNITS: Final = ((1000, "second"), (60, "minute"), (60, "hour"), (24, "day"))


def sorted_configs(keys: Iterable[ConfigKey], groups: Sequence[str]) -> list[ConfigKey]:
    group_rank = {group: i for i, group in enumerate(groups)}

    def sort_key(key: ConfigKey) -> tuple[int, int, int, int, int, str]:
        grouped = 0 if key.group is None else 1
        rank = group_rank.get(key.group, len(groups)) if key.group is not None else 0
        return (
            grouped,
            rank,
            key.order_in_group,
            1 if key.has_default else 0,
            _IMPORTANCE_RANK[key.importance.value],
            key.name,
        )

    return sorted(keys, key=sort_key)


def _documented(keys: Iterable[ConfigKey], groups: Sequence[str]) -> list[ConfigKey]:
    return [key for key in sorted_configs(keys, groups) if not key.internal]


def _nice_memory_units(count: int) -> str:
    value, steps = count, 0
    while value != 0 and steps < 4 and value % 1024 == 0:
        value //= 1024
        steps += 1
    if steps == 0:
        return ""
    return f" ({value} {_MEMORY_UNITS[steps - 1]}{'' if value == 1 else 's'})"


def _nice_time_units(millis: int) -> str:
    value, steps = millis, 0
    while value != 0 and steps < 4 and value % _TIME_UNITS[steps][0] == 0:
        value //= _TIME_UNITS[steps][0]
        steps += 1
    if steps == 0:
        return ""
    return f" ({value} {_TIME_UNITS[steps - 1][1]}{'s' if value > 1 else ''})"


def type_text(key: ConfigKey) -> str:
    return key.type.value.lower()


def default_text(key: ConfigKey) -> str:
    """Kafka's "Default" cell: ``""`` for empty, ``null``, units appended to ``*.ms``/``*.bytes``."""
    if not key.has_default:
        return ""
    text = convert_to_string(key.default, key.type)
    if text is None:
        return "null"
    if text == "":
        return '""'
    if isinstance(key.default, int) and not isinstance(key.default, bool):
        if key.name.endswith(".bytes"):
            text += _nice_memory_units(key.default)
        elif key.name.endswith(".ms"):
            text += _nice_time_units(key.default)
    return text


def valid_values_text(key: ConfigKey) -> str:
    return describe_validator(key.validator)


def importance_text(key: ConfigKey) -> str:
    return key.importance.value.lower()


def _cell(key: ConfigKey, header: str) -> str:
    cells: dict[str, Callable[[ConfigKey], str]] = {
        "Name": lambda k: k.name,
        "Description": lambda k: k.documentation,
        "Type": type_text,
        "Default": default_text,
        "Valid Values": valid_values_text,
        "Importance": importance_text,
    }
    return cells[header](key)


def to_html_table(keys: Iterable[ConfigKey], groups: Sequence[str]) -> str:
    """Kafka's ``toHtmlTable`` layout, one row per key. Kafka closes each cell twice
    (``</td></td>``); this emits well-formed HTML instead."""
    out = ['<table class="data-table"><tbody>\n<tr>\n']
    out += [f"<th>{header}</th>\n" for header in _HEADERS]
    out.append("</tr>\n")
    for key in _documented(keys, groups):
        cells = "".join(f"<td>{_cell(key, header)}</td>" for header in _HEADERS)
        out.append(f"<tr>\n{cells}</tr>\n")
    out.append("</tbody></table>")
    return "".join(out)


def to_html_list(
    keys: Iterable[ConfigKey],
    groups: Sequence[str],
    header_depth: int = 4,
    id_generator: Callable[[str], str] = lambda name: name,
) -> str:
    """Kafka's ``toHtml`` layout: a ``<ul>`` with a heading, text and detail table per key."""
    out = ['<ul class="config-list">\n']
    for key in _documented(keys, groups):
        anchor = id_generator(key.name)
        out.append("<li>\n")
        out.append(
            f'<h{header_depth}><a id="{key.name}"></a><a id="{anchor}" href="#{anchor}">{key.name}</a>'
            f"</h{header_depth}>\n"
        )
        out.append("<p>" + key.documentation.replace("\n", "<br>") + "</p>\n")
        out.append("<table><tbody>\n")
        for header in _HEADERS[2:]:
            value = _cell(key, header)
            if header == "Default" and key.alternative_string is not None:
                value = key.alternative_string
            out.append(f"<tr><th>{header}:</th><td>{value}</td></tr>\n")
        out.append("</tbody></table>\n</li>\n")
    out.append("</ul>\n")
    return "".join(out)


def _rst_entry(key: ConfigKey) -> list[str]:
    lines = [f"``{key.name}``"]
    paragraphs = [line for line in key.documentation.split("\n") if line]
    lines += [f"  {line}\n" for line in paragraphs]
    lines.append(f"  * Type: {type_text(key)}")
    if key.has_default:
        lines.append(f"  * Default: {default_text(key)}")
    if key.validator is not None:
        lines.append(f"  * Valid Values: {valid_values_text(key)}")
    lines.append(f"  * Importance: {importance_text(key)}")
    return lines


def to_rst(keys: Iterable[ConfigKey], groups: Sequence[str]) -> str:
    """Kafka's ``toRst``: a block per key with Type, Default, Valid Values and Importance."""
    return "".join("\n".join(_rst_entry(key)) + "\n\n" for key in _documented(keys, groups))


def to_enriched_rst(keys: Iterable[ConfigKey], groups: Sequence[str]) -> str:
    """Kafka's ``toEnrichedRst``: :func:`to_rst` plus group headings and dependents."""
    out: list[str] = []
    last_group = ""
    for key in _documented(keys, groups):
        if key.group is not None:
            if key.group.lower() != last_group.lower():
                out.append(f"{key.group}\n{'^' * len(key.group)}\n\n")
            last_group = key.group
        lines = _rst_entry(key)
        if key.dependents:
            lines.append("  * Dependents: " + ", ".join(f"``{d}``" for d in key.dependents))
        out.append("\n".join(lines) + "\n\n")
    return "".join(out)


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def to_markdown(keys: Iterable[ConfigKey], groups: Sequence[str], heading_level: int = 3) -> str:
    """A section per key (heading, documentation, then Type / Default / Valid Values /
    Importance / Dependents), under a heading per group; ungrouped keys come first."""
    keys = list(keys)
    group_heading = "#" * heading_level
    key_heading = "#" * (heading_level + 1 if any(k.group for k in keys) else heading_level)
    out: list[str] = []
    current_group: str | None = None
    for key in _documented(keys, groups):
        if key.group is not None and key.group != current_group:
            out.append(f"{group_heading} {key.group}\n\n")
            current_group = key.group
        out.append(f"{key_heading} {_code(key.name)}\n\n")
        if key.documentation.strip():
            out.append(key.documentation.strip() + "\n\n")
        default = _code(default_text(key)) if key.has_default else "none (required)"
        details = [f"* Type: {type_text(key)}", f"* Default: {default}"]
        if key.validator is not None and valid_values_text(key):
            details.append(f"* Valid Values: {_code(valid_values_text(key))}")
        details.append(f"* Importance: {importance_text(key)}")
        if key.dependents:
            details.append("* Dependents: " + ", ".join(_code(d) for d in key.dependents))
        if key.type is ConfigType.PASSWORD:
            details.append("* Sensitive: yes (the value is never shown)")
        out.append("\n".join(details) + "\n\n")
    return "".join(out).rstrip("\n") + "\n" if out else ""
