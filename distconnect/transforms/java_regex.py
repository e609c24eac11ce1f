"""Java ``java.util.regex`` patterns and ``Matcher`` replacement strings, run on Python's ``re``.

RegexRouter and TopicNameMatches are configured with Java regular expressions. Most Java syntax is
also Python syntax (Python 3.11 even has possessive quantifiers and atomic groups); the differences
that matter are translated here:

* ``(?<name>...)`` becomes ``(?P<name>...)`` and ``\\k<name>`` becomes ``(?P=name)``;
* ``\\Q...\\E`` quoting, ``\\z``/``\\Z`` anchors, ``\\e``, ``\\x{h...h}``, ``\\h``/``\\H``,
  ``\\v``/``\\V`` keep their Java meaning;
* patterns are compiled with ``re.ASCII`` because Java's ``\\w \\d \\s \\b`` and case folding are
  ASCII-only by default.

Unsupported (rejected with :class:`JavaRegexError`): ``\\p{...}``/``\\P{...}`` property classes,
character-class union and intersection (``[a-z[0-9]]``, ``[a-z&&[^e]]``), ``\\G``, ``\\R``, ``\\X``,
``\\c``, and the flags ``(?d)`` (UNIX_LINES), ``(?u)`` (UNICODE_CASE) and ``(?U)``
(UNICODE_CHARACTER_CLASS).

Replacement strings follow ``Matcher.appendReplacement``: ``$n`` takes as many digits as still name
an existing group, ``${name}`` names a group, and a backslash makes the next character literal.
They are compiled once, against the pattern, so a bad reference fails at configuration time.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

from distconnect.api.config import Validator
from distconnect.api.errors import ConfigError

__all__ = ["JavaRegexError", "JavaReplacement", "RegexValidator", "compile_java_regex"]

_HORIZONTAL = r" \t\xa0\u1680\u180e\u2000-\u200a\u202f\u205f\u3000"
_VERTICAL = r"\n\x0b\f\r\x85\u2028\u2029"
_CLASS_ESCAPES = {"h": _HORIZONTAL, "v": _VERTICAL}
_REJECTED_ESCAPES = {
    "p": "\\p{...} property classes",
    "P": "\\P{...} property classes",
    "G": "\\G",
    "R": "\\R",
    "X": "\\X",
    "c": "\\c control escapes",
}


class JavaRegexError(ValueError):
    """The pattern or replacement is invalid, or uses Java syntax distconnect cannot run."""


def _escape_at(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    """Translate the escape whose backslash is at ``i``; return (python text, next index)."""
    if i + 1 >= len(pattern):
        raise JavaRegexError("Unexpected internal error: pattern ends with a backslash")
    c = pattern[i + 1]
    if c == "Q":
        end = pattern.find("\\E", i + 2)
        quoted = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
        return re.escape(quoted), len(pattern) if end < 0 else end + 2
    if c in _REJECTED_ESCAPES:
        raise JavaRegexError(f"{_REJECTED_ESCAPES[c]} are not supported")
    if c == "x" and pattern.startswith("{", i + 2):
        end = pattern.find("}", i + 3)
        if end < 0:
            raise JavaRegexError("Unclosed hexadecimal escape sequence")
        try:
            char = chr(int(pattern[i + 3 : end], 16))
        except ValueError as e:
            raise JavaRegexError(f"Illegal hexadecimal escape sequence: {e}") from None
        return re.escape(char), end + 1
    if c in _CLASS_ESCAPES:
        return (_CLASS_ESCAPES[c] if in_class else f"[{_CLASS_ESCAPES[c]}]"), i + 2
    if c in "HV":
        if in_class:
            raise JavaRegexError(f"\\{c} inside a character class is not supported")
        return f"[^{_CLASS_ESCAPES[c.lower()]}]", i + 2
    if c == "e":
        return r"\x1b", i + 2
    if not in_class and c == "z":
        return r"\Z", i + 2
    if not in_class and c == "Z":
        return r"(?=\n?\Z)", i + 2
    if not in_class and c == "k" and pattern.startswith("<", i + 2):
        end = pattern.find(">", i + 3)
        if end < 0:
            raise JavaRegexError("named capturing group is missing trailing '>'")
        return f"(?P={pattern[i + 3 : end]})", end + 1
    return pattern[i : i + 2], i + 2


def _translate(pattern: str) -> str:
    out: list[str] = []
    i = 0
    class_depth = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            text, i = _escape_at(pattern, i, class_depth > 0)
            out.append(text)
            continue
        if class_depth:
            if c == "[":
                raise JavaRegexError("character class union (nested '[') is not supported")
            if pattern.startswith("&&", i):
                raise JavaRegexError("character class intersection ('&&') is not supported")
            if c == "]":
                class_depth = 0
            out.append(c)
            i += 1
            continue
        if c == "[":
            class_depth = 1
            out.append(c)
            i += 1
            # Both engines read a ']' straight after '[' or '[^' as a literal, not a close.
            if pattern.startswith("^", i):
                out.append("^")
                i += 1
            if pattern.startswith("]", i):
                out.append("]")
                i += 1
            continue
        if pattern.startswith("(?<", i) and not pattern.startswith(("(?<=", "(?<!"), i):
            out.append("(?P<")
            i += 3
            continue
        out.append(c)
        i += 1
    return "".join(out)


def compile_java_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Java regular expression; use ``fullmatch`` for Java's ``Matcher.matches()``."""
    translated = _translate(pattern)
    with warnings.catch_warnings():
        # Python warns about constructs whose meaning may change (e.g. '--' in a class); Java
        # has its own meaning for them, so refuse instead of guessing.
        warnings.simplefilter("error")
        try:
            return re.compile(translated, re.ASCII)
        except (re.error, FutureWarning, DeprecationWarning, ValueError) as e:
            raise JavaRegexError(str(e)) from None


@dataclass(frozen=True, slots=True)
class _GroupRef:
    group: int | str


class JavaReplacement:
    """A compiled ``Matcher.replaceFirst`` replacement string; immutable and thread-safe."""

    __slots__ = ("_parts", "_template")

    def __init__(self, template: str, pattern: re.Pattern[str]) -> None:
        self._template = template
        self._parts = _parse_replacement(template, pattern)

    @property
    def template(self) -> str:
        return self._template

    def expand(self, match: re.Match[str]) -> str:
        """The replacement text for ``match``; a group that did not participate adds nothing."""
        out: list[str] = []
        for part in self._parts:
            if isinstance(part, str):
                out.append(part)
            else:
                out.append(match.group(part.group) or "")
        return "".join(out)

    def replace_first(self, pattern: re.Pattern[str], text: str) -> str:
        """Java's ``Matcher.replaceFirst``: replace the first match of ``pattern`` in ``text``."""
        match = pattern.search(text)
        if match is None:
            return text
        return text[: match.start()] + self.expand(match) + text[match.end() :]


def _parse_replacement(template: str, pattern: re.Pattern[str]) -> list[str | _GroupRef]:
    parts: list[str | _GroupRef] = []
    literal: list[str] = []
    i = 0
    while i < len(template):
        c = template[i]
        if c == "\\":
            if i + 1 >= len(template):
                raise JavaRegexError("character to be escaped is missing")
            literal.append(template[i + 1])
            i += 2
            continue
        if c != "$":
            literal.append(c)
            i += 1
            continue
        i += 1
        if i >= len(template):
            raise JavaRegexError("Illegal group reference: group index is missing")
        ref: int | str
        if template[i] == "{":
            end = i + 1
            while end < len(template) and template[end].isascii() and template[end].isalnum():
                end += 1
            if end == i + 1:
                raise JavaRegexError("named capturing group has 0 length name")
            if end >= len(template) or template[end] != "}":
                raise JavaRegexError("named capturing group is missing trailing '}'")
            ref = template[i + 1 : end]
            if not ref[0].isalpha() or ref not in pattern.groupindex:
                raise JavaRegexError(f"No group with name {{{ref}}}")
            i = end + 1
        elif template[i].isascii() and template[i].isdigit():
            ref = int(template[i])
            i += 1
            # Java keeps taking digits only while they still name an existing group.
            while i < len(template) and template[i].isascii() and template[i].isdigit():
                candidate = ref * 10 + int(template[i])
                if candidate > pattern.groups:
                    break
                ref = candidate
                i += 1
            if ref > pattern.groups:
                raise JavaRegexError(f"No group {ref}")
        else:
            raise JavaRegexError("Illegal group reference")
        if literal:
            parts.append("".join(literal))
            literal.clear()
        parts.append(_GroupRef(ref))
    if literal:
        parts.append("".join(literal))
    return parts


class RegexValidator(Validator):
    """ConfigDef validator: the value must compile as a (supported) Java regular expression."""

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            return  # a missing required key is reported on its own
        try:
            compile_java_regex(value)
        except JavaRegexError as e:
            raise ConfigError(name, value, f"Invalid regex: {e}") from e

    def __str__(self) -> str:
        return "valid regex"
