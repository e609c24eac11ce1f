"""Java ``.properties`` files, parsed the way ``java.util.Properties.load`` parses them.

Worker and connector configs for ``distconnect standalone`` are the same files users feed to
``connect-standalone``, so the grammar must match Java's, quirks included:

- a logical line may continue onto the next with an odd number of trailing backslashes; the
  continuation's leading white space is dropped;
- comment lines start with ``#`` or ``!`` (after optional white space) and cannot be continued;
- the key ends at the first unescaped ``=``, ``:`` or white space; white space around the
  separator, and one ``=`` or ``:``, is skipped;
- escapes: ``\\t \\n \\r \\f``, ``\\uXXXX``, and ``\\`` before any other character yields that
  character (so ``\\=`` and ``\\ `` are literal);
- a later duplicate key wins.

Pure and synchronous.
"""

from __future__ import annotations

from pathlib import Path

from distconnect.api.errors import ConfigError

_WHITESPACE = " \t\f"
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _logical_lines(text: str) -> list[str]:
    physical = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines: list[str] = []
    current: str | None = None
    for raw in physical:
        line = raw.lstrip(_WHITESPACE) if current is not None else raw
        if current is None:
            stripped = line.lstrip(_WHITESPACE)
            if not stripped or stripped[0] in "#!":
                continue
            line = stripped
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2 == 1:
            current = (current or "") + line[:-1]
            continue
        lines.append((current or "") + line)
        current = None
    if current is not None:
        lines.append(current)
    return lines


def _unescape(text: str, where: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\" or i + 1 >= len(text):
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "u":
            digits = text[i + 2 : i + 6]
            if len(digits) != 4 or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise ConfigError(where, text, "malformed \\uXXXX escape in a .properties file")
            out.append(chr(int(digits, 16)))
            i += 6
            continue
        out.append(_ESCAPES.get(nxt, nxt))
        i += 2
    # Java strings are UTF-16: a character outside the BMP arrives as two \u escapes (a surrogate pair).
    return "".join(out).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _split(line: str) -> tuple[str, str]:
    """Split a logical line into its raw (still escaped) key and value."""
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "=:" or ch in _WHITESPACE:
            break
        i += 1
    key = line[:i]
    rest = line[i:].lstrip(_WHITESPACE)
    if rest[:1] in ("=", ":"):
        rest = rest[1:].lstrip(_WHITESPACE)
    return key, rest


def parse_properties(text: str) -> dict[str, str]:
    """Parse the text of a ``.properties`` file into an ordered dict of strings."""
    result: dict[str, str] = {}
    for line in _logical_lines(text):
        raw_key, raw_value = _split(line)
        key = _unescape(raw_key, raw_key)
        result[key] = _unescape(raw_value, key)
    return result


def load_properties(path: Path) -> dict[str, str]:
    """Read and parse a ``.properties`` file (ISO-8859-1 like Java's, unless it is valid UTF-8)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return parse_properties(text)


def _escape(text: str, is_key: bool) -> str:
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in "\\=:#!":
            out.append("\\" + ch)
        elif ch == " " and (is_key or i == 0):
            out.append("\\ ")
        elif ch in "\t\n\r\f":
            out.append("\\" + {"\t": "t", "\n": "n", "\r": "r", "\f": "f"}[ch])
        elif ord(ch) < 0x20 or ord(ch) > 0x7E:
            out.extend(f"\\u{unit:04x}" for unit in _utf16_units(ch))
        else:
            out.append(ch)
    return "".join(out)


def _utf16_units(ch: str) -> list[int]:
    data = ch.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def format_properties(props: dict[str, str]) -> str:
    """Render ``props`` as ``.properties`` text that :func:`parse_properties` (and Java) read back."""
    return "".join(f"{_escape(k, True)}={_escape(v, False)}\n" for k, v in props.items())
