"""Connectors as code: declarations parse with clear errors, and a plan applied once leaves
nothing to do the second time."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distconnect.admin.apply import Action, Current, DeclarationError, Declared, declaration, load, plan

STATE_AFTER = {"pause": "PAUSED", "resume": "RUNNING", "stop": "STOPPED"}


def simulate(current: dict[str, Current], actions: list[Action]) -> dict[str, Current]:
    """What a Connect cluster does with the actions (a new connector starts in its state)."""
    result = dict(current)
    for action in actions:
        have = result.get(action.name)
        if action.verb == "create":
            assert have is None
            result[action.name] = Current(action.config, action.state)
        elif action.verb == "update":
            assert have is not None
            result[action.name] = Current(action.config, have.state)
        elif action.verb == "delete":
            del result[action.name]
        else:
            assert have is not None
            result[action.name] = Current(have.config, STATE_AFTER[action.verb])
    return result


names = st.sampled_from(["a", "b", "c", "d"])
configs = st.dictionaries(
    st.sampled_from(["topic", "file", "tasks.max"]), st.sampled_from(["1", "2", "x"]), max_size=2
)
states = st.sampled_from([None, "RUNNING", "PAUSED", "STOPPED"])
current_states = st.sampled_from([None, "RUNNING", "PAUSED", "STOPPED", "FAILED", "UNASSIGNED"])


@st.composite
def declared_sets(draw: st.DrawFn) -> list[Declared]:
    chosen = draw(st.sets(names))
    return [Declared(n, {**draw(configs), "name": n}, draw(states)) for n in sorted(chosen)]


@st.composite
def clusters(draw: st.DrawFn) -> dict[str, Current]:
    return {n: Current({**draw(configs), "name": n}, draw(current_states)) for n in draw(st.sets(names))}


@given(declared_sets(), clusters(), st.booleans())
def test_applying_a_plan_twice_changes_nothing_the_second_time(
    declared: list[Declared], current: dict[str, Current], prune: bool
) -> None:
    after = simulate(current, plan(declared, current, prune=prune))
    assert plan(declared, after, prune=prune) == []
    for item in declared:
        assert after[item.name].config == item.config
        if item.state in ("PAUSED", "STOPPED"):
            assert after[item.name].state == item.state
    if prune:
        assert set(after) == {item.name for item in declared}
    else:
        assert set(current) <= set(after)


def test_a_failed_connector_is_not_resumed_and_an_undeclared_one_is_left_alone() -> None:
    declared = [Declared("a", {"name": "a"}, "RUNNING")]
    current = {"a": Current({"name": "a"}, "FAILED"), "z": Current({"name": "z"}, "RUNNING")}
    assert plan(declared, current) == []
    assert plan(declared, current, prune=True) == [Action("delete", "z")]


def test_declaration_turns_scalars_into_text_and_sets_the_name() -> None:
    item = declaration(
        {"name": "n", "config": {"tasks.max": 2, "flag": True, "x": "y"}, "state": "PAUSED"}, "f.json"
    )
    assert item == Declared(
        "n", {"tasks.max": "2", "flag": "true", "x": "y", "name": "n"}, "PAUSED", "f.json"
    )


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ([], "must be a JSON object"),
        ({"name": "n"}, "'config' must be a JSON object"),
        ({"config": {}}, "'name' is missing"),
        ({"name": "n", "config": {"name": "m"}}, "config.name (m) differs from name (n)"),
        ({"name": "n", "config": {"k": [1]}}, "config value of 'k'"),
        ({"name": "n", "config": {}, "state": "GONE"}, "'state' must be one of RUNNING, PAUSED, STOPPED"),
    ],
)
def test_bad_declarations_name_the_file_and_field(body: object, fragment: str) -> None:
    with pytest.raises(DeclarationError) as raised:
        declaration(body, "dir/c.json")
    assert str(raised.value).startswith("dir/c.json: ")
    assert fragment in str(raised.value)


def test_load_reads_directories_lists_and_properties(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text('[{"name": "b1", "config": {"k": "v"}}, {"name": "b2", "config": {}}]')
    (tmp_path / "a.properties").write_text(
        "# comment\nname=a\nconnector.class = FileStreamSource\ntopic: t\n"
    )
    (tmp_path / "notes.txt").write_text("ignored")
    found = load([tmp_path])
    assert [item.name for item in found] == ["a", "b1", "b2"]
    assert found[0].config == {"name": "a", "connector.class": "FileStreamSource", "topic": "t"}
    assert found[1].source.endswith("b.json[0]")


def test_load_refuses_duplicates_missing_files_and_bad_json(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text('{"name": "x", "config": {}}')
    (tmp_path / "two.json").write_text('{"name": "x", "config": {}}')
    with pytest.raises(DeclarationError, match="connector x is declared twice"):
        load([tmp_path])
    with pytest.raises(DeclarationError, match="no such file or directory"):
        load([tmp_path / "absent.json"])
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(DeclarationError, match=r"bad\.json: not valid JSON"):
        load([tmp_path / "bad.json"])
