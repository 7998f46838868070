"""The three-way merge that keeps one admin from overwriting another, as pure functions."""

import pytest

from callable_admin.accounts.conflicts import (
    ABSENT,
    merge,
    read_original,
    sign_original,
)

ORIGINAL = {"ip": "1.1.1.1", "port": 5060, "description": "Primary"}


def test_my_change_is_applied_to_the_current_object_with_its_other_fields():
    current = {**ORIGINAL, "id": "t1", "transport": "tls"}
    merged = merge(current, ORIGINAL, {**ORIGINAL, "port": 5070}, {"port"})
    assert merged.conflicts == []
    assert merged.document == {
        "id": "t1",
        "ip": "1.1.1.1",
        "port": 5070,
        "description": "Primary",
        "transport": "tls",
    }


def test_their_change_to_a_field_i_did_not_touch_is_kept():
    current = {**ORIGINAL, "description": "Theirs"}
    merged = merge(current, ORIGINAL, {**ORIGINAL, "port": 5070}, {"port"})
    assert merged.document["description"] == "Theirs" and merged.document["port"] == 5070


def test_a_field_we_both_changed_differently_is_a_conflict_and_not_applied():
    current = {**ORIGINAL, "port": 5080}
    merged = merge(current, ORIGINAL, {**ORIGINAL, "port": 5070}, {"port"})
    assert merged.conflicts == ["port"]
    assert merged.document["port"] == 5080


def test_the_same_change_by_both_is_not_a_conflict():
    current = {**ORIGINAL, "port": 5070}
    assert merge(current, ORIGINAL, {**ORIGINAL, "port": 5070}, {"port"}).conflicts == []


def test_blank_absent_and_null_count_as_the_same():
    current = {"ip": "1.1.1.1", "description": None}
    merged = merge(
        current, {"ip": "1.1.1.1"}, {"ip": "1.1.1.1", "description": ""}, {"description"}
    )
    assert merged.conflicts == [] and merged.document == current


def test_clearing_a_field_leaves_it_out_when_asked():
    merged = merge(dict(ORIGINAL), ORIGINAL, {**ORIGINAL, "description": ABSENT}, {"description"})
    assert "description" not in merged.document


def test_an_unknown_original_makes_every_difference_a_question():
    current = {**ORIGINAL, "description": "Theirs"}
    merged = merge(current, None, {**ORIGINAL, "port": 5070}, set())
    assert merged.conflicts == ["port", "description"]  # who changed which cannot be told
    assert merged.document == current


def test_the_original_is_signed_and_bound_to_its_object():
    token = sign_original("trunk", "acc", "t1", "Darren's Pizzas", ORIGINAL)
    original = read_original(token, "trunk", "acc", "t1")
    assert original.values == ORIGINAL and original.account_name == "Darren's Pizzas"
    assert read_original(token, "trunk", "acc", "t2") is None
    assert read_original(token, "hook", "acc", "t1") is None
    assert read_original(token[:-2] + "xx", "trunk", "acc", "t1") is None
    assert read_original("", "trunk", "acc", "t1") is None


@pytest.mark.parametrize("values", [None, {}])
def test_a_create_form_carries_only_the_account_name(values):
    original = read_original(
        sign_original("hook", "acc", "new", "Dean", values), "hook", "acc", "new"
    )
    assert original.account_name == "Dean" and original.values in (None, {})
