"""``distconnect worker FILE --override KEY=VALUE``: per-pod settings on top of a shared file."""

from __future__ import annotations

from pathlib import Path

import pytest

from distconnect.api.errors import ConfigError
from distconnect.cli import _parser, main
from distconnect.distributed_cmd import parse_overrides


def test_later_overrides_win_and_values_keep_their_equals_signs() -> None:
    items = ["group.instance.id=a", "rest.advertised.host.name=h", "group.instance.id=b", "x=k=v", "empty="]
    assert parse_overrides(items) == {
        "group.instance.id": "b",
        "rest.advertised.host.name": "h",
        "x": "k=v",
        "empty": "",
    }


@pytest.mark.parametrize("item", ["no-equals-sign", "=value", " =value"])
def test_a_malformed_override_names_the_option(item: str) -> None:
    with pytest.raises(ConfigError, match="--override"):
        parse_overrides([item])


def test_the_worker_command_takes_repeated_overrides() -> None:
    args = _parser().parse_args(
        ["worker", "w.properties", "--override", "a=1", "--log-level", "INFO", "--override", "b=2"]
    )
    assert args.override == ["a=1", "b=2"]
    assert _parser().parse_args(["worker", "w.properties"]).override == []


def test_a_bad_override_exits_1_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    worker = tmp_path / "worker.properties"
    worker.write_text("bootstrap.servers=127.0.0.1:1\n")
    assert main(["worker", str(worker), "--override", "oops"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("distconnect: Invalid value oops for configuration --override")
