"""The .properties grammar matches java.util.Properties.load on the cases users hit."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.api.errors import ConfigError
from distconnect.runtime.properties import format_properties, load_properties, parse_properties


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a=b", {"a": "b"}),
        ("a:b", {"a": "b"}),
        ("a b", {"a": "b"}),
        ("a  =  b  ", {"a": "b  "}),
        ("a\t:\tb", {"a": "b"}),
        ("a==b", {"a": "=b"}),
        ("a", {"a": ""}),
        ("  # comment\n! also\nk=v", {"k": "v"}),
        ("k=v # not a comment", {"k": "v # not a comment"}),
        ("k=first \\\n    second", {"k": "first second"}),
        ("k=one\\\n  #two", {"k": "one#two"}),
        ("k=ends\\\\\nnext=1", {"k": "ends\\", "next": "1"}),
        ("k=a\\\n\nnext=1", {"k": "a", "next": "1"}),
        ("key\\ with\\ spaces=v", {"key with spaces": "v"}),
        ("a\\=b=c", {"a=b": "c"}),
        ("k=\\u00e9t\\u00e9", {"k": "été"}),
        ("k=\\ud83d\\ude00", {"k": "\U0001f600"}),
        ("k=tab\\there\\nnew", {"k": "tab\there\nnew"}),
        ("k=C:\\\\path", {"k": "C:\\path"}),
        ("k=\\q", {"k": "q"}),
        ("dup=1\ndup=2", {"dup": "2"}),
        ("a=1\r\nb=2\rc=3", {"a": "1", "b": "2", "c": "3"}),
        ("k=trailing\\", {"k": "trailing"}),
    ],
)
def test_java_grammar(text: str, expected: dict[str, str]) -> None:
    assert parse_properties(text) == expected


def test_malformed_unicode_escape_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"bad\.key"):
        parse_properties("bad.key=\\u12x4")


def test_load_reads_utf8_and_latin1(tmp_path: Path) -> None:
    utf8 = tmp_path / "u.properties"
    utf8.write_bytes("name=café\n".encode())
    latin = tmp_path / "l.properties"
    latin.write_bytes("name=caf\xe9\n".encode("latin-1"))
    assert load_properties(utf8) == {"name": "café"}
    assert load_properties(latin) == {"name": "café"}


keys = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)
values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(st.dictionaries(keys, values, max_size=10))
def test_format_then_parse_round_trips(props: dict[str, str]) -> None:
    assert parse_properties(format_properties(props)) == props
