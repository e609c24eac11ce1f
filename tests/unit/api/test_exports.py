"""``distconnect.api`` exports exactly its documented surface, each name defined once."""

from __future__ import annotations

import distconnect.api as api


def test_all_names_exist_and_are_unique() -> None:
    assert len(api.__all__) == len(set(api.__all__))
    for name in api.__all__:
        assert getattr(api, name) is not None, name


def test_no_public_name_is_left_out_of_all() -> None:
    public = {
        name
        for name in vars(api)
        if not name.startswith("_") and not isinstance(getattr(api, name), type(api))
    }
    assert public == set(api.__all__)
