"""Accent- and case-blind account search, as a pure function."""

from callable_admin.accounts.search import fold, matching_accounts

ACCOUNTS = [
    {"id": "a1", "name": "Zürich Uhren AG"},
    {"id": "b2", "name": "Ærø Sailing Club"},
    {"id": "c3", "name": "café zoë"},
    {"id": "d4", "name": None},
]


def test_fold_drops_case_and_accents_including_letters_nfkd_cannot_split():
    assert fold("Ærø Łódź Straße ÇİZMİR") == "aero lodz strasse cizmir"


def test_plain_ascii_folds_as_the_whole_rule_would():
    import unicodedata

    every_ascii = "".join(map(chr, range(128))) + " Hello WORLD 0123 O'Brien & Sons Ltd."
    decomposed = unicodedata.normalize("NFKD", every_ascii.casefold())
    assert fold(every_ascii) == "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    assert fold("Café ZOË") == fold("café zoë") == "cafe zoe"  # and again, from the cache


def test_every_word_must_match_somewhere_in_name_or_id():
    assert [a["id"] for a in matching_accounts(ACCOUNTS, "zurich ag")] == ["a1"]
    assert matching_accounts(ACCOUNTS, "zurich sailing") == []
    assert [a["id"] for a in matching_accounts(ACCOUNTS, "B2")] == ["b2"]


def test_results_are_sorted_by_folded_name_and_a_missing_name_is_no_crash():
    assert [a["id"] for a in matching_accounts(ACCOUNTS, "")] == ["d4", "b2", "c3", "a1"]
