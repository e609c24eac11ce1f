"""Java regex and Matcher replacement semantics on Python's re."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.errors import ConfigError
from distconnect.transforms.java_regex import (
    JavaRegexError,
    JavaReplacement,
    RegexValidator,
    compile_java_regex,
)

topic_names = st.from_regex(r"[a-zA-Z0-9._-]{1,60}", fullmatch=True)


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        (r"(?<name>[a-z]+)-\k<name>", "ab-ab", True),
        (r"(?<name>[a-z]+)-\k<name>", "ab-cd", False),
        (r"\Qa.b*\E.c", "a.b*xc", True),
        (r"\Qa.b*\E.c", "aXbbxc", False),
        (r"\Qunterminated.", "unterminated.", True),
        (r"a\z", "a", True),
        (r"a\Z", "a\n", False),  # \Z may stop before a final newline, but matches() needs it all
        (r"a\h\x{42}", "a\tB", True),
        (r"a\e", "a\x1b", True),
        (r"a[\h]b", "a\u3000b", True),
        (r"a\Hb", "a b", False),
        (r"a\vb", "a\u2028b", True),
        (r"a\Vb", "axb", True),
        (r"[]a]+", "]a]", True),
        (r"[^]a]+", "bcd", True),
        (r"(?<=a)b|(?<!a)c", "c", True),
        (r"\w+", "café", False),  # Java's \w is ASCII-only by default
        (r"(?i)topic", "TOPIC", True),
        (r"a++b", "aab", True),
    ],
)
def test_translation(pattern: str, text: str, matches: bool) -> None:
    assert (compile_java_regex(pattern).fullmatch(text) is not None) is matches


def test_capital_z_allows_a_final_line_terminator() -> None:
    assert compile_java_regex(r"a\Z").search("a\n") is not None
    assert compile_java_regex(r"a\z").search("a\n") is None


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"\p{Alpha}+", r"\p{...} property classes"),
        (r"\P{Lower}", r"\P{...} property classes"),
        (r"[a-z&&[^e]]", "intersection"),
        (r"[a-z[0-9]]", "union"),
        (r"\Gfoo", r"\G"),
        (r"[a--b]", "set difference"),
        (r"(unclosed", "missing )"),
        ("trailing\\", "ends with a backslash"),
        (r"\x{zz}", "hexadecimal"),
        (r"[\H]", r"\H inside a character class"),
    ],
)
def test_rejected_patterns(pattern: str, message: str) -> None:
    with pytest.raises(JavaRegexError, match=re.escape(message)):
        compile_java_regex(pattern)


@pytest.mark.parametrize(
    ("pattern", "template", "text", "expected"),
    [
        (r"(.*)-(\d+)", "$2_$1", "orders-12", "12_orders"),
        (r"(?<base>.*)-(\d+)", "${base}", "orders-12", "orders"),
        (r"(.*)", r"\$1 costs \\ $1", "x", "$1 costs \\ x"),
        (r"(a)", "$10", "a", "a0"),  # one group: "$10" is group 1 then "0"
        (r"(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)", "$10$1", "abcdefghij", "ja"),
        (r"(a)|(b)", "[$1|$2]", "b", "[|b]"),  # a group that did not participate adds nothing
        (r"a|ab", "X", "ab", "Xb"),  # replaceFirst finds the first match, not the full one
        (r"b", "X", "abcb", "aXcb"),
        (r"z", "X", "abc", "abc"),
    ],
)
def test_replacement(pattern: str, template: str, text: str, expected: str) -> None:
    regex = compile_java_regex(pattern)
    assert JavaReplacement(template, regex).replace_first(regex, text) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("$2", "No group 2"),
        ("$x", "Illegal group reference"),
        ("end$", "group index is missing"),
        ("a\\", "character to be escaped is missing"),
        ("${}", "0 length name"),
        ("${name", "missing trailing '}'"),
        ("${nope}", "No group with name {nope}"),
        ("${1a}", "No group with name {1a}"),
    ],
)
def test_bad_replacements(template: str, message: str) -> None:
    with pytest.raises(JavaRegexError, match=re.escape(message)):
        JavaReplacement(template, compile_java_regex(r"(?<name>a)"))


def test_replacement_keeps_template() -> None:
    assert JavaReplacement("x$1", compile_java_regex("(a)")).template == "x$1"


def test_regex_validator_names_the_key() -> None:
    validator = RegexValidator()
    validator("regex", "ok.*")
    validator("regex", None)
    with pytest.raises(ConfigError, match="Invalid regex") as info:
        validator("regex", "(")
    assert info.value.name == "regex"
    assert str(validator) == "valid regex"


@given(topic_names)
def test_literal_pattern_matches_only_itself(topic: str) -> None:
    regex = compile_java_regex(r"\Q" + topic + r"\E")
    assert regex.fullmatch(topic)
    assert not regex.fullmatch(topic + "x")


@given(topic_names, topic_names)
def test_group_swap(left: str, right: str) -> None:
    regex = compile_java_regex(r"([^+]*)\+([^+]*)")
    replacement = JavaReplacement("$2+$1", regex)
    assert replacement.replace_first(regex, f"{left}+{right}") == f"{right}+{left}"
